"""`nixbuild update`."""

from __future__ import annotations

from pathlib import Path

import click

from nixbuild.commands._common import common, json_option
from nixbuild.commands.lock import pin_options, pin_source, run


@click.command()
@common
@json_option
@pin_options
def update(directory: Path, verbose: bool, as_json: bool, url: str | None, pin_from: str | None) -> None:
    """Move the nixpkgs pin (re-fetch the locked URL, or pin --url/--from) and show what changed."""
    run(directory, verbose, as_json, pin_source(url, pin_from), move=True)
