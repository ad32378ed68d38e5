"""Command-line interface: parses flags, calls the library, prints results.

Results go to stdout (``--json``: one JSON object); progress and logs go to
stderr. Every expected failure is one line on stderr with a hint, and a
documented exit code (README, "Exit codes").
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from nixbuild import __version__, pipeline, report
from nixbuild.errors import EXIT_CONFIG, EXIT_INTERRUPTED, NixbuildError


def _log(line: str) -> None:
    click.echo(line, err=True)


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    @click.option("-C", "--directory", "directory", type=click.Path(file_okay=False, path_type=Path),
                  default=Path("."), show_default=True, help="Project directory (holds nixbuild.toml).")
    @click.option("-v", "--verbose", is_flag=True, help="Show every command and Nix's full log.")
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def _target_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("-t", "--target", default=None, metavar="TARGET",
                        help="Target platform, e.g. x86_64-linux (default: the first in [target] platforms).")(func)


def _json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")(func)


def _emit(as_json: bool, data: dict[str, object], text: str) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=False))
    else:
        click.echo(text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="nixbuild")
def cli() -> None:
    """Minimal, reproducible container images from a binary's Nix closure."""


@cli.command()
@_common
@_json_option
@click.option("--dry-run", is_flag=True, help="Show what would change without writing.")
def generate(directory: Path, verbose: bool, as_json: bool, dry_run: bool) -> None:
    """Write the Nix expressions of .nixbuild/ from nixbuild.toml."""
    project = pipeline.load_project(directory)
    result = pipeline.generate(project, dry_run=dry_run)
    _emit(as_json, report.render_dict(result, dry_run), report.render_text(result, dry_run))


@cli.command()
@_common
@_target_option
@_json_option
def build(directory: Path, verbose: bool, target: str | None, as_json: bool) -> None:
    """Build the package: nix-build (hermetic) or the build command in nix-shell (shell)."""
    project = pipeline.load_project(directory)
    nix = pipeline.make_nix(project, verbose=verbose, log=_log)
    nix.check_installed()
    outcome = pipeline.build(project, nix, pipeline.resolve_target(project, target), output=sys.stderr.buffer)
    _emit(as_json, report.build_dict(outcome), report.build_text(outcome))


@cli.command()
@_common
@_target_option
@click.option("--run", "command", default=None, metavar="CMD", help="Run CMD in the shell instead of an interactive shell.")
def shell(directory: Path, verbose: bool, target: str | None, command: str | None) -> None:
    """Enter the build environment (nix-shell) for a target."""
    project = pipeline.load_project(directory)
    nix = pipeline.make_nix(project, verbose=verbose, log=_log)
    nix.check_installed()
    name = pipeline.resolve_target(project, target)
    pipeline.generate(project)
    nix.exec_shell(project.root / ".nixbuild" / "shell.nix", command, cwd=project.root, argstrs={"target": name})


@cli.command()
@_common
@_target_option
@_json_option
@click.option("--no-build", is_flag=True, help="Shell mode: image the existing artifact without running the build command.")
def image(directory: Path, verbose: bool, target: str | None, as_json: bool, no_build: bool) -> None:
    """Build the image and print where it is and what is in it."""
    project = pipeline.load_project(directory)
    nix = pipeline.make_nix(project, verbose=verbose, log=_log)
    nix.check_installed()
    name = pipeline.resolve_target(project, target)
    outcome = pipeline.image(project, nix, name, build_first=not no_build, output=sys.stderr.buffer)
    _emit(as_json, report.image_dict(outcome), report.image_text(outcome))


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
