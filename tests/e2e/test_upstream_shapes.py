"""New users on trees shaped like the upstream projects nixbuild was tried on
(tests/projects/): `nixbuild init` writes the config, the user adds only what
the project's README says to check ([test]), and every image is built for
x86_64 and aarch64 and run (bwrap; qemu-user for aarch64) — or refused with
one line and its documented exit code. Never an exit-0 image that does not start.

- squash: pigz's Makefile (`CC = gcc`, `-lz`, a hard-linked second program, no
  install target), with the hermetic `c` builder and in shell mode, with and
  without the input it needs;
- goexamples: golang/example (a root module with unvendored requirements, and
  `hello/`, a module of its own built with plain `go build`), in shell mode;
- tinyz: zlib (its own configure, a shared library with a versioned file name,
  a test program linked against it by path with no RUNPATH), in shell mode;
- tinylz: lz4 (the library in lib/, the program in programs/, an install rule
  shared with uninstall that runs make in both), with the `c` builder;
- widecurses: nnn (ncursesw found through `$(shell $(PKG_CONFIG) …)` with a
  plain `-lncurses` fallback that lacks the wide-character functions, the
  program installed into the bin directory by name), with the `c` builder;
- tinytop: htop from git (configure.ac, Makefile.am and m4/ but no configure;
  ncursesw through PKG_CHECK_MODULES; SYSCONFDIR compiled into the program; a
  libtool shared library of its own), with the `c` builder;
- tinylua: lua from git (lower-case `makefile` without install target, its
  default goal reached through variables, `CC= gcc -std=gnu99 -D…` and
  `AR= ar rcu` whose flags the build needs), with the `c` builder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nixbuild import config
from tests.conftest import REPO, nix_env, nixbuild
from tests.e2e.test_errors import assert_one_error_line
from tests.e2e.tools import run_image, skopeo_inspect

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

PROJECTS = REPO / "tests" / "projects"
TARGETS = ("x86_64-linux", "aarch64-linux")
GOARCH = {"x86_64-linux": "amd64", "aarch64-linux": "arm64"}


def copy(name: str, dest: Path) -> Path:
    root = dest / name
    shutil.copytree(PROJECTS / name, root)
    return root


def init(root: Path, *args: str) -> None:
    result = nixbuild("init", "-C", str(root), "--source", "hostpkgs", *(a for t in TARGETS for a in ("-t", t)), *args)
    assert result.returncode == 0, result.stderr


def add(root: Path, text: str) -> None:
    toml = root / "nixbuild.toml"
    toml.write_text(toml.read_text() + "\n" + text)


def image_and_run(root: Path, tmp_path: Path, target: str, args: list[str]) -> tuple[dict, str]:
    """`nixbuild image` for one target: it succeeds, the proof and the config's [test]s pass;
    then the image's entrypoint runs with ``args`` (bwrap; qemu-user for aarch64). The report
    and the program's stdout."""
    result = nixbuild("image", "-t", target, "--json", "-C", str(root))
    assert result.returncode == 0, result.stderr
    report = result.json()
    assert report["proof"]["passed"] is True and report["tests"] and all(t["passed"] for t in report["tests"])
    return report, run_image(Path(report["image"]), tmp_path / f"run-{target}", args, target=target)


def refused_without_input(root: Path, targets: tuple[str, ...], expected: str) -> None:
    """`nixbuild image` for each target fails as a build failure (exit 5) with one error line
    holding ``expected``, and no image is left."""
    for target in targets:
        result = nixbuild("image", "-t", target, "-C", str(root))
        assert result.returncode == 5, result.stderr
        line = assert_one_error_line(result.stderr)
        assert expected in line, line
    assert images(root) == []


def images(root: Path) -> list[Path]:
    return list((root / "nixbuild-result").rglob("*.oci"))


# -- pigz -------------------------------------------------------------------------

SQUASH_TEST = """[[test]]
name = "version"
args = ["-V"]
stdout = "^squash with zlib [0-9.]+$"
"""


