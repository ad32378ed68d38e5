"""Turns results into what the CLI prints: human text or JSON-ready dicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nixbuild import __version__, fixup

if TYPE_CHECKING:  # types only: a no-op `nixbuild image` imports none of these
    from nixbuild.archivediff import FileDifference
    from nixbuild.export import Exported
    from nixbuild.pipeline import BuildOutcome, ImageOutcome, ManyOutcome
    from nixbuild.render import RenderReport
    from nixbuild.verify import VerifyOutcome

SCHEMA_VERSION = 1


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def image_dict(outcome: ImageOutcome) -> dict[str, object]:
    info = outcome.info
    return {
        "version": SCHEMA_VERSION,
        "nixbuild": __version__,
        "target": outcome.target,
        "image": str(outcome.file),
        "layout": f"oci:{outcome.file}:{outcome.reference.rpartition(':')[2]}",
        "manifest_digest": outcome.manifest_digest,
        "archive": str(outcome.archive) if outcome.archive else None,
        "reference": outcome.reference,
        "architecture": info.architecture,
        "variant": info.variant,
        "os": info.os,
        "size": info.size,
        "config_digest": info.config_digest,
        "layer_count": len(info.layers),
        "layers": [{"digest": l.digest, "size": l.size, "store_paths": list(l.store_paths)} for l in info.layers],
        "config": info.config,
        "stream_script": outcome.stream_script,
        "stream_conf": outcome.stream_conf,
        "debug_image": str(outcome.debug_file) if outcome.debug_file else None,
        "debug_archive": str(outcome.debug_archive) if outcome.debug_archive else None,
        "unchanged": outcome.unchanged,
        "layers_streamed": list(outcome.streamed),
        "plan": ({"how": outcome.plan.how, "build_system": outcome.plan.build_system,
                  "builder": outcome.plan.builder, "reason": outcome.plan.reason} if outcome.plan else None),
        "store_paths": [{"path": p.path, "size": p.size} for p in outcome.store_paths],
        "closure_size": sum(p.size for p in outcome.store_paths),
        "proof": outcome.proof.as_dict() if outcome.proof is not None else {"passed": None, "skipped": True},
        "tests": [r.as_dict() for r in outcome.tests] if outcome.tests is not None else None,
        "fixup": [fixup.as_dict(f) for f in outcome.fixup] if outcome.fixup is not None else None,
    }


def image_text(outcome: ImageOutcome) -> str:
    info = outcome.info
    closure = sum(p.size for p in outcome.store_paths)
    arch = info.architecture + (f"/{info.variant}" if info.variant else "")
    tag = outcome.reference.rpartition(":")[2]
    made = ("unchanged: nothing written" if outcome.unchanged
            else f"{len(outcome.streamed)} of {len(info.layers)} layers made, the rest from the layer cache")
    lines = [
        f"image:       {outcome.file}",
        f"layers:      {made}",
        *([f"archive:     {outcome.archive}"] if outcome.archive else []),
        f"reference:   {outcome.reference}",
        f"target:      {outcome.target} ({info.os}/{arch})"
        + (f", {outcome.plan.reason}" if outcome.plan else ""),
        f"size:        {human_size(info.size)} ({info.size} bytes), {len(info.layers)} layers",
        f"entrypoint:  {' '.join(info.config.get('Entrypoint') or [])}",
        f"user:        {info.config.get('User', 'root')}",
        f"store paths: {len(outcome.store_paths)}, {human_size(closure)} ({closure} bytes)",
    ]
    for p in sorted(outcome.store_paths, key=lambda p: (-p.size, p.path)):
        lines.append(f"  {human_size(p.size):>10}  {p.path}")
    if outcome.fixup is not None:
        changed = sum(1 for f in outcome.fixup if f.changed)
        lines.append(f"fix-up:      {changed} of {len(outcome.fixup)} ELF files changed (interpreter, RUNPATH)")
        lines.extend(f"  {line}" for line in fixup.text_lines(outcome.fixup))
    lines.append("proof:       " + (outcome.proof.summary() if outcome.proof is not None
                                  else "skipped (--no-check): nothing proved that the image starts"))
    if outcome.tests is not None:
        lines.append(f"tests:       {len(outcome.tests)} passed ([test], run in the image)")
        lines.extend(f"  {r.line()}" for r in outcome.tests)
    if outcome.debug_file is not None:
        lines.append(f"debug:       {outcome.debug_file} (tag {info.repo_tags[0].rsplit(':', 1)[-1]}-debug, busybox at /busybox/sh)")
    if outcome.archive:
        lines.append(f"load it with: docker load -i {outcome.archive}   (or podman load -i …)")
    else:
        lines.append(f"load it with: nixbuild load, or skopeo copy oci:{outcome.file}:{tag} docker-daemon:{outcome.reference}")
    return "\n".join(lines)


def build_dict(outcome: BuildOutcome) -> dict[str, object]:
    return {
        "version": SCHEMA_VERSION,
        "target": outcome.target,
        "builder": outcome.builder,
        "out_paths": list(outcome.out_paths),
        "artifact": str(outcome.artifact[0]) if outcome.artifact else None,
        "artifacts": [str(p) for p in outcome.artifact] if outcome.artifact else None,
    }


def build_text(outcome: BuildOutcome) -> str:
    if outcome.artifact is not None:
        return f"built {', '.join(map(str, outcome.artifact))} (target {outcome.target}, in nix-shell)"
    return "\n".join([f"built for {outcome.target}:", *(f"  {p}" for p in outcome.out_paths)])


def render_dict(report: RenderReport, dry_run: bool) -> dict[str, object]:
    return {
        "version": SCHEMA_VERSION,
        "directory": str(report.directory),
        "dry_run": dry_run,
        "files": [{"path": c.path, "status": c.status} for c in report.changes],
    }


def render_text(report: RenderReport, dry_run: bool) -> str:
    counts: dict[str, int] = {}
    for change in report.changes:
        counts[change.status] = counts.get(change.status, 0) + 1
    lines = [
        f"  {c.status:9} {c.path}" for c in report.changes if c.status != "unchanged"
    ]
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    verb = "would write" if dry_run else "wrote"
    head = f"{verb} {report.directory}: {summary}" if report.changed else f"{report.directory} is up to date ({summary})"
    return "\n".join([head, *lines])


def _checked(outcome: ImageOutcome) -> str:
    """What was proven of one target's image: "proof passed, 2 tests passed"."""
    if outcome.proof is None:
        return "proof and tests skipped (--no-check)"
    tests = outcome.tests
    if not tests:
        return "proof passed"
    passed = sum(1 for t in tests if t.passed)  # every one: a failed test leaves no image
    return f"proof passed, {passed} test{'s' * (passed != 1)} passed"


