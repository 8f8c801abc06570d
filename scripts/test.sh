#!/usr/bin/env bash
# The project's whole test command (`npm test`): services, build, typecheck, lint, then the tests.
#
#   npm test                                    every test/**/*.test.ts
#   npm test -- test/a.test.ts test/b.test.ts   only these files (still after build, typecheck, lint)
#   npm test -- --test-name-pattern=drain       arguments starting with "-" go to `node --test`
#
# Redis and PostgreSQL come from scripts/services.sh (REDIS_URL / DATABASE_URL, or their defaults).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

node_args=()
files=()
for arg in "$@"; do
  case "$arg" in
    -*) node_args+=("$arg") ;;
    *)
      [ -f "$arg" ] || {
        echo "scripts/test.sh: no such test file: $arg" >&2
        exit 1
      }
      files+=("$arg")
      ;;
  esac
done
if [ "${#files[@]}" -eq 0 ]; then
  mapfile -t files < <(find test -type f -name '*.test.ts' -not -path '*/node_modules/*' | LC_ALL=C sort)
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "scripts/test.sh: no test files found (test/**/*.test.ts)" >&2
  exit 1
fi

if [ ! -d node_modules ]; then
  npm ci
fi
bash scripts/services.sh up
bash scripts/services.sh test-tools
npm run build
npm run typecheck
npm run lint

flags=(--import tsx --test)
# --test-concurrency exists from Node 20.10 (the engines floor); keep going without it on older ones.
if node --help | grep -- '--test-concurrency' >/dev/null; then
  flags+=(--test-concurrency=2)
fi
# Node 20 applies --test-timeout to each test file (a hung file fails after 10 min instead of
# running CI to its limit); test/support/bounded-test.ts bounds each test and hook (180 s). The
# slowest file, the Dockerfile replay, took 236 s in a full run on a loaded 2-core machine.
flags+=(--test-timeout=600000)
# The ten slowest tests, printed just before spec's closing summary ("ℹ tests N", "ℹ pass N", …).
flags+=(
  --test-reporter=./test/support/slowest-reporter.mjs --test-reporter-destination=stdout
  --test-reporter=spec --test-reporter-destination=stdout
)

echo "scripts/test.sh: node ${flags[*]} ${node_args[*]} (${#files[@]} files)"
exec node "${flags[@]}" "${node_args[@]}" "${files[@]}"
