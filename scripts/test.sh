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

# A `node` that package.json's engines does not name (Debian's 20, say): the project's own Node 24
# (scripts/node-runtime.sh, fetched once into .ragworker/) goes first on PATH for everything below.
if ! bash scripts/node-runtime.sh supported; then
  PATH="$(bash scripts/node-runtime.sh bin):$PATH"
  export PATH
fi

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

flags=(--import tsx --test --test-concurrency=2)
# --test-timeout (10 min) is the runner's backstop (a hung file fails instead of running CI to its
# limit); test/support/bounded-test.ts bounds each test and hook (180 s). The
# slowest file, the Dockerfile replay, took 236 s in a full run on a loaded 2-core machine.
flags+=(--test-timeout=600000)
# The ten slowest tests, printed just before spec's closing summary ("ℹ tests N", "ℹ pass N", …).
flags+=(
  --test-reporter=./test/support/slowest-reporter.mjs --test-reporter-destination=stdout
  --test-reporter=spec --test-reporter-destination=stdout
)

echo "scripts/test.sh: node $(node --version) ${flags[*]} ${node_args[*]} (${#files[@]} files)"
exec node "${flags[@]}" "${node_args[@]}" "${files[@]}"
