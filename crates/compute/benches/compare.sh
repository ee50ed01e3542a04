#!/bin/sh
# End-to-end compute benchmark: ecoref-compute, then scipy SuperLU and bw2calc on the same generated
# 25k-activity system, in the same run. Usage: crates/compute/benches/compare.sh [seed]
set -eu
seed="${1:-7}"
dir="${TMPDIR:-/tmp}/ecoref-compute-bench-$seed"
venv="${BWC_VENV:-/tmp/bwc}"
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q bw2calc bw_processing scipy; }
cargo build -q --release -p ecoref-compute --example compute_bench
target="${CARGO_TARGET_DIR:-target}"
echo "ecoref-compute:"
"$target/release/examples/compute_bench" --seed "$seed" --write-dir "$dir"
echo
echo "scipy / bw2calc:"
"$venv/bin/python" -W ignore "$(dirname "$0")/compare.py" "$dir"
