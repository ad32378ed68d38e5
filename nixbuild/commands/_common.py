"""Options and output helpers shared by the subcommands."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


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


def target_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("-t", "--target", default=None, metavar="TARGET",
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
