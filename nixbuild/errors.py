"""User-facing errors and their exit codes.

Every expected failure is a subclass of NixbuildError; the CLI prints it as one
line (plus an optional hint) and exits with its code. Exit codes are part of
the interface and documented in the README.
"""

from __future__ import annotations

import re

EXIT_OK = 0
EXIT_FAILURE = 1  # a check found a problem (not an error of nixbuild's own)
EXIT_CONFIG = 2  # bad nixbuild.toml, bad command-line usage, or an unreadable input file
EXIT_NIX_MISSING = 3  # Nix is not installed or not on PATH
EXIT_NIX_FAILED = 4  # Nix evaluation or build failed
EXIT_TOOL_FAILED = 5  # a build failed: a derivation's builder, or the shell-mode build command
EXIT_REGISTRY = 6  # skopeo/podman/a registry failed: push, pull, load, OCI conversion
EXIT_LOCK = 7  # nixbuild.lock is missing or stale (--locked), or a pinned hash does not match
EXIT_PROOF = 8  # the closure proof: the image would not start (a file, library or interpreter is missing or wrong)
EXIT_TEST = 9  # a [test] smoke test of the image failed
EXIT_INTERNAL = 70  # a bug in nixbuild
EXIT_INTERRUPTED = 130


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\n``), so that it never splits an error line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


class NixbuildError(Exception):
    """An expected failure, reported to the user without a traceback."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, hint: str | None = None, details: str | None = None, log: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details  # extra lines (e.g. the tail of a failed build's log), shown below
        self.log = log  # the failed tool's whole output, for code that explains the failure; never printed


def retold(exc: NixbuildError, message: str, *, details: str | None = None) -> NixbuildError:
    """The same failure (exit code, hint) told with another message, e.g. naming the
    target it happened for."""
    new = NixbuildError(message, hint=exc.hint, details=details, log=exc.log)
    new.exit_code = exc.exit_code
    return new


class ConfigError(NixbuildError):
    exit_code = EXIT_CONFIG


class UsageError(NixbuildError):
    exit_code = EXIT_CONFIG


class InputError(NixbuildError):
    """A file nixbuild reads is of the wrong kind (a directory, a FIFO), unreadable or not UTF-8."""

    exit_code = EXIT_CONFIG


class NixMissingError(NixbuildError):
    exit_code = EXIT_NIX_MISSING


class NixFailedError(NixbuildError):
    exit_code = EXIT_NIX_FAILED


class BuildCommandError(NixbuildError):
    exit_code = EXIT_TOOL_FAILED


class BuildFailedError(BuildCommandError):
    """A derivation's builder failed (a compile error in the package's build, say): the
    build's own failure, not Nix's (exit 5)."""

    def __init__(self, message: str, *, drv: str = "", reason: str = "", **kwargs: str | None):
        super().__init__(message, **kwargs)
        self.drv = drv
        self.reason = reason


class RegistryError(NixbuildError):
    exit_code = EXIT_REGISTRY


class ImageRefusedError(NixbuildError):
    """The image was made but must not be named: the closure proof (proof.ProofError, exit 8)
    or a [test] smoke test (smoke.SmokeTestError, exit 9) refused it."""


class LockError(NixbuildError):
    exit_code = EXIT_LOCK
