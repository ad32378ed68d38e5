#!/usr/bin/env bash
# The demo: build the image of examples/hello-c and show what is in it.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
echo "==> nixbuild image -C examples/hello-c" >&2
"$VENV/bin/nixbuild" image -C examples/hello-c
