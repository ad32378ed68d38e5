"""Options and output helpers shared by the subcommands."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from nixbuild import lock as lock_mod
from nixbuild import pipeline
from nixbuild.config import Project
from nixbuild.errors import NixbuildError
from nixbuild.nix import Nix

T = TypeVar("T")


def log(line: str) -> None:
    click.echo(line, err=True)


def common(func: Callable[..., Any]) -> Callable[..., Any]:
    @click.option("-C", "--directory", "directory", type=click.Path(file_okay=False, path_type=Path),
                  default=Path("."), show_default=True, help="Project directory (holds nixbuild.toml).")
    @click.option("-v", "--verbose", is_flag=True, help="Show every command and Nix's full log.")
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def complete_target(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of --target: the target names (and "all" where several are taken)."""
    from nixbuild import platforms

    names = [*platforms.TARGETS, *(["all"] if param.multiple else [])]
    return [name for name in names if name.startswith(incomplete)]


def target_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("-t", "--target", default=None, metavar="TARGET", shell_complete=complete_target,
                        help="Target platform, e.g. x86_64-linux (default: the first in [target] platforms).")(func)


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")(func)


def emit(as_json: bool, data: dict[str, object], text: str) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=False))
    else:
        click.echo(text)




def locked_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--locked/--no-locked", default=None,
                        help="Refuse to build when nixbuild.lock is missing or stale (exit 7). "
                             "Default: on when CI is set.")(func)


def check_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--check/--no-check", default=True,
                        help="Prove that the image can start before writing it (the closure proof) and run its "
                             "[test] smoke tests. --no-check skips both, with a warning.")(func)


@dataclass(frozen=True)
class Session:
    """A building command's project and Nix, after the checks they all share."""

    project: Project
    nix: Nix
    check: bool = True  # the closure proof and the [test] smoke tests (--no-check: off)

    @property
    def nix_version(self) -> str:
        """Nix's version, asked when a command needs it (``nix-build --version``: ~50 ms
        that a rebuild with nothing changed does not spend)."""
        return self.nix.version or self.nix.check_installed()


def start(directory: Path, verbose: bool, locked: bool | None, allowed: tuple[str, ...] = (),
          check: bool = True) -> Session:
    """What every building command does first: load the project (with `--allow`
    entries lifted), refuse a missing or stale lock (`--locked`) and re-hash a pinned
    nixpkgs checkout. A missing Nix is the same one line (exit 3) from the first Nix
    command run."""
    project = pipeline.allow(pipeline.load_project(directory, log), allowed)
    lock_mod.enforce(project, locked)
    nix = pipeline.make_nix(project, verbose=verbose, log=log)
    lock_mod.verify_checkout(project, nix)
    if not check:
        skipped = "the closure proof and the [test] smoke tests are" if project.tests else "the closure proof is"
        log(f"nixbuild: warning: --no-check: {skipped} skipped; nothing proves that the image starts")
    return Session(project, nix, check)


def pinned(session: Session, step: Callable[[], T]) -> T:
    """Run a build step; a pinned nixpkgs whose hash Nix found different is a lock error (exit 7)."""
    try:
        return step()
    except NixbuildError as exc:
        raise lock_mod.mismatch_error(session.project, exc, session.nix) or exc from None


def build_image(session: Session, target: str, *, build_first: bool = True,
                archive: bool = False) -> pipeline.ImageOutcome:
    return pinned(session, lambda: pipeline.image(session.project, session.nix, target, build_first=build_first,
                                                  output=sys.stderr.buffer, check=session.check, archive=archive))
