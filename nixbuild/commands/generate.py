"""`nixbuild generate`."""

from __future__ import annotations

from pathlib import Path

import click

from nixbuild import pipeline, report
from nixbuild.commands._common import common, emit, json_option, log


@click.command()
@common
@json_option
@click.option("--dry-run", is_flag=True, help="Show what would change without writing.")
def generate(directory: Path, verbose: bool, as_json: bool, dry_run: bool) -> None:
    """Write the Nix expressions of .nixbuild/ from nixbuild.toml."""
    project = pipeline.load_project(directory, log)
    result = pipeline.generate(project, dry_run=dry_run)
    emit(as_json, report.render_dict(result, dry_run), report.render_text(result, dry_run))
