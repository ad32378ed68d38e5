"""`nixbuild diff`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import closure
from nixbuild import inspect as inspect_mod
from nixbuild.commands._common import common, emit, json_option, log
from nixbuild.report import SCHEMA_VERSION, human_size


def _signed(n: int) -> str:
    return ("+" if n > 0 else "-" if n < 0 else "±") + human_size(abs(n)) + f" ({n:+d} B)"


def diff_dict(d: inspect_mod.Diff) -> dict[str, object]:
    def side(ins: inspect_mod.Inspection) -> dict[str, object]:
        return {"image": str(ins.info.path), "reference": ins.info.repo_tags[0] if ins.info.repo_tags else "",
                "size": ins.info.size, "closure_size": ins.closure_size, "layer_count": len(ins.info.layers),
                "layer_bytes": sum(layer.size for layer in ins.info.layers)}

    return {
        "version": SCHEMA_VERSION,
        "a": side(d.a),
        "b": side(d.b),
        "changes": [{"kind": c.kind, "name": c.name, "before": c.before, "after": c.after,
                     "size_before": c.size_before, "size_after": c.size_after, "delta": c.delta}
                    for c in d.changes],
        "image_size_delta": d.size_delta,
        "closure_size_delta": d.b.closure_size - d.a.closure_size,
        "shared_layers": [layer.digest for layer in d.shared_layers],
        "reused_bytes": d.reused_bytes,
        "reused_share": round(d.reused_share, 6),
    }


def diff_text(d: inspect_mod.Diff) -> str:
    lines = [f"A: {d.a.info.path} ({human_size(d.a.info.size)}, {len(d.a.info.layers)} layers)",
             f"B: {d.b.info.path} ({human_size(d.b.info.size)}, {len(d.b.info.layers)} layers)"]
    if not d.changes:
        lines.append("store paths: identical")
    for c in d.changes:
        where = c.after if c.kind == "added" else c.before if c.kind == "removed" else f"{c.before} → {c.after}"
        lines.append(f"  {c.kind:8} {c.name:40} {_signed(c.delta):>26}  {where}")
    lines.append(f"image bytes: {d.a.info.size} → {d.b.info.size}, {_signed(d.size_delta)}")
    lines.append(f"closure bytes: {d.a.closure_size} → {d.b.closure_size}, {_signed(d.b.closure_size - d.a.closure_size)}")
    lines.append(f"layers: {len(d.shared_layers)} of B's {len(d.b.info.layers)} shared with A; "
                 f"{human_size(d.reused_bytes)} ({d.reused_share:.1%}) of B's layer bytes reused")
    for i, layer in enumerate(d.b.info.layers):
        mark = "shared" if layer in d.shared_layers else "new   "
        lines.append(f"  {i:3} {mark} {layer.digest[:19]}  {human_size(layer.size):>10}  "
                     + (", ".join(closure.short(p) for p in layer.store_paths) or "(customisation layer)"))
    return "\n".join(lines)


@click.command()
@common
@json_option
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
def diff(directory: Path, verbose: bool, as_json: bool, a: Path, b: Path) -> None:
    """Compare two images: store paths added, removed and changed, with byte deltas, and the layers they share.

    A and B are docker-archives, or project directories (their current image
    for the default target); relative paths are taken from -C DIR."""
    before = inspect_mod.of_image_or_project(directory / a, verbose=verbose, log=log, output=sys.stderr.buffer)
    after = inspect_mod.of_image_or_project(directory / b, verbose=verbose, log=log, output=sys.stderr.buffer)
    d = inspect_mod.diff(before, after)
    emit(as_json, diff_dict(d), diff_text(d))
