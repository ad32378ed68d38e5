"""`nixbuild sbom`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from nixbuild import nixstore, pipeline, sbom as sbom_mod
from nixbuild.atomicfile import write_atomic
from nixbuild.commands._common import common, emit, json_option, log, target_option

SUFFIXES = {"spdx": ".spdx.json", "cyclonedx": ".cdx.json"}


@click.command()
@common
@target_option
@json_option
@click.option("--format", "fmt", type=click.Choice(["spdx", "cyclonedx", "both"]), default="both", show_default=True,
              help="SBOM format: SPDX 2.3 JSON, CycloneDX 1.5 JSON, or both.")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the SBOMs (default: nixbuild-result/TARGET/).")
def sbom(directory: Path, verbose: bool, target: str | None, as_json: bool, fmt: str, output_dir: Path | None) -> None:
    """Build the image and write its SBOM: one package per store path in the image."""
    created = sbom_mod.created_timestamp(os.environ.get("SOURCE_DATE_EPOCH"))
    project = pipeline.load_project(directory)
    nix = pipeline.make_nix(project, verbose=verbose, log=log)
    nix.check_installed()
    name = pipeline.resolve_target(project, target)
    outcome = pipeline.image(project, nix, name, output=sys.stderr.buffer)
    facts = nixstore.collect_store_facts(nix, outcome.info.store_paths)
    outdir = output_dir if output_dir is not None else pipeline.result_dir(project, name)
    stem = outcome.file.name.removesuffix(".tar")
    written: dict[str, str] = {}
    for kind in (("spdx", "cyclonedx") if fmt == "both" else (fmt,)):
        render = sbom_mod.spdx if kind == "spdx" else sbom_mod.cyclonedx
        path = outdir / (stem + SUFFIXES[kind])
        write_atomic(path, render(outcome.info, facts, created=created))
        written[kind] = str(path)
    data: dict[str, object] = {"version": 1, "target": name, "image": str(outcome.file),
                               "config_digest": outcome.info.config_digest,
                               "store_paths": len(facts), "files": written}
    text = "\n".join(f"{kind + ':':11s}{path}" for kind, path in written.items())
    emit(as_json, data, text)
