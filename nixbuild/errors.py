"""User-facing errors and their exit codes.

Every expected failure is a subclass of NixbuildError; the CLI prints it as one
line (plus an optional hint) and exits with its code. Exit codes are part of
the interface and documented in the README.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1  # a check found a problem (not an error of nixbuild's own)
EXIT_CONFIG = 2  # bad nixbuild.toml or bad command-line usage
EXIT_NIX_MISSING = 3  # Nix is not installed or not on PATH
EXIT_NIX_FAILED = 4  # Nix evaluation or build failed
EXIT_TOOL_FAILED = 5  # another required tool or step failed (e.g. the shell build)
EXIT_REGISTRY = 6  # skopeo/podman/a registry failed: push, pull, load, OCI conversion
EXIT_LOCK = 7  # nixbuild.lock is missing or stale (--locked), or a pinned hash does not match
EXIT_INTERRUPTED = 130


class NixbuildError(Exception):
    """An expected failure, reported to the user without a traceback."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, hint: str | None = None, details: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details  # extra lines (e.g. Nix's log tail), shown below


class ConfigError(NixbuildError):
    exit_code = EXIT_CONFIG


class UsageError(NixbuildError):
    exit_code = EXIT_CONFIG


class NixMissingError(NixbuildError):
    exit_code = EXIT_NIX_MISSING


class NixFailedError(NixbuildError):
    exit_code = EXIT_NIX_FAILED


class BuildCommandError(NixbuildError):
    exit_code = EXIT_TOOL_FAILED


class RegistryError(NixbuildError):
    exit_code = EXIT_REGISTRY


class LockError(NixbuildError):
    exit_code = EXIT_LOCK
