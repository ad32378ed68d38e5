"""`nixbuild why`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import closure
from nixbuild import inspect as inspect_mod
from nixbuild.commands._common import common, emit, json_option, log, target_option
from nixbuild.errors import UsageError
from nixbuild.report import SCHEMA_VERSION, human_size


@click.command()
@common
@target_option
@json_option
@click.option("--image", "image", type=click.Path(path_type=Path), default=None,
              help="An OCI layout or docker-archive to explain (default: the project's image).")
@click.argument("path")
def why(directory: Path, verbose: bool, target: str | None, as_json: bool, image: Path | None, path: str) -> None:
    """Why PATH is in the image: the reference chain from the entrypoint to it.

    PATH is a store path (or a file inside one) or a name fragment such as
    `openssl`. Exit code 1 when it is not in the image."""
    if image is not None and target is not None:
        raise UsageError("--target applies to the project's image, not to --image", hint="drop one of them")
    if image is not None:
        ins = inspect_mod.of_file(image, verbose=verbose, log=log)
    else:
        ins = inspect_mod.of_project(directory, target, verbose=verbose, log=log, output=sys.stderr.buffer)
    found = inspect_mod.find_path(ins, path)
    chain = inspect_mod.why(ins, found) or [found]
    entry = next(e for e in ins.entries if e.path == found)
    root = chain[0]
    kind = "entrypoint" if root == ins.entrypoint else "contents root"
    data = {"version": SCHEMA_VERSION, "image": str(ins.info.path), "path": found, "size": entry.size,
            "layer": entry.layer, "root": root, "root_kind": kind, "chain": chain}
    lines = [f"{found} ({human_size(entry.size)}, layer {entry.layer}) is in the image because:"]
    for depth, step in enumerate(chain):
        arrow = "  " * depth + ("" if depth == 0 else "→ ")
        note = f"  ({kind})" if depth == 0 else ""
        lines.append(f"  {arrow}{closure.short(step)}{note}  {step}")
    emit(as_json, data, "\n".join(lines))
