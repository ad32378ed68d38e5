"""`nixbuild init`."""

from __future__ import annotations

from pathlib import Path

import click

from nixbuild import init as init_mod
from nixbuild.commands._common import common, emit, json_option, log


@click.command()
@common
@json_option
@click.option("--builder", default=None, metavar="NAME", help="The builder to use instead of the detected one.")
@click.option("--name", default=None, help="The package name (default: from the project's metadata, else the directory).")
@click.option("-t", "--target", "targets", multiple=True, metavar="TARGET",
              help="A target platform (repeat; the first is the default). Default: this host's.")
@click.option("--source", default="channel", show_default=True,
              help='[nixpkgs] source to write: "channel", "lock", "path:DIR" or "hostpkgs".')
@click.option("--dry-run", is_flag=True, help="Show the file and the decisions without writing.")
def init(directory: Path, verbose: bool, as_json: bool, builder: str | None, name: str | None,
         targets: tuple[str, ...], source: str, dry_run: bool) -> None:
    """Write nixbuild.toml for an existing source tree, saying what it detected and why."""
    decision = init_mod.decide(directory, builder=builder, name=name, targets=targets, source=source)
    if not dry_run:
        init_mod.write(decision)
    for line in decision.reasons:
        log(line)
    data = {
        "version": 1, "path": str(decision.path), "written": not dry_run, "builder": decision.detection.builder,
        "name": decision.name, "package_version": decision.version, "program": decision.program,
        "targets": list(decision.targets), "source": decision.source,
        "evidence": list(decision.detection.evidence), "config": decision.text,
    }
    text = decision.text if dry_run else f"wrote {decision.path}\nnext: nixbuild image -C {directory}"
    emit(as_json, data, text)
