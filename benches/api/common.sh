# Shared by benches/api/fuzz.sh and benches/api/load.sh (sourced, not run): build ecoref, publish releases from
# the test fixtures into a scratch database, write their snapshots, start and stop `ecoref serve` on 127.0.0.1.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
FIXTURES="$REPO/tests/fixtures"

# Builds the ecoref binary in release mode and sets ECOREF to it.
build_ecoref() {
  (cd "$REPO" && cargo build --release -p ecoref-cli --quiet)
  ECOREF="$TARGET/release/ecoref"
}

# make_releases WORK [large]: a SQLite database in WORK and snapshots in WORK/snapshots.
#   default: release r1 = the 8 Ecobalyse processes with every indicator (open) + the VoLCA ILCD processes
#            (restricted), and r2 = r1 without VoLCA; tag latest -> r1; a token in WORK/token.
#   large:   release eco = Ecobalyse's 1,145 published processes (processes.json, `ecs` only); tag latest -> eco.
make_releases() {
  local work="$1" kind="${2:-small}"
  DB="sqlite://$work/ecoref.sqlite"
  local e=("$ECOREF" --database-url "$DB")
  if [ "$kind" = large ]; then
    "${e[@]}" import ecobalyse "$FIXTURES/ecobalyse/processes.json" --source ecobalyse >/dev/null
    "${e[@]}" method register ecs@1 --dataset ecobalyse@1 >/dev/null
    "${e[@]}" release create eco --dataset ecobalyse@1 --method ecs@1 >/dev/null
    "${e[@]}" release publish eco >/dev/null
    "${e[@]}" snapshot write eco --out "$work/snapshots" >/dev/null
    "${e[@]}" tag set latest eco >/dev/null
  else
    "${e[@]}" import ecobalyse "$FIXTURES/ecobalyse/processes_impacts-8-expected.json" --source eco >/dev/null
    "${e[@]}" import ilcd "$FIXTURES/ilcd/volca_synthetic" --source volca --licence-class restricted >/dev/null
    "${e[@]}" method register ecs@1 --dataset eco@1 >/dev/null
    "${e[@]}" release create r1 --dataset eco@1 --dataset volca@1 --method ecs@1 >/dev/null
    "${e[@]}" release publish r1 --accept-unmapped aaaaaaaa-0000-0000-0000-000000000003 >/dev/null
    "${e[@]}" release create r2 --dataset eco@1 --method ecs@1 >/dev/null
    "${e[@]}" release publish r2 >/dev/null
    "${e[@]}" snapshot write r1 --out "$work/snapshots" >/dev/null
    "${e[@]}" snapshot write r2 --out "$work/snapshots" >/dev/null
    "${e[@]}" tag set latest r1 >/dev/null
    "${e[@]}" token create fuzz --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])' \
      >"$work/token"
  fi
}

# start_server WORK [extra serve args…]: starts `ecoref serve` on 127.0.0.1 (a free port), sets SERVER_PID and
# BASE_URL; its logs go to WORK/serve.log.
start_server() {
  local work="$1"
  shift
  "$ECOREF" --database-url "$DB" serve --host 127.0.0.1 --port 0 --snapshots "$work/snapshots" "$@" \
    >"$work/serve.out" 2>"$work/serve.log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if grep -q "listening on" "$work/serve.out" 2>/dev/null; then
      BASE_URL="$(grep -o 'http://[0-9.:]*' "$work/serve.out" | head -1)"
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "ecoref serve did not start:" >&2
  cat "$work/serve.log" >&2
  return 1
}

# stop_server: SIGTERM (graceful shutdown) and wait.
stop_server() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
  fi
  SERVER_PID=
}
