"""Nix installed but unusable for this user is one line with exit 3, whatever
command met it. The stderr texts are what Nix 2.8 printed on a fresh Debian 12
root (make check-fresh) for a user who is not root: without nix-setup-systemd's
directories, and with them but no nix-daemon running. Only the runner is
replaced (running as another user needs a second account and a venv it can
read; check-fresh does that end to end)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixbuild.errors import EXIT_NIX_FAILED, EXIT_NIX_MISSING, NixbuildError
from nixbuild.nix import CommandResult, Nix

NO_DAEMON_DIRS = "error: could not set permissions on '/nix/var/nix/profiles/per-user' to 755: Operation not permitted"
NO_DAEMON = "error: getting status of /nix/var/nix/daemon-socket/socket: Permission denied"


def nix_failing_with(stderr: str) -> Nix:
    def runner(args, **kwargs):  # type: ignore[no-untyped-def]
        return CommandResult(tuple(args), 1, "", stderr)
    return Nix(runner=runner, base_env={})


@pytest.mark.parametrize("stderr", [NO_DAEMON_DIRS, NO_DAEMON])
def test_a_user_without_daemon_gets_one_line_and_exit_3(stderr: str) -> None:
    with pytest.raises(NixbuildError) as info:
        nix_failing_with(stderr).eval_json(Path("default.nix"), "image")
    exc = info.value
    assert exc.exit_code == EXIT_NIX_MISSING
    assert exc.message.startswith("Nix cannot build as this user")
    assert "nix-daemon" in (exc.hint or "") and "nix-users" in (exc.hint or "")
    assert exc.details is None  # no Nix output below the line


def test_a_project_error_mentioning_permission_stays_a_nix_failure() -> None:
    stderr = "error: opening file '/home/me/project/secret.nix': Permission denied"
    with pytest.raises(NixbuildError) as info:
        nix_failing_with(stderr).eval_json(Path("default.nix"), "image")
    assert info.value.exit_code == EXIT_NIX_FAILED
