"""A program linked against every library of hostpkgs' table
(tests/projects/libprobes: each probe compiled into one program by its
Makefile), built by nixbuild for x86_64, aarch64 and armv7l, imaged, and run
from each image's rootfs under bwrap (qemu-user for the foreign targets).
Every library must answer, and each image must hold that target's library
outputs — never the host's, never a -dev output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nixbuild import elf, platforms
from tests.conftest import REPO, nixbuild, run
from tests.e2e.tools import run_entrypoint, skopeo_inspect, store_paths_in, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

PROJECT = REPO / "tests" / "projects" / "libprobes"
TABLE = json.loads((REPO / "nix" / "hostpkgs" / "pkgs" / "libraries.json").read_text())["libraries"]
TARGETS = {"x86_64-linux": "", "aarch64-linux": "-aarch64-unknown-linux-gnu",
           "armv7l-linux": "-armv7l-unknown-linux-gnueabihf"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):  # type: ignore[no-untyped-def]
    project = tmp_path_factory.mktemp("libprobes") / "libprobes"
    shutil.copytree(PROJECT, project)
    args = [a for t in TARGETS for a in ("--target", t)]
    result = nixbuild("image", *args, "-j", "2", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    return project, {t["target"]: t for t in result.json()["targets"]}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_library_answers_in_the_targets_image(built, target: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project, by_target = built
    archive = Path(by_target[target]["image"])
    out = run_entrypoint(archive, tmp_path / "run", target, [])
    answered = {line.split()[1] for line in out.splitlines() if line.startswith("ok ")}
    assert answered == set(TABLE), out
    assert "FAILED" not in out
    # Each library's runtime output of this target's package set is in the
    # image; no -dev output is.
    rootfs = unpack(archive, tmp_path / "look")
    in_image = store_paths_in(rootfs)
    attrs = " ".join(json.dumps(a) for a in sorted(TABLE))
    expr = (f"let pkgs = (import {project / '.nixbuild'} {{ target = {json.dumps(target)}; }}).pkgs; "
            f"in map (a: (pkgs.lib.getLib pkgs.${{a}}).outPath) [ {attrs} ]")
    lib_outs = json.loads(run(["nix-instantiate", "--eval", "--json", "--strict", "-E", expr]).stdout)
    assert len(lib_outs) == len(TABLE)
    for path in lib_outs:
        assert path in in_image, path
        assert TARGETS[target] in path or target == "x86_64-linux", path
    assert not [p for p in in_image if p.endswith("-dev")]
    # The program is the target's.
    entrypoint = skopeo_inspect(archive, config=True)["config"]["Entrypoint"][0]
    header = elf.read_header(rootfs / entrypoint.lstrip("/"))
    plat = platforms.TARGETS[target]
    assert header is not None and (header.machine, header.elf_class) == (plat.elf_machine, plat.elf_class)
