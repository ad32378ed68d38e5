"""The `c` builder on Makefiles as they are written in the wild
(tests/fixtures/makefiles/): each shape is built into an image for the host
and for aarch64, and the image's entrypoint runs (qemu-user for aarch64) and
says which CPU its compiler targeted; or the build fails with one line. None
gives exit 0 with a wrong or missing program."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nixbuild import elf, platforms
from tests.conftest import REPO, nixbuild, run
from tests.e2e.tools import run_entrypoint

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

FIXTURES = REPO / "tests" / "fixtures" / "makefiles"
TARGETS = ["x86_64-linux", "aarch64-linux"]
CPU = {"x86_64-linux": "x86_64", "aarch64-linux": "aarch64"}


def project(tmp_path: Path, shape: str, name: str, extra: str = "") -> Path:
    """The fixture as a project: its files, the program's source and a nixbuild.toml for both targets."""
    root = tmp_path / shape
    shutil.copytree(FIXTURES / shape, root)
    shutil.copy(FIXTURES / "program.c", root / f"{name}.c")
    (root / "nixbuild.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "1.0"\nbuilder = "c"\n{extra}\n'
        f'[target]\nplatforms = {json.dumps(TARGETS)}\n'
        + '[nixpkgs]\nsource = "hostpkgs"\n')
    return root


def image(root: Path, target: str) -> Path:
    result = nixbuild("image", "-t", target, "--json", "-C", str(root))
    assert result.returncode == 0, result.stderr
    return Path(result.json()["image"])


# shape, program, extra [package] keys
SHAPES = [
    ("install-bin-only", "greet", ""),
    ("lowercase-prefix", "lsq", ""),
    ("destdir-usr-local", "tool", ""),
    ("cc-gcc", "app", ""),
    ("bindir", "daemon", 'make-flags = ["BINDIR=$(out)/bin"]\n'),
    ("make-target", "srv", 'make-target = "build"\ninstall-flags = ["INSTALL_ROOT=$(out)"]\n'),
    ("no-install", "crunch", ""),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("shape", "program", "extra"), SHAPES, ids=[s[0] for s in SHAPES])
def test_shape_builds_an_image_that_runs(tmp_path: Path, shape: str, program: str, extra: str, target: str) -> None:
    archive = image(project(tmp_path, shape, program, extra), target)
    out = run_entrypoint(archive, tmp_path / "run", target, [])
    assert out == f"{program} for {CPU[target]}\n"


def test_hardcoded_gcc_builds_for_the_host(tmp_path: Path) -> None:
    """`gcc` in a recipe: natively it is the package set's compiler (as in nixpkgs' native stdenv)."""
    archive = image(project(tmp_path, "hardcoded-gcc", "fixed"), "x86_64-linux")
    assert run_entrypoint(archive, tmp_path / "run", "x86_64-linux", []) == "fixed for x86_64\n"


def test_hardcoded_gcc_fails_a_cross_build_with_one_line(tmp_path: Path) -> None:
    """For aarch64 there is no `gcc` on the build's PATH (only the package set's tools, as in nixpkgs'
    sandbox): the build fails with one line naming the program and the target's compiler, and no image
    holds a host program."""
    root = project(tmp_path, "hardcoded-gcc", "fixed")
    result = nixbuild("image", "-t", "aarch64-linux", "-C", str(root))
    assert result.returncode == 5, result.stderr  # a build failure
    errors = [line for line in result.stderr.splitlines() if line.startswith("nixbuild: error:")]
    assert len(errors) == 1, result.stderr
    assert ("the build runs `gcc` by name, which is not on the PATH of this build "
            "(the target's is CC=aarch64-unknown-linux-gnu-cc)") in errors[0]
    assert "(hint: write $(CC) instead of `gcc` in the Makefile's recipes" in errors[0]
    assert not list((root / "nixbuild-result").rglob("*.oci"))


