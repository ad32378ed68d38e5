"""Bad input, end to end: one line on stderr with a hint, a documented exit
code, never a traceback, nothing half-written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import copy_example, nix_env, nixbuild, run

pytestmark = pytest.mark.nix


def assert_one_error_line(stderr: str) -> str:
    errors = [l for l in stderr.splitlines() if l.startswith("nixbuild: error:")]
    assert len(errors) == 1, stderr
    assert "(hint: " in errors[0]
    assert "Traceback" not in stderr
    return errors[0]


def test_missing_nix_exits_3_with_install_hint(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    bare = tmp_path / "bin"
    bare.mkdir()
    env = nix_env(PATH=str(bare))
    result = nixbuild("image", "-C", str(project), env=env)
    assert result.returncode == 3
    line = assert_one_error_line(result.stderr)
    assert "Nix is not installed" in line and "apt-get install nix-bin" in line


def test_a_failing_hermetic_build_exits_5_with_its_own_last_lines(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    (project / "hello.c").write_text("int main(void) { return undeclared_thing; }\n")
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 5
    line = assert_one_error_line(result.stderr)
    assert line.startswith("nixbuild: error: the build of hello-1.0.0 failed (exit code 2): hello.c:1:25: error: "
                           "'undeclared_thing' undeclared"), line
    # A hint that works on this Nix (2.8: `nix log` needs nix-command; nix-store -l works)
    drv = re.search(r"`nix-store -l (/nix/store/\S+-hello-1\.0\.0\.drv)`", line)
    assert drv is not None, line
    shown = [l.removeprefix("  | ") for l in result.stderr.splitlines() if l.startswith("  | ")]
    assert shown[-1] == "make: *** [Makefile:5: hello] Error 1"  # the build's own last lines, not Nix's
    assert not any(l.startswith("error:") for l in shown)
    assert run(["nix-store", "-l", drv.group(1)]).stdout.rstrip().endswith(shown[-1])
    assert not (project / "nixbuild-result" / "x86_64-linux" / "hello-1.0.0.oci").exists()


def test_a_shell_build_that_prints_much_shows_a_tail_and_keeps_the_log(tmp_path: Path) -> None:
    project = copy_example("hello-c-shell", tmp_path)
    (project / "Makefile").write_text(
        "all:\n\t@for i in $$(seq 1 1000); do echo \"cc -c unit$$i.c\"; done\n"
        "\t@echo 'error: unit1000.c: no such file' >&2; exit 1\n")
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 5  # the build's "error:" line is not taken for Nix's own
    log = project / "nixbuild-result" / "x86_64-linux" / "build.log"
    line = assert_one_error_line(result.stderr)
    assert f"the build command failed in nix-shell (exit 2): make; its output is in {log}" in line
    assert len(result.stderr.splitlines()) < 25, result.stderr
    assert "cc -c unit1000.c\n" in result.stderr and "cc -c unit900.c" not in result.stderr
    kept = log.read_text().splitlines()
    # (under `make test`, make's own "Entering directory" line may come first)
    assert kept.index("cc -c unit1.c") < kept.index("cc -c unit1000.c") < kept.index("error: unit1000.c: no such file")
    verbose = nixbuild("image", "-v", "-C", str(project))
    assert verbose.returncode == 5 and "cc -c unit1.c\n" in verbose.stderr  # -v: all of it, as it comes


def test_evaluation_failure_exits_4_in_one_line_nix_output_only_with_v(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    broken = tmp_path / "broken-nixpkgs"
    (broken / "lib").mkdir(parents=True)
    (broken / "default.nix").write_text('{ ... }:\n\nthrow "this nixpkgs is broken"\n')
    # A nixpkgs of the supported window (nix/lib/window.nix reads these first).
    (broken / "lib" / ".version").write_text("26.05\n")
    (broken / "lib" / "minver.nix").write_text('"2.8"\n')
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('source = "hostpkgs"', f'source = "path:{broken}"'))
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 4
    line = assert_one_error_line(result.stderr)
    assert "this nixpkgs is broken" in line
    assert result.stderr.count("this nixpkgs is broken") == 1, result.stderr  # Nix's own lines only with -v
    verbose = nixbuild("image", "-v", "-C", str(project))
    assert verbose.returncode == 4
    assert "\nerror: this nixpkgs is broken" in verbose.stderr  # Nix's own line, as Nix prints it


def test_failing_shell_build_exits_5(tmp_path: Path) -> None:
    project = copy_example("hello-c-shell", tmp_path)
    (project / "Makefile").write_text("all:\n\t@echo compiler exploded >&2; false\n")
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 5
    line = assert_one_error_line(result.stderr)
    assert "the build command failed in nix-shell (exit 2): make" in line
    assert "compiler exploded" in result.stderr


def test_shell_build_without_artifact_exits_5(tmp_path: Path) -> None:
    project = copy_example("hello-c-shell", tmp_path)
    (project / "Makefile").write_text("all:\n\ttrue\n")
    result = nixbuild("build", "-C", str(project))
    assert result.returncode == 5
    assert "did not produce build/x86_64-linux/hello" in assert_one_error_line(result.stderr)


def test_unknown_target_exits_2_listing_valid_ones(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    result = nixbuild("image", "--target", "mips-linux", "-C", str(project))
    assert result.returncode == 2
    line = assert_one_error_line(result.stderr)
    assert "unknown target 'mips-linux'" in line and "aarch64-linux" in line


def test_unknown_flag_is_one_line_exit_2(tmp_path: Path) -> None:
    result = nixbuild("image", "--frobnicate")
    assert result.returncode == 2
    assert "--frobnicate" in assert_one_error_line(result.stderr)


def test_channel_without_nixpkgs_says_how_to_get_one(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('source = "hostpkgs"', 'source = "channel"'))
    env = nix_env()
    env.pop("NIX_PATH", None)
    result = nixbuild("image", "-C", str(project), env=env)
    assert result.returncode == 4
    line = assert_one_error_line(result.stderr)
    assert "file 'nixpkgs' was not found in the Nix search path" in line
    assert "NIX_PATH" in line and "nixbuild lock" in line


def _edit(project: Path, old: str, new: str) -> None:
    toml = project / "nixbuild.toml"
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "expected", "hint"),
    [
        ('builder = "c"', 'builder = "c"\ninputs = ["zlibb"]',
         "nixbuild.toml:8: package.inputs: 'zlibb' is not in the package set", "did you mean 'zlib'"),
        ('builder = "c"', 'builder = "c"\ninputs = ["stdenv.cx"]',
         "nixbuild.toml:8: package.inputs: 'stdenv.cx' is not in the package set", "did you mean 'stdenv.cc'"),
        ("[image]\n", '[image]\nforbid = ["bsh", "@dev"]\n',
         "nixbuild.toml:11: image.forbid: 'bsh' is not in the package set", "did you mean 'bash'"),
        ("[image]\n", '[image]\nforbid = ["nosuchattr"]\n',
         "nixbuild.toml:11: image.forbid: 'nosuchattr' is not in the package set", "name a package-set attribute"),
        ("[image]\n", '[image]\nextra = ["zlib"]\n',
         "nixbuild.toml:11: image.extra: 'zlib' is a package, not an output", "zlib.out"),
    ],
)
def test_a_name_only_the_package_set_can_refuse_is_exit_2_with_its_key_and_close_matches(
        tmp_path: Path, old: str, new: str, expected: str, hint: str) -> None:
    project = copy_example("hello-c", tmp_path)
    _edit(project, old, new)
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 2, result.stderr
    line = assert_one_error_line(result.stderr)
    assert result.stderr.strip() == line  # nothing else: no progress, no Nix output
    assert f"nixbuild: error: {expected}" in line and hint in line
    assert not (project / "nixbuild-result" / "x86_64-linux" / "hello-1.0.0.oci").exists()


def test_overlay_that_does_not_parse_names_its_file_and_line(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    _edit(project, 'source = "hostpkgs"', 'source = "hostpkgs"\noverlays = ["overlays/*.nix"]')
    (project / "overlays").mkdir()
    (project / "overlays" / "fix.nix").write_text("final: prev: {\n  hello = 1;;\n}\n")
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 4
    line = assert_one_error_line(result.stderr)
    assert "overlays/fix.nix:2: syntax error, unexpected ';'" in line
    assert result.stderr.strip() == line


def test_shell_mode_nix_errors_are_one_line_not_nix_output(tmp_path: Path) -> None:
    """nix-shell's own evaluation errors went to stderr raw before nixbuild's line."""
    project = copy_example("hello-c-shell", tmp_path)
    _edit(project, 'source = "hostpkgs"', 'source = "channel"')
    env = nix_env()
    env.pop("NIX_PATH", None)
    result = nixbuild("image", "-C", str(project), env=env)
    assert result.returncode == 4
    line = assert_one_error_line(result.stderr)
    assert ".nixbuild/nixpkgs.nix:" in line and "file 'nixpkgs' was not found" in line
    assert result.stderr.strip() == line, result.stderr


def test_nixbuild_shell_reports_nix_errors_in_one_line(tmp_path: Path) -> None:
    project = copy_example("hello-c-shell", tmp_path)
    _edit(project, 'source = "hostpkgs"', 'source = "channel"')
    env = nix_env()
    env.pop("NIX_PATH", None)
    result = nixbuild("shell", "--run", "echo inside", "-C", str(project), env=env)
    assert result.returncode == 4
    line = assert_one_error_line(result.stderr)
    assert result.stderr.strip() == line and "file 'nixpkgs' was not found" in line
    assert "inside" not in result.stdout
    ok = nixbuild("shell", "--run", "echo inside", "-C", str(copy_example("hello-c-shell", tmp_path / "ok")))
    assert ok.returncode == 0 and ok.stdout == "inside\n", ok.stderr


def test_symlinked_overlay_outside_the_project_names_the_config_line(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    _edit(project, 'source = "hostpkgs"', 'source = "hostpkgs"\noverlays = ["overlays/*.nix"]')
    (project / "overlays").mkdir()
    (tmp_path / "elsewhere.nix").write_text("final: prev: { }\n")
    (project / "overlays" / "x.nix").symlink_to(tmp_path / "elsewhere.nix")
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 2
    line = assert_one_error_line(result.stderr)
    assert "nixbuild.toml:21: nixpkgs.overlays: 'overlays/x.nix' resolves outside the project" in line
