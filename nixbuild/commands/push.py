"""`nixbuild push`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import pipeline
from nixbuild.commands._common import common, emit, json_option, log, target_option
from nixbuild.registry import Containers


@click.command()
@common
@target_option
@json_option
@click.argument("ref", metavar="REF")
@click.option("--tls-verify/--no-tls-verify", default=True, show_default=True,
              help="Require HTTPS with a trusted certificate (turn off only for a local test registry).")
def push(directory: Path, verbose: bool, target: str | None, as_json: bool, ref: str, tls_verify: bool) -> None:
    """Build the image and push it to a registry: REF is HOST[:PORT]/NAME[:TAG] (uses skopeo)."""
    project = pipeline.load_project(directory)
    nix = pipeline.make_nix(project, verbose=verbose, log=log)
    nix.check_installed()
    name = pipeline.resolve_target(project, target)
    outcome = pipeline.image(project, nix, name, output=sys.stderr.buffer)
    result = Containers(verbose=verbose, log=log).push(outcome.file, ref, tls_verify=tls_verify)
    emit(as_json, {"version": 1, "target": name, "image": str(outcome.file), "reference": result.reference,
                   "digest": result.digest, "config_digest": outcome.info.config_digest},
         f"pushed:        {result.reference}\ndigest:        {result.digest}\n"
         f"config digest: {outcome.info.config_digest}")
