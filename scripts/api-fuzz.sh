#!/usr/bin/env bash
# `make fuzz`: schemathesis generates requests from docs/openapi.yaml (and the referral JSON
# Schema it references) against a fresh debug server, as a partner and as a manager, and fails
# on any 5xx. Needs pip (schemathesis from PyPI); not part of `make test` to keep CI lean.
set -euo pipefail
BIN=${BIN:-.build/debug/continuum}
EXAMPLES=${EXAMPLES:-50}
command -v st >/dev/null || python3 -m pip install -q schemathesis
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
database="$work/fuzz.sqlite"
partner=$("$BIN" token create --role partner --partner fuzz --database "$database" 2>/dev/null)
manager=$("$BIN" token create --role manager --database "$database" 2>/dev/null)
"$BIN" serve --port 0 --database "$database" --rate-limit 0 > "$work/out" 2> "$work/server.log" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/out")
for token in "$partner" "$manager"; do
  st run docs/openapi.yaml --url "http://127.0.0.1:$port" -H "Authorization: Bearer $token" \
    --checks not_a_server_error --max-examples "$EXAMPLES"
done