def test_pigz_shaped_makefile_with_the_c_builder(tmp_path: Path) -> None:
    """init reads the program from the first target (there is no install target) and the
    input from -lz; the image runs with the package set's zlib and nothing else of it."""
    root = copy("squash", tmp_path)
    init(root)
    project = config.load(root)
    assert (project.package.builder, project.package.program, project.package.inputs) == ("c", "squash", ("zlib",))
    add(root, SQUASH_TEST)
    result = nixbuild("image", "--json", "-C", str(root))
    assert result.returncode == 0, result.stderr
    report = result.json()
    assert report["proof"]["passed"] is True and [t["passed"] for t in report["tests"]] == [True]
    zlib = [p["path"] for p in report["store_paths"] if "-zlib-" in p["path"]]
    assert len(zlib) == 1 and not zlib[0].endswith("-dev")  # its runtime output only
    zlib_version = zlib[0].rsplit("-zlib-", 1)[1]
    assert run_image(Path(report["image"]), tmp_path / "run", ["-V"]) == f"squash with zlib {zlib_version}\n"
    # aarch64: the package set's zlib for the target (hostpkgs' library table has it).
    cross = nixbuild("image", "-t", "aarch64-linux", "--json", "-C", str(root))
    assert cross.returncode == 0, cross.stderr
    archive = Path(cross.json()["image"])
    assert skopeo_inspect(archive)["Architecture"] == "arm64"
    out = run_image(archive, tmp_path / "run-arm64", ["-V"], target="aarch64-linux")
    assert out.startswith("squash with zlib ")


def test_pigz_shaped_makefile_without_the_input_names_it(tmp_path: Path) -> None:
    """Without inputs = ["zlib"], as with real nixpkgs: the link cannot find -lz (exit 5, one
    line naming the input) on every target — hostpkgs compiles against the host's headers, but
    its compiler, like nixpkgs', links only libraries of the -L path (the inputs'), never the
    host's libz.so (nor, for aarch64, Debian's multiarch one). Never an image."""
    root = copy("squash", tmp_path)
    init(root)
    toml = root / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('inputs = ["zlib"]\n', "").replace(
        '"aarch64-linux"]', '"aarch64-linux", "riscv64-linux"]'))
    refused_without_input(root, (*TARGETS, "riscv64-linux"),
                          "failed: the link cannot find the library -lz (libz.so) (hint: add the package that "
                          'provides libz to [package] inputs in nixbuild.toml (inputs = ["zlib"])')


def test_pigz_shaped_makefile_in_shell_mode(tmp_path: Path) -> None:
    """init --builder shell: `make -B CC=$CC` (the Makefile's CC=gcc is overridden), the
    program as artifact, zlib as input; built for each target in turn in the same tree."""
    root = copy("squash", tmp_path)
    init(root, "--builder", "shell")
    pkg = config.load(root).package
    assert (pkg.options.build, pkg.options.artifact, pkg.inputs) == ("make -B CC=$CC", ("squash",), ("zlib",))
    add(root, SQUASH_TEST)
    result = nixbuild("image", "--json", "-C", str(root))
    assert result.returncode == 0, result.stderr
    report = result.json()
    fixed = next(f for f in report["fixup"] if f["path"] == "bin/squash")
    assert any("-zlib-" in p for p in fixed["runpath"]["after"])
    assert run_image(Path(report["image"]), tmp_path / "run", ["-V"]).startswith("squash with zlib ")


# -- golang/example ---------------------------------------------------------------------

HELLO_TESTS = """[[test]]
name = "greets"
args = ["-g", "Bonjour", "gopher"]
stdout = "^Bonjour, gopher! \\\\([a-z0-9]+\\\\)$"

[[test]]
name = "usage"
args = ["a", "b"]
exit-code = 2
stderr = "^usage: hello"
"""


