"""Command-line interface: parses flags, calls the library, prints results.

Results go to stdout (``--json``: one JSON object); progress and logs go to
stderr. Every expected failure is one line on stderr with a hint, and a
documented exit code (README, "Exit codes").
"""

from __future__ import annotations

import os
import sys
import traceback

import click

import importlib

from nixbuild import __version__
from nixbuild.errors import EXIT_CONFIG, EXIT_INTERRUPTED, NixbuildError

# Subcommand name → module in nixbuild.commands (each defines a click command
# of the same name). Modules are imported only when their command runs, so
# `nixbuild image` does not pay for every other command's imports.
COMMANDS = (
    "generate", "build", "shell", "image", "doctor",
    "inspect", "why", "diff",
    "sbom", "provenance", "verify", "push", "load", "ci",
    "lock", "update", "overlay",
)


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"nixbuild.commands.{cmd_name}")
        command: click.Command = getattr(module, cmd_name)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="nixbuild")
def cli() -> None:
    """Minimal, reproducible container images from a binary's Nix closure."""


def _print_error(message: str, hint: str | None, details: str | None = None) -> None:
    line = f"nixbuild: error: {message}"
    if hint:
        line += f" (hint: {hint})"
    click.echo(line, err=True)
    if details:
        for detail in details.splitlines():
            click.echo(f"  | {detail}", err=True)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="nixbuild", standalone_mode=False)
    except NixbuildError as exc:
        _print_error(exc.message, exc.hint, exc.details)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        _print_error("interrupted", None)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        _print_error(exc.format_message(), "see nixbuild --help")
        sys.exit(EXIT_CONFIG if exc.exit_code == 2 else exc.exit_code)
    except KeyboardInterrupt:
        _print_error("interrupted", None)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # a bug in nixbuild: say so, without a traceback unless asked
        if os.environ.get("NIXBUILD_DEBUG"):
            traceback.print_exc()
        _print_error(f"internal error: {type(exc).__name__}: {exc}",
                     "this is a bug in nixbuild; re-run with NIXBUILD_DEBUG=1 for the traceback and report it")
        sys.exit(70)
    sys.exit(0)
