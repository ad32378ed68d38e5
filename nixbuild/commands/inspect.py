"""`nixbuild inspect`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import closure
from nixbuild import inspect as inspect_mod
from nixbuild.commands._common import common, emit, json_option, log, target_option
from nixbuild.errors import UsageError
from nixbuild.report import SCHEMA_VERSION, human_size


def inspection_dict(ins: inspect_mod.Inspection, tree: bool) -> dict[str, object]:
    info = ins.info
    data: dict[str, object] = {
        "version": SCHEMA_VERSION,
        "image": str(info.path),
        "reference": info.repo_tags[0] if info.repo_tags else "",
        "entrypoint": info.config.get("Entrypoint") or [],
        "roots": list(ins.roots),
        "image_size": info.size,
        "closure_size": ins.closure_size,
        "path_count": len(ins.entries),
        "layer_count": len(info.layers),
        "layers": [{"index": i, "digest": layer.digest, "size": layer.size, "store_paths": list(layer.store_paths)}
                   for i, layer in enumerate(info.layers)],
        "store_paths": [{"path": e.path, "size": e.size, "layer": e.layer, "package": e.package,
                         "output": e.output, "references": list(ins.graph.infos[e.path].references),
                         "source": e.source, "empty": e.empty} for e in ins.entries],
    }
    if tree:
        data["tree"] = {root: ins.graph.tree(root) for root in ins.roots}
    return data


def inspection_text(ins: inspect_mod.Inspection, tree: bool) -> str:
    info = ins.info
    rows = [("SIZE", "LAYER", "PACKAGE", "OUTPUT", "STORE PATH")]
    for e in ins.entries:
        note = ("  (empty)" if e.empty else "") + (
            "" if e.source == "store" else "  (not in the local store; size from the layer)")
        rows.append((human_size(e.size), str(e.layer), e.package, e.output, e.path + note))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"image:       {info.path}" + (f" ({info.repo_tags[0]})" if info.repo_tags else ""),
             f"entrypoint:  {' '.join(info.config.get('Entrypoint') or [])}"]
    lines += ["  ".join([r[0].rjust(widths[0]), r[1].rjust(widths[1]), r[2].ljust(widths[2]),
                         r[3].ljust(widths[3]), r[4]]).rstrip() for r in rows]
    closure_size = ins.closure_size
    ratio = f", image/closure {info.size / closure_size:.3f}" if closure_size else ""
    lines.append(f"total: {len(ins.entries)} store paths, closure {human_size(closure_size)} ({closure_size} bytes); "
                 f"image {human_size(info.size)} ({info.size} bytes), {len(info.layers)} layers{ratio}")
    for e in ins.empty:
        lines.append(f"empty: {closure.short(e.path)} (output {e.output} of {e.package}) holds no file: "
                     "the build installed nothing into it")
    if tree:
        for root in ins.roots:
            label = "entrypoint" if root == ins.entrypoint else "contents root"
            lines.append(f"tree from {closure.short(root)} ({label}):")
            lines += ins.graph.tree(root, indent="  ")
    return "\n".join(lines)


@click.command()
@common
@target_option
@json_option
@click.option("--tree", is_flag=True, help="Also print the reference tree from the entrypoint and the other roots.")
@click.argument("image", required=False, type=click.Path(path_type=Path))
def inspect(directory: Path, verbose: bool, target: str | None, as_json: bool, tree: bool,
            image: Path | None) -> None:
    """Show every store path of an image: NAR size, layer, package output; totals.

    IMAGE is an OCI layout or a docker-archive; without it, the project's image for the target
    (built if needed)."""
    if image is not None and target is not None:
        raise UsageError("--target applies to the project's image, not to an IMAGE file",
                         hint="drop one of them")
    if image is not None:
        ins = inspect_mod.of_file(image, verbose=verbose, log=log)
    else:
        ins = inspect_mod.of_project(directory, target, verbose=verbose, log=log, output=sys.stderr.buffer)
    emit(as_json, inspection_dict(ins, tree), inspection_text(ins, tree))