def test_golang_example_hello_with_plain_go_build(tmp_path: Path) -> None:
    """At the repository's root init refuses in one line (its requirements are not vendored);
    in hello/, init --builder shell writes `go build` into a per-target path, and both
    images run (the aarch64 one under qemu-user) and pass the README's checks."""
    root = copy("goexamples", tmp_path)
    refused = nixbuild("init", "-C", str(root), "--source", "hostpkgs")
    assert refused.returncode == 2
    assert "go.mod requires modules (golang.org/x/tools) that are not vendored" in assert_one_error_line(
        refused.stderr)
    hello = root / "hello"
    init(hello, "--builder", "shell")
    pkg = config.load(hello).package
    assert (pkg.options.build, pkg.options.artifact) == ("go build -o build/$NIXBUILD_TARGET/hello .",
                                                         ("build/{target}/hello",))
    add(hello, HELLO_TESTS)
    env = nix_env(GOCACHE=str(tmp_path / "gocache"))
    result = nixbuild("image", "-t", "all", "--json", "-C", str(hello), env=env)
    assert result.returncode == 0, result.stderr
    for target in TARGETS:
        archive = hello / "nixbuild-result" / target / "hello-0.0.0.oci"
        out = run_image(archive, tmp_path / f"run-{target}", ["gopher"], target=target)
        assert out == f"Hello, gopher! ({GOARCH[target]})\n"
    text = nixbuild("image", "-t", "all", "-C", str(hello), env=env).stdout.splitlines()
    for target in TARGETS:  # the table's targets say what was proven of each image
        assert (f"{target}: {hello}/nixbuild-result/{target}/hello-0.0.0.oci (proof passed, 2 tests passed)"
                in text), text


# -- zlib -------------------------------------------------------------------------------

TINYZ = """version = 1

[package]
name = "tinyz"
version = "1.3.1"
builder = "shell"
program = "tinyzsh"
build = "./configure && make -B tinyzsh"
artifact = ["tinyzsh", "libtinyz.so.1.3.1"]

[target]
platforms = ["x86_64-linux", "aarch64-linux"]

[nixpkgs]
source = "hostpkgs"

[[test]]
args = ["aaaaaaaabbbbcd"]
stdout = "^round-trip ok$"
"""


def test_zlib_shaped_library_and_its_test_program(tmp_path: Path) -> None:
    """The program needs libtinyz.so.1 (the SONAME) and has no RUNPATH: the library goes to
    lib/ with a libtinyz.so.1 link, the fix-up points the program there, and it runs."""
    root = copy("tinyz", tmp_path)
    (root / "nixbuild.toml").write_text(TINYZ)
    for target in TARGETS:
        result = nixbuild("image", "-t", target, "--json", "-C", str(root))
        assert result.returncode == 0, result.stderr
        report = result.json()
        out_path = "/".join(report["config"]["Entrypoint"][0].split("/")[:4])
        fixed = next(f for f in report["fixup"] if f["path"] == "bin/tinyzsh")
        assert fixed["runpath"]["before"] == [] or all("/nix/store/" in p for p in fixed["runpath"]["before"])
        assert fixed["runpath"]["after"][0] == f"{out_path}/lib"
        out = run_image(Path(report["image"]), tmp_path / f"run-{target}", ["aaaaaaaabbbbcd"], target=target)
        assert out.splitlines() == ["tinyz 1.3.1", "14 -> 8 bytes, adler32 27f00558", "round-trip ok"]
    text = nixbuild("image", "-C", str(root)).stdout  # the report says what was proven and tested
    assert ("proof:       passed: entrypoint tinyz-1.3.1/bin/tinyzsh; 2 ELF files checked, 2 libraries resolved "
            "inside the image") in text.splitlines()
    assert "tests:       1 passed ([test], run in the image)" in text.splitlines()


# -- lz4 --------------------------------------------------------------------------

TINYLZ_TEST = """[[test]]
name = "round trip"
args = ["-b"]
stdout = "^round trip ok: 100000 -> [0-9]+ bytes$"
"""


def test_lz4_shaped_tree_whose_install_runs_make_in_subdirectories(tmp_path: Path) -> None:
    """init finds the program in programs/Makefile (the install rule runs make there), not the
    first goal; the image runs it on both targets, and holds neither the static library nor a
    compiler."""
    root = copy("tinylz", tmp_path)
    init(root)
    project = config.load(root)
    assert (project.package.builder, project.package.program) == ("c", "tinylz")
    add(root, TINYLZ_TEST)
    for target in TARGETS:
        report, out = image_and_run(root, tmp_path, target, ["-b"])
        assert out.startswith("round trip ok: 100000 -> ")
        assert not [p for p in report["store_paths"] if p["path"].endswith(("-dev", "-gcc-host", "-binutils"))]


# -- nnn --------------------------------------------------------------------------

WIDECURSES_TEST = """[[test]]
name = "wide characters"
stdout = "^ncurses [0-9.]+: U[+]00E9 bold$"
"""


