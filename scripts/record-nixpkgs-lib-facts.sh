#!/usr/bin/env bash
# Records the facts of nixpkgs' lib that hostpkgs must match: evaluates
# tests/data/nixpkgs-lib-cases.nix with the real lib and writes the outcomes,
# with the commit they come from, to tests/data/nixpkgs-lib-facts.json
# (tests/nix/test_hostpkgs_lib_facts.py compares hostpkgs with them).
# Run by hand, where a git checkout of nix-community/nixpkgs.lib is at hand:
#   NIXPKGS_LIB=~/src/nixpkgs.lib scripts/record-nixpkgs-lib-facts.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
exec "$VENV/bin/python" -m tests.libfacts
