"""Brightway side of `cargo xtask bench`: on one system written by `ecoref-synth generate`, time bw2io's import
of the EcoSpold2 release (extract, strategies, write) and of the bw2io CSV file, bw2calc's LCA and MultiLCA, and
scipy SuperLU as the solver baseline. Prints `RESULT <key> <value>` lines that the Rust harness parses.

usage: python bench.py <generated-dir> [--project NAME] [--demands 100]
"""

import argparse
import csv
import io
import contextlib
import random
import signal
import sys
import time
from pathlib import Path


SUPERLU_TIMEOUT_S = 600


def on_alarm(signum, frame):
    raise TimeoutError()


def result(key, value):
    print(f"RESULT {key} {value}", flush=True)


def count_exchanges(data):
    counts = {"production": 0, "technosphere": 0, "biosphere": 0, "other": 0}
    unlinked = 0
    for ds in data:
        for exc in ds.get("exchanges", []):
            counts[exc.get("type") if exc.get("type") in counts else "other"] += 1
            if not exc.get("input"):
                unlinked += 1
    return counts, unlinked


def quiet(fn, *args, **kwargs):
    """Runs fn with its (tqdm, print) output sent to stderr, so stdout keeps only RESULT lines."""
    with contextlib.redirect_stdout(sys.stderr):
        return fn(*args, **kwargs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path)
    parser.add_argument("--project", default="ecoref-bench")
    parser.add_argument("--demands", type=int, default=100)
    parser.add_argument("--skip-csv", action="store_true")
    args = parser.parse_args()

    signal.signal(signal.SIGALRM, on_alarm)
    import bw2calc as bc
    import bw2data as bd
    import bw2io as bi
    import numpy as np
    import scipy.sparse.linalg as spla

    result("bw2io_version", bi.__version__ if isinstance(bi.__version__, str) else ".".join(map(str, bi.__version__)))
    if args.project in bd.projects:
        bd.projects.delete_project(args.project, delete_dir=True)
    bd.projects.set_current(args.project)
    biosphere = bd.config.biosphere

    es2 = args.data / "ecospold2"
    started = time.perf_counter()
    bio = quiet(bi.importers.Ecospold2BiosphereImporter, name=biosphere, filepath=es2 / "MasterData" / "ElementaryExchanges.xml")
    quiet(bio.apply_strategies)
    quiet(bio.write_database)
    result("bw_biosphere_s", f"{time.perf_counter() - started:.3f}")
    result("bw_biosphere_flows", len(bd.Database(biosphere)))

    db_name = "synth-ecospold2"
    started = time.perf_counter()
    importer = quiet(bi.SingleOutputEcospold2Importer, str(es2 / "datasets"), db_name, biosphere_database_name=biosphere)
    extracted = time.perf_counter()
    quiet(importer.apply_strategies)
    linked = time.perf_counter()
    counts, unlinked = count_exchanges(importer.data)
    quiet(importer.write_database)
    written = time.perf_counter()
    result("bw_es2_extract_s", f"{extracted - started:.3f}")
    result("bw_es2_strategies_s", f"{linked - extracted:.3f}")
    result("bw_es2_write_s", f"{written - linked:.3f}")
    result("bw_es2_total_s", f"{written - started:.3f}")
    result("bw_es2_activities", len(importer.data))
    result("bw_es2_exchanges", sum(counts.values()))
    for kind, n in counts.items():
        result(f"bw_es2_{kind}", n)
    result("bw_es2_unlinked", unlinked)

    if not args.skip_csv:
        started = time.perf_counter()
        csv_importer = quiet(bi.CSVImporter, str(args.data / "brightway" / "lci.csv"))
        quiet(csv_importer.apply_strategies)
        linked = time.perf_counter()
        counts, unlinked = count_exchanges(csv_importer.data)
        result("bw_csv_extract_link_s", f"{linked - started:.3f}")
        result("bw_csv_activities", len(csv_importer.data))
        result("bw_csv_exchanges", sum(counts.values()))
        for kind, n in counts.items():
            result(f"bw_csv_{kind}", n)
        result("bw_csv_unlinked", unlinked)

    # LCIA methods from the bw2io LCIA tables, linked by (name, categories) as CSVLCIAImporter does
    started = time.perf_counter()
    by_key = {(f["name"], tuple(f["categories"])): f.id for f in bd.Database(biosphere)}
    methods = []
    lcia = args.data / "brightway" / "lcia"
    with open(lcia / "methods.csv", newline="", encoding="utf-8") as index:
        for row in csv.DictReader(index):
            key = (row["method"], row["indicator"])
            cfs = []
            with open(lcia / row["file"], newline="", encoding="utf-8") as table:
                for cf in csv.DictReader(table):
                    node = by_key.get((cf["name"], tuple(cf["categories"].split("::"))))
                    if node is not None:
                        cfs.append((node, float(cf["amount"])))
            method = bd.Method(key)
            method.register(unit=row["unit"])
            method.write(cfs)
            methods.append(key)
    result("bw_methods_s", f"{time.perf_counter() - started:.3f}")
    result("bw_methods", len(methods))

    try:
        import pypardiso  # noqa: F401

        result("bw_solver", "pypardiso")
    except ImportError:
        result("bw_solver", "scipy")
    nodes = [node.id for node in bd.Database(db_name)]
    rng = random.Random(1)
    first = rng.choice(nodes)

    started = time.perf_counter()
    lca = bc.LCA({first: 1}, method=methods[0])
    lca.lci()
    lca.lcia()
    result("bw_lca_first_s", f"{time.perf_counter() - started:.3f}")
    result("bw_lca_score", f"{lca.score:.6g}")
    timings = []
    for node in rng.sample(nodes, 3):
        started = time.perf_counter()
        other = bc.LCA({node: 1}, method=methods[0])
        other.lci()
        other.lcia()
        timings.append(time.perf_counter() - started)
    result("bw_lca_s", f"{min(timings):.3f}")
    result("bw_lca_max_s", f"{max(timings):.3f}")

    demands = {f"d{i}": {node: 1} for i, node in enumerate(rng.sample(nodes, min(args.demands, len(nodes))))}
    config = {"impact_categories": methods}
    started = time.perf_counter()
    data_objs = bd.get_multilca_data_objs(functional_units=demands, method_config=config)
    mlca = bc.MultiLCA(demands=demands, method_config=config, data_objs=data_objs)
    mlca.lci()
    mlca.lcia()
    result("bw_multilca_s", f"{time.perf_counter() - started:.3f}")
    result("bw_multilca_demands", len(demands))
    result("bw_multilca_indicators", len(methods))

    matrix = lca.technosphere_matrix.tocsc()
    result("matrix_n", matrix.shape[0])
    result("matrix_nnz", matrix.nnz)
    from scipy.sparse.csgraph import connected_components
    _, labels = connected_components(matrix, directed=True, connection="strong")
    result("largest_scc", int(np.bincount(labels).max()))
    # SuperLU with its default COLAMD ordering does not finish in minutes on ecoinvent-shaped matrices; a
    # symmetric minimum-degree ordering is the usable scipy baseline
    signal.alarm(SUPERLU_TIMEOUT_S)
    try:
        started = time.perf_counter()
        lu = spla.splu(matrix, permc_spec="MMD_AT_PLUS_A")
        result("superlu_factorize_s", f"{time.perf_counter() - started:.3f}")
    except TimeoutError:
        result("superlu_factorize_s", f"timeout-{SUPERLU_TIMEOUT_S}")
        return
    finally:
        signal.alarm(0)
    rhs = np.zeros(matrix.shape[0])
    solves = []
    for i in range(10):
        rhs[:] = 0
        rhs[rng.randrange(matrix.shape[0])] = 1
        started = time.perf_counter()
        lu.solve(rhs)
        solves.append(time.perf_counter() - started)
    result("superlu_solve_ms", f"{1000 * sum(solves) / len(solves):.2f}")

    bd.projects.set_current("default")
    bd.projects.delete_project(args.project, delete_dir=True)


if __name__ == "__main__":
    main()
