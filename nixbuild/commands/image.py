"""`nixbuild image`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import export, pipeline, report, sbom_files
from nixbuild import lock as lock_mod
from nixbuild.commands._common import (build_image, check_option, common, complete_target, emit, json_option,
                                       locked_option, log, start)
from nixbuild.errors import UsageError, retold
from nixbuild.nix import Nix
from nixbuild.registry import Containers


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
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default=export.DEFAULT_FORMAT, show_default=True,
              help="Also write the image as this format (converted from the docker-archive in nixbuild-result).")
@click.option("--output", "output_path", type=click.Path(path_type=Path), default=None, metavar="PATH",
              help="Where to write --format's result (default: next to the docker-archive; one target only).")
@locked_option
@click.option("--sbom", "sbom_format", type=click.Choice(sbom_files.FORMATS), default=None, flag_value="both",
              is_flag=False, metavar="[spdx|cyclonedx|both]",
              help="Also write the image's SBOM next to it (default both: SPDX 2.3 and CycloneDX 1.5 JSON).")
def image(directory: Path, verbose: bool, targets: tuple[str, ...], jobs: int, as_json: bool, no_build: bool,
          allowed: tuple[str, ...], fmt: str, output_path: Path | None, locked: bool | None,
          sbom_format: str | None, check: bool) -> None:
    """Build the image and print where it is and what is in it."""
    s = start(directory, verbose, locked, allowed, check=check)
    project = s.project
    names = pipeline.resolve_targets(project, targets)
    exporting = fmt != export.DEFAULT_FORMAT or output_path is not None
    if exporting and len(names) > 1:
        raise UsageError("--format and --output take one target",
                         hint="several targets already give an OCI index at nixbuild-result/index")
    if output_path is not None:
        export.check_output(output_path, fmt)
    if len(names) == 1:
        outcome = build_image(s, names[0], build_first=not no_build)
        sboms = _sboms(s.nix, outcome, sbom_format)
        if not exporting:
            emit(as_json, {**report.image_dict(outcome), **sboms[0]}, report.image_text(outcome) + sboms[1])
            return
        written = export.export(outcome.file, fmt, output_path or export.default_output(outcome.file, fmt),
                                tag=project.image.tag, containers=Containers(verbose=verbose, log=log))
        emit(as_json, {**report.image_dict(outcome), **sboms[0], "output": report.export_dict(written)},
             report.image_text(outcome) + sboms[1] + "\n" + report.export_text(written))
        return
    many = pipeline.image_many(project, names, jobs=jobs, verbose=verbose, log=log, build_first=not no_build,
                               output=sys.stderr.buffer, check=s.check)
    data, text = report.many_dict(many), report.many_text(many)
    if sbom_format is not None:
        by_target = {r.target: _sboms(s.nix, r.outcome, sbom_format) for r in many.results if r.outcome is not None}
        for entry in data["targets"]:  # type: ignore[union-attr]
            entry.update(by_target.get(entry["target"], ({}, ""))[0])
        text += "".join(extra for _, extra in by_target.values())
    emit(as_json, data, text)
    for failed in many.failed:
        assert failed.error is not None
        log(f"[{failed.target}] error: {failed.error.message}" + (f" (hint: {failed.error.hint})" if failed.error.hint else ""))
        for line in (failed.error.details or "").splitlines():
            log(f"[{failed.target}]   | {line}")
    if many.failed:
        first = many.failed[0].error
        assert first is not None
        first = lock_mod.mismatch_error(project, first) or first
        raise retold(first, f"{len(many.failed)} of {len(many.results)} targets failed; first: {first.message}")


def _sboms(nix: Nix, outcome: pipeline.ImageOutcome, fmt: str | None) -> tuple[dict[str, object], str]:
    """`--sbom`: the SBOM files beside the image, as JSON fields and text lines."""
    if fmt is None:
        return {}, ""
    files = sbom_files.write(nix, outcome.info, outcome.file, outcome.file.parent, fmt)
    return {"sbom": {kind: str(path) for kind, path in files.items()}}, "".join(
        f"\nsbom:        {path} ({kind})" for kind, path in files.items())
