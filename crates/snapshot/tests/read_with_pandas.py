#!/usr/bin/env python3
"""Opens every table of an ecoref snapshot with pandas (pyarrow engine) and checks it against manifest.json.

Not run by the Rust tests. Run once by hand:
    python3 -m venv /tmp/snapvenv && /tmp/snapvenv/bin/pip install pandas pyarrow
    /tmp/snapvenv/bin/python crates/snapshot/tests/read_with_pandas.py snapshots/<release>
"""
import hashlib
import json
import pathlib
import sys

import pandas as pd
import pyarrow.parquet as pq


def main(directory: str) -> int:
    root = pathlib.Path(directory)
    manifest = json.loads((root / "manifest.json").read_text())
    print(f"pandas {pd.__version__}, release {manifest['release']['name']}, format {manifest['format_version']}")
    failures = 0
    for entry in manifest["files"]:
        path = root / entry["name"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        frame = pd.read_parquet(path, engine="pyarrow")
        created_by = pq.ParquetFile(path).metadata.created_by
        ok = digest == entry["sha256"] and len(frame) == entry["rows"]
        failures += not ok
        print(f"{'ok ' if ok else 'BAD'} {entry['name']:<32} rows={len(frame):>5} cols={len(frame.columns):>2} "
              f"created_by={created_by!r}")
        print("    " + ", ".join(f"{c}:{t}" for c, t in frame.dtypes.astype(str).items()))
    factors = pd.read_parquet(root / "factors.parquet")
    if len(factors):
        print("factors per method:")
        print(factors.groupby("method_id")["value"].agg(["count", "sum"]).to_string())
    print("exchanges:")
    print(pd.read_parquet(root / "exchanges.parquet")[["process_id", "flow_id", "kind", "amount", "unit"]].to_string())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "snapshots"))
