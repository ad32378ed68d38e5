"""`nixbuild provenance`."""

from __future__ import annotations

from pathlib import Path

import click

from nixbuild import lock as lock_mod
from nixbuild import overlays as overlays_mod
from nixbuild import pipeline, provenance as prov
from nixbuild.atomicfile import write_atomic
from nixbuild.commands._common import build_image, check_option, common, emit, json_option, locked_option, start, target_option
from nixbuild.config import Project
from nixbuild.render import GENERATED_DIR, LOCK_NAME


def nixpkgs_pin(project: Project) -> prov.NixpkgsPin:
    source = project.nixpkgs.source
    if source == "hostpkgs":
        # The copy .nixbuild/ actually imports (written by the image build).
        return prov.NixpkgsPin("hostpkgs", tree_hash=prov.tree_hash(project.root / GENERATED_DIR / "hostpkgs"))
    if source == "path":
        return prov.NixpkgsPin("path", url=project.nixpkgs.path)
    if source == "lock":
        pin = lock_mod.required_pin(project)
        return prov.NixpkgsPin("lock", url=pin.uri, sha256=pin.sha256)
    return prov.NixpkgsPin(source)  # channel: unpinned


@click.command()
@common
@check_option
@locked_option
@target_option
@json_option
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the statement (default: nixbuild-result/TARGET/).")
@click.option("--builder-id", default=prov.DEFAULT_BUILDER_ID, show_default=True,
              help="runDetails.builder.id: who ran the build (e.g. your CI's workflow URI).")
def provenance(directory: Path, verbose: bool, target: str | None, as_json: bool, output_dir: Path | None,
               builder_id: str, locked: bool | None, check: bool) -> None:
    """Build the image and write its SLSA v1 provenance (an in-toto Statement)."""
    s = start(directory, verbose, locked, check=check)
    project, nix_version = s.project, s.nix_version
    name = pipeline.resolve_target(project, target)
    outcome = build_image(s, name, archive=True)  # the docker-archive is one of the subjects
    assert outcome.archive is not None
    manifest_digest = outcome.manifest_digest
    lock = project.root / LOCK_NAME
    data = prov.statement(
        outcome.info,
        archive_name=outcome.archive.name,
        archive_sha256=prov.sha256_file(outcome.archive),
        target=name,
        config_name=project.config_file.name,
        config_sha256=prov.sha256_file(project.config_file),
        nixpkgs=nixpkgs_pin(project),
        source_tree_hash=prov.tree_hash(project.root),
        lock_sha256=prov.sha256_file(lock) if lock.is_file() else None,
        overlays=overlays_mod.hashes(project),
        manifest_digest=manifest_digest,
        nix_version=nix_version,
        builder_id=builder_id,
    )
    outdir = output_dir if output_dir is not None else pipeline.result_dir(project, name)
    path = outdir / (outcome.archive.name.removesuffix(".tar") + ".provenance.json")
    write_atomic(path, data)
    emit(as_json, {"version": 1, "target": name, "file": str(path), "config_digest": outcome.info.config_digest,
                   "manifest_digest": manifest_digest}, f"provenance: {path}")