def many_dict(many: ManyOutcome) -> dict[str, object]:
    targets: list[dict[str, object]] = []
    for r in many.results:
        if r.outcome is not None:
            targets.append({"status": "ok", **image_dict(r.outcome)})
        else:
            assert r.error is not None
            targets.append({"target": r.target, "status": "failed", "error": r.error.message,
                            "exit_code": r.error.exit_code})
    index = None
    if many.index is not None:
        index = {
            "layout": str(many.index.layout),
            "tag": many.index.tag,
            "digest": many.index.index_digest,
            "manifests": [{"platform": e.platform, "digest": e.manifest_digest, "size": e.size}
                          for e in many.index.entries],
        }
    if index is not None:
        index["left_out"] = list(many.left_out)
    return {"version": SCHEMA_VERSION, "nixbuild": __version__, "targets": targets, "index": index}


def many_text(many: ManyOutcome) -> str:
    rows = [("TARGET", "STATUS", "PLATFORM", "SIZE", "DIGEST (config)")]
    for r in many.results:
        if r.outcome is not None:
            info = r.outcome.info
            arch = info.os + "/" + info.architecture + (f"/{info.variant}" if info.variant else "")
            rows.append((r.target, "ok", arch, human_size(info.size), info.config_digest[:19]))
        else:
            assert r.error is not None
            rows.append((r.target, "FAILED", "-", "-", r.error.message[:60]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    for r in many.results:
        if r.outcome is not None:
            lines.append(f"{r.target}: {r.outcome.file} ({_checked(r.outcome)})")
    if many.index is not None:
        lines.append(f"index: {many.index.layout} (oci:{many.index.layout}:{many.index.tag}, {many.index.index_digest})")
        for target in many.left_out:
            lines.append(f"  {target} is not in the index: an earlier target has the same platform")
    elif many.failed:
        lines.append("index: not written (a target failed)")
    return "\n".join(lines)


def verify_dict(outcome: VerifyOutcome) -> dict[str, object]:
    def files(diffs: tuple[FileDifference, ...]) -> list[dict[str, object]]:
        return [{"path": f.path, "differs": list(f.fields), "first": f.first, "second": f.second} for f in diffs]

    targets: list[dict[str, object]] = []
    for t in outcome.targets:
        c = t.comparison
        targets.append({
            "target": t.target,
            "image": str(t.image),
            "identical": t.identical,
            "checks": [{
                "role": check.role,
                "derivation": check.derivation,
                "identical": check.identical,
                "outputs": [{"output": o.output, "rebuild": o.rebuild, "layer": o.layer, "files": files(o.files)}
                            for o in check.outputs],
            } for check in t.checks],
            "second_build": {
                "directory": str(t.copy_location),
                "identical": c.identical,
                "manifest": [c.first_manifest, c.second_manifest],
                "config_digest": [c.first_config, c.second_config],
                "config_differs": list(c.config_fields),
                "layers": [{"index": [l.index, l.second_index], "digest": [l.first_digest, l.second_digest],
                            "store_paths": list(l.store_paths), "files": files(l.files)} for l in c.layers],
            },
        })
    return {"version": SCHEMA_VERSION, "nixbuild": __version__, "identical": outcome.identical, "targets": targets}


def _file_lines(diffs: tuple[FileDifference, ...], indent: str, limit: int = 20) -> list[str]:
    lines = []
    for f in diffs[:limit]:
        lines.append(f"{indent}{f.path}: {', '.join(f.fields)}")
        lines.append(f"{indent}    first:  {f.first}")
        lines.append(f"{indent}    second: {f.second}")
    if len(diffs) > limit:
        lines.append(f"{indent}… and {len(diffs) - limit} more (--json lists all)")
    return lines


def verify_text(outcome: VerifyOutcome) -> str:
    lines: list[str] = []
    for t in outcome.targets:
        lines.append(f"{t.target}: {'identical' if t.identical else 'NOT REPRODUCIBLE'}  ({t.image})")
        lines.append("  rebuild of each derivation (nix-build --check):")
        for check in t.checks:
            lines.append(f"    {'identical' if check.identical else 'DIFFERS  '}  {check.role:20} {check.derivation}")
            for o in check.outputs:
                layer = f" (image layer {o.layer})" if o.layer is not None else ""
                lines.append(f"      output {o.output}{layer}" + (f", rebuilt at {o.rebuild}" if o.rebuild else ""))
                lines.extend(_file_lines(o.files, "        "))
        c = t.comparison
        lines.append("  second build of a copy in another directory, with another TMPDIR:")
        same = lambda a, b: f"identical {a}" if a == b else f"DIFFERS {a} vs {b}"
        lines.append(f"    manifest  {same(c.first_manifest, c.second_manifest)}")
        lines.append(f"    config    {same(c.first_config, c.second_config)}")
        for field in c.config_fields[:20]:
            lines.append(f"      {field}")
        if not c.layers:
            lines.append("    layers    identical")
        for l in c.layers:
            lines.append(f"    {l.label} DIFFERS: {l.first_digest} vs {l.second_digest}")
            lines.append(f"      store paths: {', '.join(l.store_paths) or '-'}")
            lines.extend(_file_lines(l.files, "      "))
    return "\n".join(lines)


def export_dict(written: Exported) -> dict[str, object]:
    return {"format": written.format, "path": str(written.path), "tag": written.tag,
            "manifest_digest": written.manifest_digest}


def export_text(written: Exported) -> str:
    where = {"oci": f"oci:{written.path}:{written.tag}", "oci-archive": f"oci-archive:{written.path}:{written.tag}"}
    line = f"{written.format + ':':12} {where.get(written.format, str(written.path))}"
    return line + (f" (manifest {written.manifest_digest})" if written.manifest_digest else "")
