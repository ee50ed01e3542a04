#!/usr/bin/env bash
# Reads a snapshot with DuckDB, pandas and polars (see check_readers.py). Usage: check_readers.sh <snapshot dir>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${CARGO_TARGET_DIR:-$here/../../target}/snapshot-readers-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
fi
exec "$venv/bin/python" "$here/check_readers.py" "$1"
