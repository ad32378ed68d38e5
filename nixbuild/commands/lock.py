"""`nixbuild lock`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from nixbuild import lock as lock_mod
from nixbuild import pipeline
from nixbuild.commands._common import common, emit, json_option, log
from nixbuild.errors import UsageError


def pin_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--from", "pin_from", default=None, metavar="FILE|DIR",
                        help="Pin a local nixpkgs tarball or checkout (offline).")(func)
    return click.option("--url", default=None, metavar="URL",
                        help="Pin this nixpkgs tarball URL (fetched and hashed by nix-prefetch-url --unpack).")(func)


def pin_source(url: str | None, pin_from: str | None) -> str | None:
    if url is not None and pin_from is not None:
        raise UsageError("--url and --from are alternatives", hint="pass one of them")
    return url if url is not None else pin_from


def run(directory: Path, verbose: bool, as_json: bool, source: str | None, move: bool) -> None:
    project = pipeline.load_project(directory, log)
    nix = pipeline.make_nix(project, verbose=verbose, log=log)
    result = lock_mod.relock(project, nix, pin_from=source, move=move)
    emit(as_json, result.to_json(), result.text())


@click.command()
@common
@json_option
@pin_options
def lock(directory: Path, verbose: bool, as_json: bool, url: str | None, pin_from: str | None) -> None:
    """Write nixbuild.lock: the nixpkgs pin (source = "lock") and the hash of every overlay."""
    run(directory, verbose, as_json, pin_source(url, pin_from), move=False)
