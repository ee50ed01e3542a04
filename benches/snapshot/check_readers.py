"""Opens every Parquet file of a snapshot with DuckDB, pandas (pyarrow) and polars, and checks each file's row
count and sha256 against manifest.json: snapshots are meant to be read by the tools data teams already use.

    benches/snapshot/check_readers.sh <snapshot dir>      # creates its own venv, then runs this script
"""

import hashlib
import json
import sys
from pathlib import Path

import duckdb
import pandas
import polars


def main(directory: Path) -> int:
    manifest = json.loads((directory / "manifest.json").read_text())
    failures = 0
    print(f"snapshot {manifest['release']['name']} (format {manifest['format_version']}): {len(manifest['files'])} files")
    print(f"duckdb {duckdb.__version__}, pandas {pandas.__version__}, polars {polars.__version__}")
    for entry in manifest["files"]:
        path = directory / entry["name"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        duck = duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0][0]
        frame = pandas.read_parquet(path)
        pl = polars.read_parquet(path)
        ok = digest == entry["sha256"] and duck == len(frame) == pl.height == entry["rows"]
        failures += not ok
        print(f"  {'ok ' if ok else 'BAD'} {entry['name']:<34} rows manifest {entry['rows']:>8} duckdb {duck:>8} "
              f"pandas {len(frame):>8} polars {pl.height:>8}  columns {len(frame.columns)}")
    if (directory / "process_impacts.parquet").exists():
        top = duckdb.sql(
            f"SELECT indicator_id, count(*) AS processes, sum(value) AS total "
            f"FROM read_parquet('{directory / 'process_impacts.parquet'}') GROUP BY 1 ORDER BY 1 LIMIT 3"
        ).fetchall()
        print(f"  process_impacts by indicator (first 3): {top}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
