"""Shell mode on projects shaped like real upstream ones (tests/projects/): the
build runs against the package set, the artifact is fixed up as nixpkgs fixes
up binaries, and every image's entrypoint runs under bwrap and does its job.

- zpipe: a make-based C program linking zlib (`inputs = ["zlib"]`,
  `make CC=$CC`, no `[image] extra`); without the input, one line naming
  the library and the input to add.
- digest: OpenSSL through pkg-config (`$PKG_CONFIG`).
- libgreet: a program and its in-tree shared library, linked with a RUNPATH
  into the build directory; as a list of files and as an install tree; and
  cross-built for aarch64 (`{triple}`), run under qemu-user.
- whoami-go: plain `go build` with Debian's golang-go (cgo on), and through a
  Makefile that hard-codes `CC = gcc` (interpreter /lib64/ld-linux-x86-64.so.2).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.conftest import REPO, nix_env, nixbuild, run
from tests.e2e.test_errors import assert_one_error_line
from tests.e2e.tools import run_image, skopeo_inspect, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

PROJECTS = REPO / "tests" / "projects"


def project(name: str, dest: Path, package: str, extra: str = "") -> Path:
    root = dest / name
    shutil.copytree(PROJECTS / name, root)
    (root / "nixbuild.toml").write_text(
        f'version = 1\n\n[package]\nbuilder = "shell"\n{package}\n{extra}\n[nixpkgs]\nsource = "hostpkgs"\n')
    return root


def image(root: Path, *args: str, env: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    """`nixbuild image --json`: built, and the closure proof passed for the fixed-up artifact."""
    result = nixbuild("image", "--json", "-C", str(root), *args, env=env)
    assert result.returncode == 0, result.stderr
    report = result.json()
    assert report["proof"]["passed"] is True
    return report


def attr(root: Path, name: str, target: str = "x86_64-linux") -> str:
    out = run(["nix-instantiate", "--eval", "--json", str(root / ".nixbuild"), "--argstr", "target", target,
               "-A", name + ".outPath"]).stdout
    return json.loads(out)


def readelf(path: Path) -> tuple[str | None, list[str], list[str]]:
    """(interpreter, RUNPATH entries, needed libraries) of an ELF file."""
    prog = run(["readelf", "-l", str(path)]).stdout
    dyn = run(["readelf", "-d", str(path)]).stdout
    interp = next((line.split(": ", 1)[1].rstrip("]") for line in prog.splitlines() if "interpreter:" in line), None)
    runpath = next((line.split("[", 1)[1].rstrip("]") for line in dyn.splitlines() if "(RUNPATH)" in line), "")
    needed = [line.split("[", 1)[1].rstrip("]") for line in dyn.splitlines() if "(NEEDED)" in line]
    return interp, [p for p in runpath.split(":") if p], needed


def record(report: dict, path: str) -> dict:  # type: ignore[type-arg]
    return next(f for f in report["fixup"] if f["path"] == path)


def program_closure(report: dict) -> set[str]:  # type: ignore[type-arg]
    entrypoint = report["config"]["Entrypoint"][0]
    return set(run(["nix-store", "--query", "--requisites", "/".join(entrypoint.split("/")[:4])]).stdout.split())


# -- zlib -------------------------------------------------------------------

ZPIPE = 'name = "zpipe"\nversion = "1.0"\ninputs = ["zlib"]\nbuild = "make CC=$CC"\nartifact = "zpipe"'


@pytest.fixture(scope="module")
def zpipe(tmp_path_factory):  # type: ignore[no-untyped-def]
    root = project("zpipe", tmp_path_factory.mktemp("zpipe"), ZPIPE)
    return root, image(root)


def test_zpipe_links_the_package_sets_zlib_in_the_shell(zpipe) -> None:  # type: ignore[no-untyped-def]
    """The shell's compiler found the package set's zlib and, as nixpkgs' ld-wrapper
    does, put its store lib/ in the RUNPATH of what the build linked."""
    root, report = zpipe
    zlib_out, glibc = attr(root, "pkgs.zlib.out"), attr(root, "pkgs.glibc")
    interp, runpath, needed = readelf(root / "zpipe")
    assert interp == f"{glibc}/lib/ld-linux-x86-64.so.2"
    assert f"{zlib_out}/lib" in runpath and needed == ["libz.so.1", "libc.so.6"]


def test_zpipe_image_runs_with_zlib_and_only_its_runtime_closure(zpipe, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, report = zpipe
    zlib_out, glibc = attr(root, "pkgs.zlib.out"), attr(root, "pkgs.glibc")
    program = "/".join(report["config"]["Entrypoint"][0].split("/")[:4])
    assert program_closure(report) == {program, zlib_out, glibc}
    assert record(report, "bin/zpipe")["runpath"]["after"] == [f"{zlib_out}/lib", f"{glibc}/lib"]
    in_image = {p["path"] for p in report["store_paths"]}
    assert zlib_out in in_image and attr(root, "pkgs.zlib.dev") not in in_image
    out = run_image(Path(report["image"]), tmp_path, ["--selftest"]).splitlines()
    text = b"zpipe: the quick brown fox jumps over the lazy dog"
    assert out == [f"zlib {zlib_out.split('-zlib-', 1)[1]}", f"crc32 {zlib.crc32(text):08x}", "round-trip ok"]


def test_zpipe_without_the_input_names_the_library_to_add(tmp_path: Path) -> None:
    root = project("zpipe", tmp_path, ZPIPE.replace('inputs = ["zlib"]', "inputs = []"))
    result = nixbuild("image", "-C", str(root))
    assert result.returncode == 5, result.stderr
    error = next(line for line in result.stderr.splitlines() if line.startswith("nixbuild: error:"))
    # As in a nixpkgs shell: the compiler links only the inputs' libraries, not the host's libz.so.
    assert error.startswith("nixbuild: error: the build command failed in nix-shell (exit 2): make CC=$CC: the "
                            "link cannot find the library -lz (libz.so); its output is in ")
    assert 'inputs = ["zlib"]): the nix-shell sees only the package set' in error
    assert "Traceback" not in result.stderr
    assert not list((root / "nixbuild-result").rglob("*.oci"))


def test_an_artifact_linked_past_the_shells_compiler_is_refused_by_the_fix_up(tmp_path: Path) -> None:
    """A build that calls the host's compiler by path links the host's libz.so; the fix-up finds
    no input that provides libz.so.1 and names the one to add (exit 5), never an image."""
    root = project("zpipe", tmp_path, ZPIPE.replace('inputs = ["zlib"]', "inputs = []").replace(
        'build = "make CC=$CC"', 'build = "make CC=/usr/bin/gcc"'))
    result = nixbuild("image", "-C", str(root))
    assert result.returncode == 5, result.stderr
    error = next(line for line in result.stderr.splitlines() if line.startswith("nixbuild: error:"))
    assert error.startswith("nixbuild: error: bin/zpipe needs libz.so.1, which neither the artifact nor "
                            "[package] inputs provide")
    assert 'e.g. inputs = ["zlib"]' in error
    assert not list((root / "nixbuild-result").rglob("*.oci"))


# -- openssl through pkg-config ---------------------------------------------------


def test_digest_links_openssl_found_with_pkg_config(tmp_path: Path) -> None:
    root = project("digest", tmp_path, 'name = "digest"\nversion = "1.0"\ninputs = ["openssl"]\n'
                                       'build = "make CC=$CC PKG_CONFIG=$PKG_CONFIG"\nartifact = "digest"')
    report = image(root)
    openssl_out = attr(root, "pkgs.openssl.out")
    assert f"{openssl_out}/lib" in record(report, "bin/digest")["runpath"]["after"]
    closure = program_closure(report)
    assert openssl_out in closure
    assert not {attr(root, "pkgs.openssl.dev"), attr(root, "pkgs.openssl.bin")} & closure
    out = run_image(Path(report["image"]), tmp_path / "run", ["nixbuild"]).splitlines()
    assert out[0].startswith(f"OpenSSL {openssl_out.split('-openssl-', 1)[1]} ")
    assert out[1:] == ["tls-context ok", f"sha256(nixbuild)={hashlib.sha256(b'nixbuild').hexdigest()}"]


# -- an in-tree shared library ------------------------------------------------------


def test_program_with_its_own_library_and_data_files(tmp_path: Path) -> None:
    root = project("libgreet", tmp_path, 'name = "greet"\nversion = "1.0.0"\nbuild = "make CC=$CC"\n'
                   'artifact = ["build/greet", "build/libgreet.so.1.0.0", "data/greeting.txt"]')
    report = image(root)
    out_path = "/".join(report["config"]["Entrypoint"][0].split("/")[:4])
    glibc = attr(root, "pkgs.glibc")
    # Built with a RUNPATH into the build directory; in the store, its own lib/ instead.
    greet = record(report, "bin/greet")
    assert str(root / "build") in greet["runpath"]["before"]
    assert greet["runpath"]["after"] == [f"{out_path}/lib", f"{glibc}/lib"]
    assert all(p.startswith("/nix/store/") for f in report["fixup"] for p in f["runpath"]["after"])
    rootfs = unpack(Path(report["image"]), tmp_path / "unpacked")
    assert (rootfs / out_path.lstrip("/") / "lib/libgreet.so.1").is_symlink()  # the SONAME link
    out = run_image(Path(report["image"]), tmp_path / "run", ["nixbuild"])
    assert out.splitlines() == ["libgreet 1.0.0", "Good morning, nixbuild!"]


def test_install_tree_as_artifact(tmp_path: Path) -> None:
    root = project("libgreet", tmp_path, 'name = "greet"\nversion = "1.0.0"\n'
                   'build = "make CC=$CC && make install DESTDIR=$PWD/stage PREFIX="\nartifact = "stage"')
    report = image(root)
    assert sorted(f["path"] for f in report["fixup"]) == ["bin/greet", "lib/libgreet.so.1.0.0"]
    out = run_image(Path(report["image"]), tmp_path / "run", [])
    assert out.splitlines() == ["libgreet 1.0.0", "Good morning, world!"]


def test_cross_built_program_and_library_run_under_qemu(tmp_path: Path) -> None:
    """`{triple}` in artifact; the fix-up uses the aarch64 set's loader."""
    root = project("libgreet", tmp_path, 'name = "greet"\nversion = "1.0.0"\n'
                   'build = "make CC=$CC BUILD=build/$NIXBUILD_TARGET_CONFIG"\n'
                   'artifact = ["build/{triple}/greet", "build/{triple}/libgreet.so.1.0.0", "data/greeting.txt"]',
                   '[target]\nplatforms = ["aarch64-linux"]\n')
    report = image(root)
    assert skopeo_inspect(Path(report["image"]))["Architecture"] == "arm64"
    glibc = attr(root, "pkgs.glibc", "aarch64-linux")
    greet = record(report, "bin/greet")
    assert greet["interpreter"]["after"] == f"{glibc}/lib/ld-linux-aarch64.so.1"
    assert str(root / "build/aarch64-unknown-linux-gnu") in greet["runpath"]["before"]
    out = run_image(Path(report["image"]), tmp_path / "run", ["arm64"], target="aarch64-linux")
    assert out.splitlines() == ["libgreet 1.0.0", "Good morning, arm64!"]


