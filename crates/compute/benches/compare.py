"""Baselines for the compute benchmark: scipy SuperLU and bw2calc on the same generated system.

Reads the raw arrays written by `compute_bench --write-dir DIR` and prints one JSON object:
scipy factorization time per column ordering, time per solve, the all-process matrix by one adjoint
solve per indicator (best ordering), and bw2calc's factorization + one demand.

    python3 crates/compute/benches/compare.py DIR
"""

import json
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def load(directory, name, shape):
    rows = np.fromfile(f"{directory}/{name}_rows.i64", dtype="<i8")
    cols = np.fromfile(f"{directory}/{name}_cols.i64", dtype="<i8")
    vals = np.fromfile(f"{directory}/{name}_vals.f64", dtype="<f8")
    # coo -> csc sums duplicates
    return sp.coo_matrix((vals, (rows, cols)), shape=shape).tocsc(), (rows, cols, vals)


TIMEOUT_S = 120
BW2CALC_TIMEOUT_S = 300


def one_ordering(a, qb, n, n_categories, permc, directory):
    t = time.perf_counter()
    # "NAME" or "NAME@THRESH": SuperLU's default diag_pivot_thresh=1.0 (strict partial pivoting)
    # leaves the ordering on LCA matrices; a small threshold keeps the diagonal, as KLU does.
    name, _, thresh = permc.partition("@")
    options = {"diag_pivot_thresh": float(thresh)} if thresh else {}
    lu = spla.splu(a, permc_spec=name, **options)
    factor_s = time.perf_counter() - t
    f = np.zeros(n)
    f[0] = 1.0
    t = time.perf_counter()
    for _ in range(5):
        lu.solve(f)
    solve_s = (time.perf_counter() - t) / 5
    t = time.perf_counter()
    m = np.vstack([lu.solve(qb[c], trans="T") for c in range(n_categories)])
    adjoint_s = time.perf_counter() - t
    np.save(f"{directory}/scipy_matrix_{permc.replace('@', '_')}.npy", m)
    return {
        "factorize_s": factor_s,
        "solve_s": solve_s,
        "adjoint_all_s": adjoint_s,
        "all_process_s": factor_s + adjoint_s,
        "nnz_factors": int(lu.L.nnz + lu.U.nnz),
    }


def main():
    directory = sys.argv[1]
    n, n_flows, n_categories = map(int, open(f"{directory}/shape.txt").read().split())
    a, a_trip = load(directory, "technosphere", (n, n))
    b, b_trip = load(directory, "biosphere", (n_flows, n))
    q, q_trip = load(directory, "characterization", (n_categories, n_flows))
    qb = (q @ b).toarray()
    if len(sys.argv) > 3 and sys.argv[2] == "--bw2calc":
        print(json.dumps(bw2calc_times(a_trip, b_trip, q_trip, n, n_categories)))
        return
    if len(sys.argv) > 3 and sys.argv[2] == "--one":
        print(json.dumps(one_ordering(a, qb, n, n_categories, sys.argv[3], directory)))
        return
    out = {"n_activities": n, "scipy": {}}
    best = None
    orderings = sys.argv[2].split(",") if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else [
        "MMD_AT_PLUS_A@0.001", "COLAMD@0.001", "MMD_AT_PLUS_A", "COLAMD", "MMD_ATA", "NATURAL"]
    for permc in orderings:
        # Each ordering in a child process: some never finish on LCA matrices.
        try:
            child = subprocess.run(
                [sys.executable, __file__, directory, "--one", permc],
                capture_output=True, text=True, timeout=TIMEOUT_S, check=True,
            )
            result = json.loads(child.stdout)
        except subprocess.TimeoutExpired:
            result = {"error": f"no result in {TIMEOUT_S} s"}
        except subprocess.CalledProcessError as error:
            result = {"error": error.stderr.strip().splitlines()[-1:]}
        out["scipy"][permc] = result
        if "all_process_s" in result and (best is None or result["all_process_s"] < best[0]):
            best = (result["all_process_s"], permc)
    if best is not None:
        out["scipy_best"] = {"permc_spec": best[1], "all_process_s": best[0]}
    try:
        child = subprocess.run(
            [sys.executable, "-W", "ignore", __file__, directory, "--bw2calc", "-"],
            capture_output=True, text=True, timeout=BW2CALC_TIMEOUT_S, check=True,
        )
        out["bw2calc"] = json.loads(child.stdout)
    except subprocess.TimeoutExpired:
        out["bw2calc"] = {"error": f"no result in {BW2CALC_TIMEOUT_S} s (setup + factorization + 5 demands)"}
    except subprocess.CalledProcessError as error:
        out["bw2calc"] = {"error": error.stderr.strip().splitlines()[-1:]}
    print(json.dumps(out))


def bw2calc_times(a_trip, b_trip, q_trip, n, n_categories):
    import bw2calc
    import bw_processing as bwp

    rows, cols, vals = a_trip
    dp = bwp.create_datapackage()
    dp.add_persistent_vector(
        matrix="technosphere_matrix",
        name="technosphere",
        indices_array=np.array(list(zip(rows, cols)), dtype=bwp.INDICES_DTYPE),
        data_array=vals.astype(np.float64),
    )
    rows, cols, vals = b_trip
    dp.add_persistent_vector(
        matrix="biosphere_matrix",
        name="biosphere",
        indices_array=np.array(list(zip(rows + 10_000_000, cols)), dtype=bwp.INDICES_DTYPE),
        data_array=vals.astype(np.float64),
    )
    rows, cols, vals = q_trip
    first = rows == 0
    dp.add_persistent_vector(
        matrix="characterization_matrix",
        name="characterization",
        indices_array=np.array(
            list(zip(cols[first] + 10_000_000, cols[first] + 10_000_000)), dtype=bwp.INDICES_DTYPE
        ),
        data_array=vals[first].astype(np.float64),
    )
    t = time.perf_counter()
    lca = bw2calc.LCA({0: 1.0}, data_objs=[dp])
    lca.lci(factorize=True)
    lca.lcia()
    factor_s = time.perf_counter() - t
    t = time.perf_counter()
    for activity in range(1, 6):
        lca.redo_lci({activity: 1.0})
        lca.redo_lcia()
    demand_s = (time.perf_counter() - t) / 5
    return {
        "version": ".".join(map(str, bw2calc.__version__)) if isinstance(bw2calc.__version__, tuple) else str(bw2calc.__version__),
        "setup_and_factorize_s": factor_s,
        "demand_s": demand_s,
        "all_process_one_solve_per_process_s_estimate": factor_s + demand_s * n,
        "n_categories_in_one_lca": 1,
    }


if __name__ == "__main__":
    main()
