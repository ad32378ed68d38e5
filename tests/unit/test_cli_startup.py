"""`nixbuild --help` and `--version` import no subcommand module (issue 13's
start-up target: --help ≤ 120 ms; measured in tests/bench, not here), and the
command table they list from says what each command's own help says."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nixbuild.cli import COMMANDS

COMMAND_MODULES = sorted(
    p.stem for p in (Path(__file__).resolve().parents[2] / "nixbuild" / "commands").glob("*.py")
    if not p.stem.startswith("_")
)


def test_every_command_module_is_in_the_table() -> None:
    assert sorted(COMMANDS) == COMMAND_MODULES


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_summary_is_the_first_line_of_the_commands_help(name: str) -> None:
    command = getattr(importlib.import_module(f"nixbuild.commands.{name}"), name)
    assert COMMANDS[name] == command.help.strip().splitlines()[0]


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_no_command_module(flag: str) -> None:
    script = (
        "import json, sys\n"
        "from nixbuild.cli import main\n"
        f"try:\n    main([{flag!r}])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('nixbuild.'))), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = json.loads(proc.stderr.strip().splitlines()[-1])
    assert not [m for m in loaded if m.startswith("nixbuild.commands.")], loaded
    if flag == "--help":
        assert all(name in proc.stdout for name in COMMANDS)
