#!/usr/bin/env bash
# The quick start (`npm run quickstart`): dependencies, Redis and PostgreSQL, build, schema, then a
# worker that ingests the bundled sample documents and prints the summary. Safe to run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Node 24 (package.json's engines); on another system node (Debian's 20) the project's own
# Node 24 is fetched once from the npm registry into .ragworker/ and used (scripts/node-runtime.sh).
if ! bash scripts/node-runtime.sh supported; then
  echo "==> Node $(bash scripts/node-runtime.sh lines | head -n 1) for this project (node-runtime.sh)"
  PATH="$(bash scripts/node-runtime.sh bin):$PATH"
  export PATH
fi

log_dir=.ragworker
mkdir -p "$log_dir"
worker_log="$log_dir/quickstart-worker.log"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  echo "==> installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
echo "==> Redis and PostgreSQL"
bash scripts/services.sh up
echo "==> OCR and conversion tools (scripts/runtime-packages.txt)"
bash scripts/services.sh runtime-tools
echo "==> building"
npm run --silent build
echo "==> migrating the schema"
node dist/cli/main.js migrate

echo "==> starting the worker (logs: $worker_log)"
node dist/cli/main.js start >"$worker_log" 2>&1 &
worker_pid=$!
stop_worker() {
  if kill -0 "$worker_pid" 2>/dev/null; then
    kill -TERM "$worker_pid"
    wait "$worker_pid" || true
  fi
}
trap stop_worker EXIT

for _ in $(seq 1 150); do
  grep -q '"message":"Worker arrancando"' "$worker_log" 2>/dev/null && break
  if ! kill -0 "$worker_pid" 2>/dev/null; then
    echo "the worker exited during start-up:" >&2
    tail -n 20 "$worker_log" >&2
    exit 1
  fi
  sleep 0.2
done
grep -q '"message":"Worker arrancando"' "$worker_log" || {
  echo "the worker did not start within 30 s; see $worker_log" >&2
  exit 1
}

echo "==> ingesting samples/"
node dist/cli/main.js ingest samples/* --workspace quickstart

echo "==> stopping the worker (SIGTERM drain)"
stop_worker
trap - EXIT
echo
echo "Done. Run the worker yourself with 'npm start' (or 'node dist/cli/main.js start'),"
echo "ingest more files with 'node dist/cli/main.js ingest FILE... --workspace NAME',"
echo "and run the tests with 'npm test'."
