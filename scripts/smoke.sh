#!/usr/bin/env bash
# Smoke-tests the artefact the container runs (node dist/main.js):
#  1. a broken production config exits 1 and names each problem;
#  2. dev mode (embedded database) serves /healthz and /readyz with 200;
#  3. SIGTERM drains and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/main.js ] || npm run --silent build

out=$(mktemp); trap 'rm -f "$out"' EXIT
set +e
env -i PATH="$PATH" NODE_ENV=production node dist/main.js >"$out" 2>&1
code=$?
set -e
if [ "$code" -ne 1 ]; then echo "smoke: broken config exited $code, expected 1"; cat "$out"; exit 1; fi
for var in MONGODB_URI LTI_ENCRYPTION_KEY PUBLIC_URL; do
  grep -q "$var" "$out" || { echo "smoke: config error does not name $var"; cat "$out"; exit 1; }
done
echo "smoke: broken production config refused (exit 1, names MONGODB_URI, LTI_ENCRYPTION_KEY, PUBLIC_URL)"

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
data=$(mktemp -d)
PATHWISE_DEV_MODE=true NODE_ENV=development PORT="$port" LOG_LEVEL=warn node dist/main.js >"$out" 2>&1 &
pid=$!
ok=""
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.5
done
if [ -z "$ok" ]; then echo "smoke: /readyz never answered 200"; cat "$out"; kill "$pid" 2>/dev/null || true; exit 1; fi
curl -fsS "http://127.0.0.1:$port/healthz"; echo
curl -fsS "http://127.0.0.1:$port/readyz"; echo
kill -TERM "$pid"
set +e
wait "$pid"
code=$?
set -e
rm -rf "$data"
if [ "$code" -ne 0 ]; then echo "smoke: SIGTERM exit code $code, expected 0"; cat "$out"; exit 1; fi
echo "smoke: dev mode served /healthz and /readyz, drained on SIGTERM (exit 0)"
