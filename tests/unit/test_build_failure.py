"""A failed build is the build's failure (exit 5): its name, its first error
line, its own last lines, and a log command that works on the Nix in use."""

from __future__ import annotations

import pytest

from nixbuild.errors import EXIT_TOOL_FAILED
from nixbuild.nix import build_failure, log_command

DRV = "/nix/store/i8zrvmhi8bg3kbir4cdh8302v72c43d4-hello-1.0.0.drv"


@pytest.mark.parametrize(("version", "command"), [
    ("2.8.0", "nix-store -l"), ("2.18.8", "nix-store -l"), ("2.3.16", "nix-store -l"), (None, "nix-store -l"),
    ("2.19.0", "nix log"), ("2.24.10", "nix log"), ("2.28.3", "nix log"), ("3.0.0", "nix log"),
])
def test_the_log_hint_works_on_the_nix_in_use(version: str | None, command: str) -> None:
    # `nix log` is nix-command, experimental before 2.19; nix-store -l reads the same stored log.
    assert log_command(DRV, version) == f"{command} {DRV}"
    assert f"`{command} {DRV}`" in (build_failure(DRV, "exit code 2", ["x"], version).hint or "")


def test_the_first_error_line_is_in_the_message_and_colours_are_dropped() -> None:
    lines = ["Running phase: buildPhase", "cc -O2 -o hello hello.c",
             "\x1b[01m\x1b[Khello.c:3:9:\x1b[m\x1b[K \x1b[01;31m\x1b[Kerror: \x1b[m\x1b[Kexpected ';'",
             "make: *** [Makefile:5: hello] Error 1"]
    error = build_failure(DRV, "exit code 2", lines, "2.8.0")
    assert error.exit_code == EXIT_TOOL_FAILED == 5
    assert error.message == "the build of hello-1.0.0 failed (exit code 2): hello.c:3:9: error: expected ';'"
    assert error.details is not None and error.details.splitlines()[-2] == "hello.c:3:9: error: expected ';'"


def test_only_the_last_lines_are_shown() -> None:
    error = build_failure(DRV, "exit code 1", [f"line {i}" for i in range(500)], "2.8.0")
    assert error.details is not None and error.details.splitlines() == [f"line {i}" for i in range(480, 500)]
    assert error.message.endswith("(exit code 1): line 499")


def test_a_builder_killed_by_a_signal_says_so_and_where_such_a_signal_comes_from() -> None:
    """Nix 2.8: "failed due to signal 9 (Killed)" (seen when another Nix on the machine ran builds
    as the same build users); it was reported as "failed (it failed)"."""
    from nixbuild.nix import CommandResult, _failure

    stderr = (f"building '{DRV}'...\n"
              f"error: builder for '{DRV}' failed due to signal 9 (Killed)\n")
    error = _failure("nix-build -A image", CommandResult(("nix-build",), 100, "", stderr))
    assert error.exit_code == EXIT_TOOL_FAILED
    assert error.message == "the build of hello-1.0.0 was killed by signal 9 (Killed)"
    assert "out-of-memory killer" in (error.hint or "") and "nix-store -l" in (error.hint or "")
