"""`nixbuild image`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import deliver, export, pipeline, sbom_files
from nixbuild.commands._common import check_option, common, complete_target, emit, json_option, locked_option, log, start


@click.command()
@common
@check_option
@click.option("-t", "--target", "targets", multiple=True, metavar="TARGET", shell_complete=complete_target,
              help="Target platform (repeatable; 'all' = every target in [target] platforms). Default: the first one.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Build this many targets in parallel.")
@json_option
@click.option("--no-build", is_flag=True, help="Shell mode: image the existing artifact without running the build command.")
@click.option("--allow", "allowed", multiple=True, metavar="ENTRY",
              help="Lift one [image] forbid entry for this run (repeatable), e.g. --allow bash.")
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default=None,
              help="Also write the image as this format, from the OCI layout in nixbuild-result "
                   "(docker-archive: NAME-TAG.tar beside it; oci: the layout itself, or a copy at --output).")
@click.option("--output", "output_path", type=click.Path(path_type=Path), default=None, metavar="PATH",
              help="Where to write --format's result (default: next to the docker-archive; one target only).")
@locked_option
@click.option("--sbom", "sbom_format", type=click.Choice(sbom_files.FORMATS), default=None, flag_value="both",
              is_flag=False, metavar="[spdx|cyclonedx|both]",
              help="Also write the image's SBOM next to it (default both: SPDX 2.3 and CycloneDX 1.5 JSON).")
def image(directory: Path, verbose: bool, targets: tuple[str, ...], jobs: int, as_json: bool, no_build: bool,
          allowed: tuple[str, ...], fmt: str | None, output_path: Path | None, locked: bool | None,
          sbom_format: str | None, check: bool) -> None:
    """Build the image and print where it is and what is in it."""
    s = start(directory, verbose, locked, allowed, check=check)
    request = deliver.Request(targets=pipeline.resolve_targets(s.project, targets), jobs=jobs,
                              build_first=not no_build, check=s.check, format=fmt, output=output_path,
                              sbom_format=sbom_format)
    done = deliver.deliver(s.project, s.nix, request, verbose=verbose, log=log, output=sys.stderr.buffer)
    from nixbuild import report  # imported while Nix evaluated (pipeline._preload)

    sboms = {target: files for target, files in done.sboms}
    if done.outcome is not None:
        data, text = report.image_dict(done.outcome), report.image_text(done.outcome)
        data.update(_sbom_fields(sboms.get(done.outcome.target)))
        text += _sbom_text(sboms.get(done.outcome.target))
        if done.exported is not None:
            data["output"] = report.export_dict(done.exported)
            text += "\n" + report.export_text(done.exported)
        emit(as_json, data, text)
        return
    assert done.many is not None
    data, text = report.many_dict(done.many), report.many_text(done.many)
    for entry in data["targets"]:  # type: ignore[union-attr]
        entry.update(_sbom_fields(sboms.get(entry["target"])))
    text += "".join(_sbom_text(files) for files in sboms.values())
    emit(as_json, data, text)
    for line in deliver.failure_lines(done.many):
        log(line)
    error = deliver.failure(s.project, done.many)
    if error is not None:
        raise error


def _sbom_fields(files: tuple[tuple[str, Path], ...] | None) -> dict[str, object]:
    return {"sbom": {kind: str(path) for kind, path in files}} if files is not None else {}


def _sbom_text(files: tuple[tuple[str, Path], ...] | None) -> str:
    return "".join(f"\nsbom:        {path} ({kind})" for kind, path in files or ())
