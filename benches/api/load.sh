#!/usr/bin/env bash
# Load benchmark of the HTTP API: `ecoref serve` (release build) on 127.0.0.1 and wrk as the load generator in a
# second process on the same machine (so the figures include the generator's share of the CPUs).
#   - POST /releases/latest/score with a 20-item product (20 distinct processes);
#   - GET /releases/latest/processes?q=…&limit=20, a text search over every process of the release.
# The release is Ecobalyse's published processes.json (1,145 processes, 20 indicators). The server logs every
# request (JSON lines to a file), as in production.
#
# Usage: benches/api/load.sh [--duration SECONDS] [--connections N]   (defaults: 20 s, 32 connections)
# Needs wrk (Debian: apt-get install wrk). Prints the figures as Markdown table rows.
set -euo pipefail
source "$(dirname "$0")/common.sh"

duration=20
connections=32
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    *) echo "usage: $0 [--duration SECONDS] [--connections N]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

build_ecoref
work="$(mktemp -d)"
trap 'stop_server; rm -rf "$work"' EXIT
make_releases "$work" large
start_server "$work"

# A 20-item product: the first 20 processes of the release in name order, amounts 0.1 … 2.0.
curl -sf "$BASE_URL/releases/latest/processes?limit=20" | python3 -c '
import json, sys
items = [{"process": p["id"], "amount": round(0.1 * (i + 1), 1)} for i, p in enumerate(json.load(sys.stdin)["items"])]
assert len(items) == 20, items
print(json.dumps({"name": "load test", "items": items}))' >"$work/product.json"
curl -sf -H 'content-type: application/json' --data-binary @"$work/product.json" "$BASE_URL/releases/latest/score" \
  | python3 -c 'import json, sys; r = json.load(sys.stdin); print("score check:", r["single_scores"], len(r["contributions"]), "items")'
cat >"$work/score.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = io.open("$work/product.json", "r")
wrk.body = file:read("*a")
file:close()
LUA
search="/releases/latest/processes?q=coton&limit=20"
echo "search check: $(curl -sf "$BASE_URL$search" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])') matches"

# CPU seconds (user + system) a process has used so far.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"
}

# run KEY LABEL WRK-ARGS…: warm up 3 s, then measure; prints requests/s, p50, p99, the CPU time per request of
# the server and of wrk (independent of how busy the machine is), and the error count.
run() {
  local key="$1" label="$2"
  shift 2
  wrk -t1 -c"$connections" -d3s "$@" >/dev/null
  local before after
  before="$(cpu_seconds "$SERVER_PID")"
  TIMEFORMAT='%U %S'
  { time wrk -t1 -c"$connections" -d"${duration}s" --latency "$@" >"$work/$key.txt"; } 2>"$work/$key.time"
  after="$(cpu_seconds "$SERVER_PID")"
  python3 - "$label" "$work/$key.txt" "$before" "$after" "$work/$key.time" <<'PY'
import re, sys
name, text = sys.argv[1], open(sys.argv[2]).read()
server_cpu = float(sys.argv[4]) - float(sys.argv[3])
wrk_cpu = sum(float(x) for x in open(sys.argv[5]).read().split())
def ms(value):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not match:
        sys.exit(f"cannot read the latency {value!r} in wrk's output:\n{text}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
# Anchored: "+/- Stdev" columns such as "70.50%" also end in "50%".
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = int(errors.group(1)) if errors else 0
total = int(re.search(r"(\d+) requests in", text).group(1))
per_server, per_wrk = server_cpu / total * 1e6, wrk_cpu / total * 1e6
print(f"| {name} | {rps:,.0f} | {p50:.2f} ms | {p99:.2f} ms | {per_server:.0f} µs | {per_wrk:.0f} µs | "
      f"{total} requests, {errors} non-2xx |")
PY
}

echo
echo "wrk -t1 -c$connections -d${duration}s --latency (after a 3 s warm-up), server: ecoref serve (release), $(nproc) CPUs"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| request | requests/s | p50 | p99 | server CPU / request | wrk CPU / request | |"
echo "|---|---|---|---|---|---|---|"
run score "POST /releases/latest/score (20 items)" -s "$work/score.lua" "$BASE_URL/releases/latest/score"
run search "GET $search" "$BASE_URL$search"
run health "GET /health (HTTP and framework baseline)" "$BASE_URL/health"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
stop_server
echo "server log: $(grep -c '"message":"Request' "$work/serve.log") requests logged, $(grep -c '"status":5' "$work/serve.log" || true) 5xx"