# -- Go ---------------------------------------------------------------------------


WHOAMI = 'name = "whoami"\nversion = "0.1.0"\nbuild = "@build@"\nartifact = "whoami"'


@pytest.mark.parametrize("build", ["go build -o whoami .", "make"])
def test_go_program_with_cgo(build: str, tmp_path: Path) -> None:
    """Debian's go in the shell: cgo links its helper with $CC (the Makefile's `gcc`
    is the wrapper's too), so the store loader is the interpreter, and no RUNPATH."""
    root = project("whoami-go", tmp_path, WHOAMI.replace("@build@", build))
    # A fresh Go build cache: a cached runtime/cgo may have been linked by an
    # earlier wrapper, with an earlier glibc as interpreter (the next test).
    report = image(root, env=nix_env(GOCACHE=str(tmp_path / "gocache")))
    glibc = attr(root, "pkgs.glibc")
    interp, runpath, needed = readelf(root / "whoami")
    assert interp == f"{glibc}/lib/ld-linux-x86-64.so.2" and runpath == [] and "libc.so.6" in needed
    fixed = record(report, "bin/whoami")
    assert fixed["interpreter"] == {"before": interp, "after": interp}
    # hostpkgs' loader is the host's: the C library's directory goes into the RUNPATH.
    assert fixed["runpath"] == {"before": [], "after": [f"{glibc}/lib"]}
    assert program_closure(report) == {"/".join(report["config"]["Entrypoint"][0].split("/")[:4]), glibc}
    out = run_image(Path(report["image"]), tmp_path / "run", [])
    assert out.splitlines() == ["user=nonroot uid=65532", "http=ok"]


