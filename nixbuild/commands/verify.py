"""`nixbuild verify`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import pipeline, report
from nixbuild import verify as verify_mod
from nixbuild.commands._common import complete_target, common, emit, json_option, locked_option, log, pinned, start


@click.command()
@common
@locked_option
@click.option("-t", "--target", "targets", multiple=True, metavar="TARGET", shell_complete=complete_target,
              help="Target platform (repeatable; 'all' = every target in [target] platforms). Default: the first one.")
@json_option
def verify(directory: Path, verbose: bool, targets: tuple[str, ...], as_json: bool, locked: bool | None) -> None:
    """Rebuild the image and prove it bit-identical (exit 1 and the differences when it is not).

    Builds the image, rebuilds the package and the image's own derivations
    with `nix-build --check`, builds a copy of the project in a fresh
    temporary directory (another TMPDIR too), and compares the two images'
    manifest, config and layers.
    """
    s = start(directory, verbose, locked)
    project = s.project
    names = pipeline.resolve_targets(project, targets)
    outcome = pinned(s, lambda: verify_mod.verify(project, names, verbose=verbose, log=log, output=sys.stderr.buffer))
    emit(as_json, report.verify_dict(outcome), report.verify_text(outcome))
    error = verify_mod.failure(outcome)
    if error is not None:
        raise error
