"""`nixbuild push`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import pipeline
from nixbuild.commands._common import build_image, check_option, common, emit, json_option, locked_option, log, start, target_option
from nixbuild.errors import UsageError
from nixbuild.registry import Containers


@click.command()
@common
@check_option
@locked_option
@target_option
@json_option
@click.argument("ref", metavar="REF")
@click.option("--tls-verify/--no-tls-verify", default=True, show_default=True,
              help="Require HTTPS with a trusted certificate (turn off only for a local test registry).")
@click.option("--all", "all_targets", is_flag=True,
              help="Build every target in [target] platforms and push the multi-platform index.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="With --all: build this many targets in parallel.")
def push(directory: Path, verbose: bool, target: str | None, as_json: bool, ref: str, tls_verify: bool,
         all_targets: bool, jobs: int, locked: bool | None, check: bool) -> None:
    """Build the image and push it to a registry: REF is HOST[:PORT]/NAME[:TAG] (uses skopeo)."""
    s = start(directory, verbose, locked, check=check)
    project = s.project
    if all_targets:
        if target is not None:
            raise UsageError("--all and --target exclude each other", hint="--all pushes every configured target")
        names = project.target.platforms
        many = pipeline.image_many(project, names, jobs=jobs, verbose=verbose, log=log, output=sys.stderr.buffer, check=s.check)
        if many.failed or many.index is None:
            failed = ", ".join(r.target for r in many.failed) or "fewer than two targets"
            raise UsageError(f"no index to push ({failed})",
                             hint="fix the failing targets (see `nixbuild image --target all`), or push one target")
        result = Containers(verbose=verbose, log=log).push_index(many.index.layout, ref, tls_verify=tls_verify)
        emit(as_json, {"version": 1, "targets": list(names), "index": str(many.index.layout),
                       "reference": result.reference, "digest": result.digest},
             f"pushed:  {result.reference} ({len(many.index.entries)} platforms)\ndigest:  {result.digest}")
        return
    name = pipeline.resolve_target(project, target)
    outcome = build_image(s, name)
    result = Containers(verbose=verbose, log=log).push(outcome.file, outcome.reference.rpartition(":")[2], ref,
                                                       tls_verify=tls_verify)
    emit(as_json, {"version": 1, "target": name, "image": str(outcome.file), "reference": result.reference,
                   "digest": result.digest, "config_digest": outcome.info.config_digest},
         f"pushed:        {result.reference}\ndigest:        {result.digest}\n"
         f"config digest: {outcome.info.config_digest}")
