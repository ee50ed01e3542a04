#!/usr/bin/env bash
# Schema checks of the HTTP API, run against the real server on 127.0.0.1:
#   1. the OpenAPI document served at /openapi.json validates (openapi-spec-validator);
#   2. schemathesis generates requests from it for every operation (examples, coverage and fuzzing phases,
#      positive and negative data) and checks that no response is a 5xx and every response conforms to the
#      schema (status code, content type, headers, body).
# The server runs on snapshots built from the test fixtures (an open and a restricted source).
#
# Usage: benches/api/fuzz.sh [--max-examples N] [--seed S]   (defaults: 100 examples per operation, seed 1)
# Creates its Python venv under $CARGO_TARGET_DIR/ecoref-api-venv (pip install -r benches/api/requirements.txt).
# Exit code 0 when both checks pass.
set -euo pipefail
source "$(dirname "$0")/common.sh"

max_examples=100
seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --max-examples) max_examples="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) echo "usage: $0 [--max-examples N] [--seed S]" >&2; exit 2 ;;
  esac
done

venv="$TARGET/ecoref-api-venv"
if ! "$venv/bin/python" -c 'import schemathesis, openapi_spec_validator' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$REPO/benches/api/requirements.txt"
fi

build_ecoref
work="$(mktemp -d)"
trap 'stop_server; rm -rf "$work"' EXIT
make_releases "$work"
start_server "$work"
echo "server: $BASE_URL (ecoref serve, snapshots r1 and r2)"

"$venv/bin/python" - "$BASE_URL/openapi.json" <<'PY'
import json, sys, urllib.request
from openapi_spec_validator import validate
document = json.load(urllib.request.urlopen(sys.argv[1]))
validate(document)
print(f"openapi-spec-validator: the OpenAPI {document['openapi']} document is valid "
      f"({len(document['paths'])} paths, {len(document['components']['schemas'])} schemas)")
PY

status=0
cd "$work" # schemathesis keeps its state in ./.schemathesis
"$venv/bin/schemathesis" run "$BASE_URL/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection \
  --phases examples,coverage,fuzzing --mode all --max-examples "$max_examples" --seed "$seed" \
  --workers 2 --request-timeout 10 --no-color --generation-database none \
  --report junit --report-junit-path "$work/junit.xml" || status=$?

stop_server
n_5xx="$(grep -c '"status":5[0-9][0-9]' "$work/serve.log" || true)"
n_requests="$(grep -c '"message":"Request' "$work/serve.log" || true)"
echo "server log: $n_requests requests, $n_5xx answered 5xx"
if [ "$n_5xx" != 0 ]; then
  grep '"status":5[0-9][0-9]' "$work/serve.log" | head -20 >&2
  status=1
fi
exit "$status"
