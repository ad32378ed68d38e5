"""[test] in nixbuild.toml: one table or an array of tables; every error names
the file, the test, the key and its line (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixbuild.config import SmokeTest
from tests.unit.test_config import MINIMAL, error, load


def test_no_test_table_means_no_tests(tmp_path: Path) -> None:
    assert load(tmp_path, MINIMAL).tests == ()


def test_an_array_of_tables_gives_the_tests_in_order_with_defaults(tmp_path: Path) -> None:
    p = load(tmp_path, MINIMAL + '[[test]]\nargs = ["--version"]\nstdout = "hello 1\\\\.0"\n\n'
                                 '[[test]]\nname = "usage"\nargs = ["--bogus"]\nexit-code = 2\nstderr = "usage"\n'
                                 'timeout = 5\n\n[[test]]\n')
    assert p.tests == (
        SmokeTest(name="--version", args=("--version",), exit_code=0, stdout=r"hello 1\.0", stderr=None, timeout=30),
        SmokeTest(name="usage", args=("--bogus",), exit_code=2, stdout=None, stderr="usage", timeout=5),
        SmokeTest(name="(the image's cmd)", args=None),
    )


def test_a_single_table_is_one_test(tmp_path: Path) -> None:
    (test,) = load(tmp_path, MINIMAL + '[test]\nargs = []\n').tests
    assert test == SmokeTest(name="(no arguments)", args=())


@pytest.mark.parametrize(("text", "message"), [
    ('[[test]]\nargs = ["a"]\n[[test]]\nstdout = "("\n',
     "nixbuild.toml:6: test[2].stdout: is not a regular expression: missing ), unterminated subpattern at position 0"),
    ('[[test]]\nexit-code = 256\n', "nixbuild.toml:4: test[1].exit-code: 256 is not an exit code (0..255)"),
    ('[[test]]\nexit-code = true\n', "nixbuild.toml:4: test[1].exit-code: must be an integer, not a boolean"),
    ('[test]\ntimeout = 0\n', "nixbuild.toml:4: test.timeout: 0 is out of range 1..3600 (seconds)"),
    ('[test]\nargs = "--version"\n', "nixbuild.toml:4: test.args: must be a list, not a string"),
    ('[test]\nargs = [1]\n', "nixbuild.toml:4: test.args: must be a list of strings, found an integer"),
    ('[[test]]\nargz = ["a"]\n', "nixbuild.toml:4: test[1].argz: unknown key"),
    ('[test]\nname = ""\n', "nixbuild.toml:4: test.name: must be a non-empty line of text"),
])
def test_errors_name_the_test_the_key_and_the_line(tmp_path: Path, text: str, message: str) -> None:
    assert error(tmp_path, MINIMAL + text) == message


@pytest.mark.parametrize("value", ["3", "[]", '["--version"]'])
def test_test_must_be_tables(tmp_path: Path, value: str) -> None:
    assert error(tmp_path, f"test = {value}\n" + MINIMAL) == (
        "nixbuild.toml:1: test: must be a table ([test]) or an array of tables ([[test]])")
