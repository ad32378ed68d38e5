"""`nixbuild sbom`."""

from __future__ import annotations

from pathlib import Path

import click

from nixbuild import pipeline, sbom_files
from nixbuild.commands._common import build_image, check_option, common, emit, json_option, locked_option, start, target_option

@click.command()
@common
@check_option
@locked_option
@target_option
@json_option
@click.option("--format", "fmt", type=click.Choice(sbom_files.FORMATS), default="both", show_default=True,
              help="SBOM format: SPDX 2.3 JSON, CycloneDX 1.5 JSON, or both.")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the SBOMs (default: nixbuild-result/TARGET/).")
def sbom(directory: Path, verbose: bool, target: str | None, as_json: bool, fmt: str, output_dir: Path | None, locked: bool | None, check: bool) -> None:
    """Build the image and write its SBOM: one package per store path in the image."""
    s = start(directory, verbose, locked, check=check)
    project, nix = s.project, s.nix
    name = pipeline.resolve_target(project, target)
    outcome = build_image(s, name)
    outdir = output_dir if output_dir is not None else pipeline.result_dir(project, name)
    files = sbom_files.write(nix, outcome.info, outcome.file, outdir, fmt)
    written = {kind: str(path) for kind, path in files.items()}
    data: dict[str, object] = {"version": 1, "target": name, "image": str(outcome.file),
                               "config_digest": outcome.info.config_digest,
                               "store_paths": len(outcome.info.store_paths), "files": written}
    text = "\n".join(f"{kind + ':':11s}{path}" for kind, path in written.items())
    emit(as_json, data, text)
