"""The README's exit-code table lists every exit code nixbuild has, each with
an example of its one error line."""

from __future__ import annotations

import re

from nixbuild import errors
from tests.conftest import REPO


def exit_code_rows() -> dict[int, str]:
    text = (REPO / "README.md").read_text()
    section = text[text.index("### Exit codes"):]
    section = section[: section.index("\n\n", section.index("| code | meaning | example |"))]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| (\d+) \| (.*) \|\s*$", line)
        if match:
            rows[int(match.group(1))] = match.group(2)
    return rows


def test_every_exit_code_is_listed_with_an_example_line() -> None:
    codes = {value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    rows = exit_code_rows()
    assert set(rows) == codes
    for code, row in rows.items():
        if code != 0:
            assert "nixbuild: error: " in row.rsplit(" | ", 1)[-1], (code, row)
