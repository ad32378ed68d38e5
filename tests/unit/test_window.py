"""The supported window's data and the errors nixbuild makes of the generated
code's window check (nix/lib/window.nix throws; nix.py turns the line into
nixbuild's own error)."""

from __future__ import annotations

from nixbuild import window
from nixbuild.errors import EXIT_CONFIG, EXIT_NIX_MISSING
from nixbuild.nix import CommandResult, _failure


def test_the_window_is_ordered_and_every_release_names_its_nix() -> None:
    w = window.window()
    releases = list(w.releases)
    assert releases[0] == w.oldest and releases[-1] == w.newest
    assert releases == sorted(releases, key=lambda r: tuple(int(p) for p in r.split(".")))
    assert all(v[0].isdigit() for v in w.releases.values()) and w.nixbuild_minimum_nix == "2.8"


def _nix_output(line: str) -> CommandResult:
    # Nix 2.8's shape: the thrown message as the error line, then the trace.
    stderr = f"error: {line}\n\n       at /p/.nixbuild/lib/window.nix:60:7:\n\n           59|     if f.release == null then\n"
    return CommandResult(("nix-build",), 1, "", stderr)


def test_an_unsupported_nixpkgs_becomes_a_config_error_with_the_hint() -> None:
    err = _failure("nix-build -A image", _nix_output(
        "nixbuild: unsupported nixpkgs: nixpkgs 23.11 is older than nixbuild supports; nixbuild supports nixpkgs "
        "24.11 … 26.05 (hint: pin a newer one, e.g. nixbuild lock --url https://x/y.tar.gz)"))
    assert isinstance(err, window.UnsupportedNixpkgsError) and err.exit_code == EXIT_CONFIG
    assert err.message == ("unsupported nixpkgs: nixpkgs 23.11 is older than nixbuild supports; nixbuild supports "
                           "nixpkgs 24.11 … 26.05")
    assert err.hint == "pin a newer one, e.g. nixbuild lock --url https://x/y.tar.gz"
    assert "window.nix:60" not in err.message


def test_a_nix_too_old_becomes_exit_3_whatever_trace_comes_first() -> None:
    # Newer Nix prints "… while …" trace lines before the error.
    result = CommandResult(("nix-build",), 1, "", (
        "error:\n       … while calling the 'throw' builtin\n         at /p/lib/window.nix:70:7:\n"
        "       error: nixbuild: Nix too old: nixpkgs 26.05 needs Nix 2.18 or newer and this is Nix 2.8.0; nixbuild "
        "supports nixpkgs 24.11 … 26.05 (hint: upgrade Nix to 2.18 or newer, or pin nixpkgs 25.05, the newest "
        "release this Nix evaluates)\n"))
    err = _failure("nix-build -A image", result)
    assert isinstance(err, window.NixTooOldError) and err.exit_code == EXIT_NIX_MISSING
    assert err.message.startswith("Nix too old: nixpkgs 26.05 needs Nix 2.18 or newer")
    assert err.hint == "upgrade Nix to 2.18 or newer, or pin nixpkgs 25.05, the newest release this Nix evaluates"


def test_other_failures_are_not_taken_for_the_window() -> None:
    assert window.error_from("error: attribute 'nixbuild' missing") is None
    err = _failure("evaluating", CommandResult(("x",), 1, "", "error: undefined variable 'foo'\n"))
    assert not isinstance(err, (window.UnsupportedNixpkgsError, window.NixTooOldError))
