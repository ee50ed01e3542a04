#!/bin/sh
# Regenerates the bw2calc golden data: writes the test systems (Rust generator), installs bw2calc in
# a venv and computes every process × category with it. Run once; the output is checked in.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
venv="${BWC_VENV:-/tmp/bwc}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q bw2calc bw_processing scipy
cargo run -q -p ecoref-compute --example write_test_systems
"$venv/bin/python" "$here/compute_expected.py" "$here/systems" "$here/expected"
