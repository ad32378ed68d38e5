"""Bad input, end to end: one line on stderr with a hint, a documented exit
code, never a traceback, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_example, nix_env, nixbuild

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


def test_build_failure_exits_4_naming_the_derivation_and_log(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    (project / "hello.c").write_text("int main(void) { return undeclared_thing; }\n")
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 4
    line = assert_one_error_line(result.stderr)
    assert "hello-1.0.0.drv failed" in line and "nix log" in line
    assert "undeclared_thing" in result.stderr  # the relevant lines of Nix's log
    assert not (project / "nixbuild-result" / "x86_64-linux" / "hello-1.0.0.tar").exists()


def test_evaluation_failure_exits_4(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('source = "hostpkgs"', f'source = "path:{tmp_path / "no-nixpkgs"}"'))
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 4
    line = assert_one_error_line(result.stderr)
    assert "no-nixpkgs" in line or "no-nixpkgs" in result.stderr


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