def test_a_make_flag_with_spaces_reaches_make_as_one_argument(tmp_path: Path) -> None:
    """make-flags = ["CFLAGS=-O2 -g -DGREETING='\\"two  spaces\\"'"] (TOML): make gets the whole flag (split
    into words, `-g` would be an option of make's and the quoted string would break)."""
    root = project(tmp_path, "cc-gcc", "app",
                   'make-flags = ["CFLAGS=-O2 -g -DGREETING=\'\\"two  spaces\\"\'"]\n')
    archive = image(root, "x86_64-linux")
    assert run_entrypoint(archive, tmp_path / "run", "x86_64-linux", []) == "app for x86_64\ntwo  spaces\n"


def test_cc_gcc_is_overridden_by_the_targets_compiler(tmp_path: Path) -> None:
    """`CC = gcc` in the Makefile: the aarch64 build links an AArch64 program, not a host one."""
    root = project(tmp_path, "cc-gcc", "app")
    result = nixbuild("build", "-t", "aarch64-linux", "--json", "-C", str(root))
    assert result.returncode == 0, result.stderr
    binary = next(Path(p) / "bin" / "app" for p in result.json()["out_paths"] if p.endswith("-bin"))
    header = elf.read_header(binary)
    plat = platforms.TARGETS["aarch64-linux"]
    assert header is not None and header.machine == plat.elf_machine


def test_bindir_without_make_flags_fails_and_says_where_it_wrote(tmp_path: Path) -> None:
    """BINDIR=/usr/local/bin and no DESTDIR: install cannot write there; never an image without the program."""
    root = project(tmp_path, "bindir", "daemon")
    result = nixbuild("image", "-C", str(root))
    assert result.returncode != 0
    assert "/usr/local/bin" in result.stderr
    assert not list((root / "nixbuild-result").rglob("*.oci"))


def test_destdir_install_keeps_the_rest_out_of_the_image(tmp_path: Path) -> None:
    """What went to $(DESTDIR)/usr/local lands in the outputs: bin/ in `bin`, the man page in `out`."""
    root = project(tmp_path, "destdir-usr-local", "tool", 'outputs = ["bin"]\n')
    result = nixbuild("build", "-C", str(root))
    assert result.returncode == 0, result.stderr
    bin_out, out = (Path(run(["nix-build", str(root / ".nixbuild"), "-A", f"package.{o}", "--no-out-link"]).stdout.strip())
                    for o in ("bin", "out"))
    assert (bin_out / "bin" / "tool").is_file()
    assert (out / "share" / "man" / "man1" / "tool.1").is_file()
    assert sorted(p.name for p in bin_out.iterdir()) == ["bin"]
    assert not (out / "usr").exists() and not (out / "bin").exists()


def test_an_output_left_empty_is_reported_by_inspect(tmp_path: Path) -> None:
    """outputs = ["bin", "lib"] and a Makefile that installs no library: `lib` exists, empty, and inspect says so."""
    root = project(tmp_path, "install-bin-only", "greet", 'outputs = ["bin", "lib"]\n')
    archive = image(root, "x86_64-linux")
    assert run_entrypoint(archive, tmp_path / "run", "x86_64-linux", []) == "greet for x86_64\n"
    result = nixbuild("inspect", "--json", str(archive))
    assert result.returncode == 0, result.stderr
    empty = [(p["package"], p["output"]) for p in result.json()["store_paths"] if p["empty"]]
    assert empty == [("greet-1.0", "lib")]
    text = nixbuild("inspect", str(archive)).stdout
    assert [line for line in text.splitlines() if line.startswith("empty: ")] == [
        "empty: greet-1.0-lib (output lib of greet-1.0) holds no file: the build installed nothing into it"]


def test_no_install_target_and_no_such_program_fails_with_one_line(tmp_path: Path) -> None:
    """No install target, and `program` names a file the build does not make: one line, exit 5, no image."""
    root = project(tmp_path, "no-install", "crunch", 'program = "pigz"\n')
    result = nixbuild("image", "-C", str(root))
    assert result.returncode == 5, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("nixbuild: error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("nixbuild: error: the build of crunch-1.0 failed: the Makefile has no install "
                                "target, and the build made no program 'pigz' (looked in ./, bin/, build/ and src/) "
                                "(hint: set [package] program to the file the build makes")
    assert not list((root / "nixbuild-result").rglob("*.oci"))
