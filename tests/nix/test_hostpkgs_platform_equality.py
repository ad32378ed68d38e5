"""As in nixpkgs, a native set's hostPlatform and buildPlatform are equal
(overlays commonly test `stdenv.hostPlatform != stdenv.buildPlatform`), and a
cross or static set's are not."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import REPO, nix_env

pytestmark = pytest.mark.nix

EXPR = """
let
  hp = import {hostpkgs};
  native = hp {{ localSystem = {{ system = "x86_64-linux"; }}; overlays = [ ]; config = {{ }}; }};
  same = s: s.stdenv.hostPlatform == s.stdenv.buildPlatform;
in [
  (same (hp {{ }}))
  (same native)
  (same native.pkgsCross.aarch64-multiplatform)
  (same native.pkgsStatic)
  (same (hp {{ localSystem = "x86_64-linux"; crossSystem = {{ config = "riscv64-unknown-linux-gnu"; }}; }}))
]
"""


def test_native_platforms_are_equal_cross_and_static_are_not() -> None:
    expr = EXPR.format(hostpkgs=REPO / "nix" / "hostpkgs")
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", expr],
                          env=nix_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [True, True, False, False, False]