def test_nnn_shaped_makefile_finds_ncursesw_through_pkg_config(tmp_path: Path) -> None:
    """init reads the program from `install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin` and the input
    from -lncurses; the hermetic build has the target's pkg-config, so the Makefile's
    `$(shell $(PKG_CONFIG) ncursesw)` finds the wide-character library (without it, the
    fallback -lncurses fails to link); the image runs on both targets."""
    root = copy("widecurses", tmp_path)
    init(root)
    project = config.load(root)
    assert (project.package.program, project.package.inputs) == ("widecurses", ("ncurses",))
    add(root, WIDECURSES_TEST)
    for target in TARGETS:
        report, out = image_and_run(root, tmp_path, target, [])
        assert out.endswith(": U+00E9 bold\n"), out
        assert not [p for p in report["store_paths"] if "pkg-config" in p["path"]]  # a build tool only


# -- htop ---------------------------------------------------------------------------

TINYTOP_TEST = """[[test]]
name = "meter"
stdout = "^tinytop 3[.]4[.]1: cpu \\\\[#####-----\\\\] 50% U[+]2588 bold$"
"""


def test_htop_shaped_checkout_is_autoreconfed_and_its_program_reads_its_sysconfdir(tmp_path: Path) -> None:
    """A checkout with configure.ac but no configure: init names the program (bin_PROGRAMS), the
    version (AC_INIT) and ncurses (PKG_CHECK_MODULES); the build runs autoreconf (libtoolize, the
    project's m4/) before configure; the program refers to `out` (its SYSCONFDIR), which is no
    cycle with `bin`; it reads its rc file from there and draws with its own libmeter (`lib`)."""
    root = copy("tinytop", tmp_path)
    assert not (root / "configure").exists()
    init(root)
    project = config.load(root)
    assert (project.package.builder, project.package.program, project.package.version) == ("c", "tinytop", "3.4.1")
    assert project.package.inputs == ("ncurses",) and project.package.options.autoreconf
    add(root, TINYTOP_TEST)
    for target in TARGETS:
        report, out = image_and_run(root, tmp_path, target, [])
        assert out == "tinytop 3.4.1: cpu [#####-----] 50% U+2588 bold\n", out
        names = {Path(p["path"]).name.split("-", 1)[1] for p in report["store_paths"]}
        ours = {n.rpartition("3.4.1")[2] for n in names if n.startswith("tinytop-")}  # cross: tinytop-<triple>-3.4.1
        assert ours == {"-bin", "-lib", ""}  # out: the rc file
        assert not [n for n in names if n.endswith("-dev") or "autoreconf" in n or "libtool" in n]


# -- lua ----------------------------------------------------------------------------

TINYLUA_TEST = """[[test]]
name = "evaluates"
args = ["-e", "6*7 + 2^10 - (1)"]
stdout = "^1065$"
"""


def test_lua_shaped_makefile_keeps_its_tools_flags(tmp_path: Path) -> None:
    """init finds the program through `all: $(ALL_T)` (the library comes first); the build keeps
    the makefile's `AR= ar rcu` and `CC= gcc … -D…` flags after the target's tools (without
    them `ar libtl.a …` fails and tl.h refuses to compile); the image runs on both targets."""
    root = copy("tinylua", tmp_path)
    init(root)
    project = config.load(root)
    assert (project.package.builder, project.package.program) == ("c", "tinylua")
    assert dict(project.package.options.tool_flags) == {"AR": "rcu", "CC": "-std=gnu99 -DTL_MAXDEPTH=200"}
    add(root, TINYLUA_TEST)
    for target in TARGETS:
        _, out = image_and_run(root, tmp_path, target, ["-e", "(2+3)*4"])
        assert out == "20\n"


def test_htop_shaped_checkout_without_its_input_names_it(tmp_path: Path) -> None:
    """Without inputs = ["ncurses"], as with real nixpkgs: configure's PKG_CHECK_MODULES finds no
    ncursesw (the host's is not the package set's): exit 5, one line naming the input. Never an image."""
    root = copy("tinytop", tmp_path)
    init(root)
    toml = root / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('inputs = ["ncurses"]\n', ""))
    refused_without_input(root, TARGETS,
                          "failed: pkg-config cannot find the module ncursesw (hint: add the package that provides "
                          'ncursesw.pc to [package] inputs in nixbuild.toml (inputs = ["ncurses"])')
