"""[test] end to end: `nixbuild image` runs the smoke tests of nixbuild.toml in
the built image before it says done (a failing one: exit 9, no image under its
name), `nixbuild test` runs and shows them, for native and qemu-run targets and
in both build modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_example, nixbuild
from tests.e2e.test_errors import assert_one_error_line
from tests.e2e.tools import run_image

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


# The smoke tests a project of the examples' program would carry.
TESTS = """
[[test]]
name = "greets"
stdout = "^Hello from nixbuild!$"

[[test]]
name = "has a writable /tmp"
args = ["--check"]
stdout = "tmp=writable"
"""


def with_tests(example: str, tmp_path: Path) -> Path:
    project = copy_example(example, tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text() + TESTS)
    return project


def results(project: Path, target: str = "x86_64-linux") -> list[str]:
    directory = project / "nixbuild-result" / target
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


@pytest.mark.parametrize("example", ["hello-c", "hello-c-shell"])
def test_image_runs_the_tests_and_reports_them(tmp_path: Path, example: str) -> None:
    project = with_tests(example, tmp_path)
    result = nixbuild("image", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    tests = {t["name"]: t for t in report["tests"]}
    assert sorted(tests) == ["greets", "has a writable /tmp"]
    assert all(t["passed"] and t["exit_code"] == 0 for t in tests.values())
    assert tests["has a writable /tmp"]["argv"][1:] == ["--check"]
    # The same image, run by tools nobody here wrote (skopeo, umoci, bwrap).
    assert "tmp=writable" in run_image(Path(report["image"]), tmp_path / "run", ["--check"])
    text = nixbuild("image", "-C", str(project))
    assert "tests:       2 passed ([test], run in the image)" in text.stdout
    assert "  ok   greets (exit 0, " in text.stdout


def test_test_runs_them_for_a_foreign_target_under_qemu(tmp_path: Path) -> None:
    project = with_tests("hello-c", tmp_path)
    result = nixbuild("test", "-t", "aarch64-linux", "-t", "armv7l-linux", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    assert report["passed"] is True
    assert [(t["target"], len(t["tests"]), t["passed"]) for t in report["targets"]] == [
        ("aarch64-linux", 2, True), ("armv7l-linux", 2, True)]
    text = nixbuild("test", "-t", "aarch64-linux", "-C", str(project))
    assert text.stdout.startswith("aarch64-linux: 2 tests passed (")
    assert "\n  ok   has a writable /tmp (exit 0, " in text.stdout


def test_a_failing_test_refuses_the_image(tmp_path: Path) -> None:
    project = with_tests("hello-c", tmp_path)
    good = nixbuild("image", "-C", str(project))
    assert good.returncode == 0, good.stderr
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text() + '\n[[test]]\nname = "version"\nargs = ["--version"]\nstdout = "1\\\\.0\\\\.0"\n'
                    '\n[[test]]\nname = "usage"\nargs = ["--bogus"]\nexit-code = 2\n')
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 9, result.stderr
    line = assert_one_error_line(result.stderr)
    assert line.startswith("nixbuild: error: [test] 'version' failed: stdout does not match '1\\\\.0\\\\.0' "
                           "(2 of 4 tests failed) (hint: `nixbuild test`")
    assert "  |   stdout: Hello from nixbuild!" in result.stderr  # what the failed test printed
    assert results(project) == []  # no image (the earlier one too), no stream link
    shown = nixbuild("test", "-C", str(project))
    assert shown.returncode == 9
    expected = [("ok  ", "greets"), ("ok  ", "has a writable /tmp"), ("FAIL", "version"), ("FAIL", "usage")]
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("x86_64-linux: 2 of 4 tests failed (no image is written)")
    assert [l[:9 + len(n)] for l, (v, n) in zip(lines[1:], expected, strict=True)] == [
        f"  {v} {n} (" for v, n in expected]
    assert "usage (exit 0, " in shown.stdout and "exit 0, expected 2" in shown.stdout
    skipped = nixbuild("image", "--no-check", "-C", str(project))
    assert skipped.returncode == 0, skipped.stderr
    assert "warning: --no-check: the closure proof and the [test] smoke tests are skipped" in skipped.stderr
    assert results(project) == ["hello-1.0.0.oci", "image-record.json", "stream-conf", "stream-script"]


def test_test_without_tests_says_how_to_write_one(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    result = nixbuild("test", "-C", str(project))
    assert result.returncode == 2
    line = assert_one_error_line(result.stderr)
    assert "nixbuild.toml has no [test]: there is nothing to run" in line and "[[test]]" in line