def host_go_build(root: Path) -> None:
    """`go build` outside any Nix environment, with the host's defaults (gcc, cgo on)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root.parent), "GOCACHE": str(root.parent / "gocache"),
           "GOPATH": str(root.parent / "gopath"), "GOFLAGS": "-mod=mod"}
    subprocess.run(["go", "build", "-o", "whoami", "."], cwd=root, env=env, check=True, capture_output=True)


def test_go_binary_built_on_the_host_is_fixed_up(tmp_path: Path) -> None:
    """A binary built outside the shell (`--no-build`): /lib64/ld-linux-x86-64.so.2,
    which no image has, becomes the package set's loader. As built it cannot start
    in the image; fixed up it does its job."""
    root = project("whoami-go", tmp_path, WHOAMI.replace("@build@", "false"))
    host_go_build(root)
    assert readelf(root / "whoami")[0] == "/lib64/ld-linux-x86-64.so.2"
    report = image(root, "--no-build")
    glibc = attr(root, "pkgs.glibc")
    fixed = record(report, "bin/whoami")
    assert fixed["interpreter"] == {"before": "/lib64/ld-linux-x86-64.so.2",
                                    "after": f"{glibc}/lib/ld-linux-x86-64.so.2"}
    assert run_image(Path(report["image"]), tmp_path / "run", []).splitlines() == ["user=nonroot uid=65532",
                                                                                   "http=ok"]
    rootfs = unpack(Path(report["image"]), tmp_path / "unpacked")
    shutil.copy2(root / "whoami", rootfs / "tmp/whoami")
    proc = subprocess.run(["bwrap", "--bind", str(rootfs), "/", "--proc", "/proc", "--dev", "/dev", "--unshare-all",
                           "--die-with-parent", "--clearenv", "/tmp/whoami"], capture_output=True, text=True)
    assert proc.returncode != 0 and "No such file or directory" in proc.stderr


def test_go_program_with_cgo_for_aarch64(tmp_path: Path) -> None:
    """Plain `go build` for aarch64: Go links cgo programs for arm64 itself, with their first
    segment at 64 KiB. Where the fix-up must grow such a program (hostpkgs adds the C library's
    directory to its RUNPATH), patchelf moves its headers to address 0, where it cannot be
    mapped: the proof refuses it (exit 8) rather than give an image that does not start. Linked
    externally, as the hint says, the shell's $CC links it and the image runs under qemu-user."""
    build = "go build -o build/$NIXBUILD_TARGET/whoami ."
    root = project("whoami-go", tmp_path, WHOAMI.replace("@build@", build).replace(
        'artifact = "whoami"', 'artifact = "build/{target}/whoami"'), '[target]\nplatforms = ["aarch64-linux"]\n')
    env = nix_env(GOCACHE=str(tmp_path / "gocache"))
    result = nixbuild("image", "--json", "-C", str(root), env=env)
    if result.returncode == 0:  # a patchelf that need not move the headers
        report = result.json()
    else:
        assert result.returncode == 8, result.stderr
        error = assert_one_error_line(result.stderr)
        assert ("bin/whoami: cannot be loaded: it maps a segment at address 0x0, below the lowest address Linux "
                "lets a program map") in error
        assert "-ldflags=-linkmode=external" in error
        assert not list((root / "nixbuild-result").rglob("*.oci"))
        toml = root / "nixbuild.toml"
        toml.write_text(toml.read_text().replace("go build -o", "go build -ldflags=-linkmode=external -o"))
        report = image(root, env=env)
    assert skopeo_inspect(Path(report["image"]))["Architecture"] == "arm64"
    out = run_image(Path(report["image"]), tmp_path / "run", [], target="aarch64-linux")
    assert out.splitlines() == ["user=nonroot uid=65532", "http=ok"]
