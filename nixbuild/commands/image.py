"""`nixbuild image`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import pipeline, report
from nixbuild.commands._common import common, emit, json_option, log


@click.command()
@common
@click.option("-t", "--target", "targets", multiple=True, metavar="TARGET",
              help="Target platform (repeatable; 'all' = every target in [target] platforms). Default: the first one.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Build this many targets in parallel.")
@json_option
@click.option("--no-build", is_flag=True, help="Shell mode: image the existing artifact without running the build command.")
@click.option("--allow", "allowed", multiple=True, metavar="ENTRY",
              help="Lift one [image] forbid entry for this run (repeatable), e.g. --allow bash.")
def image(directory: Path, verbose: bool, targets: tuple[str, ...], jobs: int, as_json: bool, no_build: bool,
          allowed: tuple[str, ...]) -> None:
    """Build the image and print where it is and what is in it."""
    project = pipeline.allow(pipeline.load_project(directory), allowed)
    names = pipeline.resolve_targets(project, targets)
    pipeline.make_nix(project, verbose=verbose, log=log).check_installed()
    if len(names) == 1:
        nix = pipeline.make_nix(project, verbose=verbose, log=log)
        outcome = pipeline.image(project, nix, names[0], build_first=not no_build, output=sys.stderr.buffer)
        emit(as_json, report.image_dict(outcome), report.image_text(outcome))
        return
    many = pipeline.image_many(project, names, jobs=jobs, verbose=verbose, log=log, build_first=not no_build,
                               output=sys.stderr.buffer)
    emit(as_json, report.many_dict(many), report.many_text(many))
    for failed in many.failed:
        assert failed.error is not None
        log(f"[{failed.target}] error: {failed.error.message}" + (f" (hint: {failed.error.hint})" if failed.error.hint else ""))
        for line in (failed.error.details or "").splitlines():
            log(f"[{failed.target}]   | {line}")
    if many.failed:
        first = many.failed[0].error
        assert first is not None
        raise type(first)(f"{len(many.failed)} of {len(many.results)} targets failed; first: {first.message}",
                          hint=first.hint)
