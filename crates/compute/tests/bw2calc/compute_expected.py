"""Golden data: the all-process impact matrix of each test system, computed by Brightway's bw2calc.

Run once (see run.sh); the output under expected/ is checked in and compared by tests/it/bw2calc.rs.
Inputs are float64 arrays in a bw_processing datapackage (bw2data would store float32). For each
category, one LCA; for each activity, one demand of 1 unit (`redo_lcia`), i.e. Brightway's own way
of computing every process's aggregated impacts.

    python compute_expected.py systems expected
"""

import csv
import sys
from pathlib import Path

import bw2calc
import bw_processing as bwp
import numpy as np

FLOW_OFFSET = 10_000_000  # biosphere ids distinct from activity ids


def read_triplets(path):
    rows, cols, vals = [], [], []
    with open(path, newline="") as handle:
        for record in csv.DictReader(handle):
            rows.append(int(record["row"]))
            cols.append(int(record["col"]))
            vals.append(float(record["value"]))  # exact: shortest round-trip text
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(vals, dtype=np.float64)


def indices(rows, cols):
    array = np.zeros(len(rows), dtype=bwp.INDICES_DTYPE)
    array["row"] = rows
    array["col"] = cols
    return array


def all_process_matrix(directory):
    with open(directory / "shape.csv", newline="") as handle:
        shape = next(csv.DictReader(handle))
    n, n_categories = int(shape["n_activities"]), int(shape["n_categories"])
    a_rows, a_cols, a_vals = read_triplets(directory / "technosphere.csv")
    b_rows, b_cols, b_vals = read_triplets(directory / "biosphere.csv")
    q_rows, q_cols, q_vals = read_triplets(directory / "characterization.csv")
    matrix = np.zeros((n_categories, n))
    for category in range(n_categories):
        dp = bwp.create_datapackage()
        dp.add_persistent_vector(
            matrix="technosphere_matrix",
            name="technosphere",
            indices_array=indices(a_rows, a_cols),
            data_array=a_vals,
        )
        dp.add_persistent_vector(
            matrix="biosphere_matrix",
            name="biosphere",
            indices_array=indices(b_rows + FLOW_OFFSET, b_cols),
            data_array=b_vals,
        )
        mine = q_rows == category
        flows = q_cols[mine] + FLOW_OFFSET
        dp.add_persistent_vector(
            matrix="characterization_matrix",
            name="characterization",
            indices_array=indices(flows, flows),
            data_array=q_vals[mine],
        )
        lca = bw2calc.LCA({0: 1.0}, data_objs=[dp])
        lca.lci(factorize=True)
        lca.lcia()
        assert lca.technosphere_matrix.dtype == np.float64
        for activity in range(n):
            lca.redo_lcia({activity: 1.0})
            matrix[category, activity] = lca.score
    return matrix


def main():
    systems, expected = Path(sys.argv[1]), Path(sys.argv[2])
    expected.mkdir(parents=True, exist_ok=True)
    version = ".".join(map(str, bw2calc.__version__)) if isinstance(bw2calc.__version__, tuple) else str(bw2calc.__version__)
    for directory in sorted(p for p in systems.iterdir() if p.is_dir()):
        matrix = all_process_matrix(directory)
        with open(expected / f"{directory.name}.csv", "w", newline="") as handle:
            handle.write(f"# bw2calc {version}, bw_processing {bwp.__version__}, numpy {np.__version__}\n")
            handle.write("category,activity,value\n")
            for category in range(matrix.shape[0]):
                for activity in range(matrix.shape[1]):
                    handle.write(f"{category},{activity},{float(matrix[category, activity])!r}\n")
        print(directory.name, matrix.shape)


if __name__ == "__main__":
    main()
