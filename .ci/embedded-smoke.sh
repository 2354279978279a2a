#!/usr/bin/env bash
# Starts the product as `npm start` does with no DATABASE_URL (embedded PostgreSQL under a fresh DATA_DIR),
# waits for /readyz, posts a signed triage event, approves it, and checks the run reaches verifying.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
log="$data/server.log"
# Its own process group, so that the cleanup's SIGTERM reaches the server behind npm too.
setsid env -u DATABASE_URL DATA_DIR="$data" PORT="$port" npm start >"$log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM -- -"$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 -- -"$pid" 2>/dev/null || break; sleep 0.1; done
  rm -rf "$data"
}
trap cleanup EXIT
for i in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; echo "embedded start failed"; exit 1; fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/readyz"; echo
secret=$(node -p "require('$data/dev-secrets.json').webhook_secret")
token=$(node -p "require('$data/dev-secrets.json').approver_token")
body='{"email_uuid":"ci-smoke-1","reason_text":"We were billed $118.90 per spool on INV-004143 but our contract price is $104.50.","email":{"from":"james.okafor@bluewatermarine.example","subject":"Pricing discrepancy on INV-004143","body":"Invoice INV-004143 bills 12 spools at $118.90; contract price is $104.50. Please credit $172.80."}}'
sig="sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')"
run=$(curl -fsS -X POST "http://127.0.0.1:$port/webhooks/triage" -H 'content-type: application/json' -H "x-signature: $sig" -d "$body")
echo "$run"
echo "$run" | grep -q '"status":"awaiting_approval"'
run_id=$(echo "$run" | node -pe "JSON.parse(require('fs').readFileSync(0)).run_id")
action=$(curl -fsS "http://127.0.0.1:$port/proposed-actions?status=pending" -H "authorization: Bearer $token" | node -pe "JSON.parse(require('fs').readFileSync(0)).items[0].id")
curl -fsS -X POST "http://127.0.0.1:$port/proposed-actions/$action/approve" -H "authorization: Bearer $token" -H 'content-type: application/json' -d '{"note":"ci"}' >/dev/null
status=$(curl -fsS "http://127.0.0.1:$port/runs/$run_id" -H "authorization: Bearer $token" | node -pe "JSON.parse(require('fs').readFileSync(0)).status")
echo "run $run_id is $status"
test "$status" = verifying
pgpw=$(node -p "require('$data/embedded-postgres.json').password")
test "$(stat -c %a "$data/embedded-postgres.json")" = 600
if grep -q "$secret\|$token\|$pgpw" "$log"; then echo "a secret reached the log"; exit 1; fi
echo "embedded default: OK"
