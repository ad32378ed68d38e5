"""examples/hello-zlib-shell end to end: shell mode linking the package set's
zlib (`inputs = ["zlib"]`, the project's own `make` with `$PKG_CONFIG`).

The image's program closure is the program, zlib's `out` and glibc — found
through the RUNPATH the shell's compiler and the fix-up gave it, without
`[image] extra` — and the program round-trips its greeting through zlib when
run under bwrap as the image's non-root user.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from tests.conftest import copy_example, nixbuild, run
from tests.e2e.tools import run_image

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


def _attr(project: Path, attr: str) -> str:
    return json.loads(run(["nix-instantiate", "--eval", "--json", str(project / ".nixbuild"), "-A",
                           attr + ".outPath"]).stdout)


def test_hello_zlib_shell_image_runs(tmp_path: Path) -> None:
    project = copy_example("hello-zlib-shell", tmp_path)
    result = nixbuild("image", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    zlib_out, glibc = _attr(project, "pkgs.zlib.out"), _attr(project, "pkgs.glibc")
    program = "/".join(report["config"]["Entrypoint"][0].split("/")[:4])
    assert set(run(["nix-store", "--query", "--requisites", program]).stdout.split()) == {program, zlib_out, glibc}
    [fixed] = report["fixup"]
    assert fixed["path"] == "bin/hello-zlib" and f"{zlib_out}/lib" in fixed["runpath"]["after"]
    out = run_image(Path(report["image"]), tmp_path / "run", []).splitlines()
    greeting = "Hello from nixbuild, compressed by zlib!"
    assert out[0] == greeting
    assert out[1] == "zlib " + zlib_out.split("-zlib-", 1)[1]
    assert out[2].startswith("round-trip ok (")
    assert out[3] == f"crc32 {zlib.crc32(greeting.encode()):08x}"
