#!/usr/bin/env bash
# Builds a random-weight BERT embedding model with scripts/make-tiny-model.py (see its header).
#
#   bash scripts/make-tiny-model.sh OUT_DIR                  # tiny: test/fixtures/tiny-bert's shape
#   bash scripts/make-tiny-model.sh OUT_DIR --shape minilm   # all-MiniLM-L6-v2's shape, ~90 MB
#
# It needs Debian's python3-torch and python3-onnx, seen only by /usr/bin/python3 (not by a pyenv
# or venv python3 first on PATH); missing ones are installed with apt-get (as root, or with sudo).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=/usr/bin/python3
if ! "$python" -c 'import torch, onnx' >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "scripts/make-tiny-model.sh: python3-torch/python3-onnx missing; run as root or install sudo" >&2
      exit 1
    }
    sudo=sudo
  fi
  echo "scripts/make-tiny-model.sh: installing python3-torch python3-onnx with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-torch python3-onnx >/dev/null
fi
exec "$python" scripts/make-tiny-model.py "$@"
