"""`nixbuild overlay list | new | check | why | prune`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nixbuild import overlay_check, overlays, pipeline
from nixbuild.commands._common import common, emit, json_option, log
from nixbuild.config import CONFIG_NAME
from nixbuild.errors import EXIT_FAILURE, NixbuildError, UsageError


class OverlayCheckFailed(NixbuildError):
    """`overlay check` found a broken overlay or a failing overlay test (exit 1)."""

    exit_code = EXIT_FAILURE


def _inspector(directory: Path, verbose: bool) -> overlay_check.Inspector:
    project = pipeline.load_project(directory, log)
    nix = pipeline.make_nix(project, verbose=verbose, log=log)
    return overlay_check.Inspector(project, nix)


@click.group()
def overlay() -> None:
    """List, scaffold, check and prune the overlays applied to the package set."""


@overlay.command("list")
@common
@json_option
def list_(directory: Path, verbose: bool, as_json: bool) -> None:
    """Each overlay, in order, with the attributes it overrides and the targets it applies to."""
    inspector = _inspector(directory, verbose)
    rows = overlay_check.listing(inspector)
    lines = []
    for row in rows:
        lines.append(f"{row.overlay.name}  ({row.overlay.origin})")
        if row.overlay.summary:
            lines.append(f"  {row.overlay.summary}")
        lines.append("  overrides: " + (", ".join(row.attrs) or "nothing on the configured targets"))
        lines.append("  targets:   " + (", ".join(row.targets) or "none"))
        if row.broken:
            lines.append(f"  BROKEN:    {row.broken.text()}")
    emit(as_json, {"version": 1, "overlays": [r.to_json() for r in rows]}, "\n".join(lines) or "no overlays")


@overlay.command("new")
@common
@json_option
@click.argument("name")
@click.option("--attr", required=True, metavar="PKG", help="The package-set attribute the overlay overrides.")
def new(directory: Path, verbose: bool, as_json: bool, name: str, attr: str) -> None:
    """Scaffold overlays/NAME.nix (header filled in) and its test, overlays/tests/NAME.nix."""
    project = pipeline.load_project(directory, log)
    made = overlays.scaffold(project, name, attr)
    rel = made.overlay.relative_to(project.root).as_posix()
    text = f"created {rel}\ncreated {made.test.relative_to(project.root).as_posix()}"
    if not made.matched:
        text += f'\nnote: [nixpkgs] overlays in {CONFIG_NAME} does not match it yet: add overlays = ["overlays/*.nix"]'
    emit(as_json, {"version": 1, "overlay": str(made.overlay), "test": str(made.test), "applied": made.matched}, text)


def _check_text(results: tuple[overlay_check.OverlayResult, ...]) -> str:
    lines = []
    for r in results:
        line = f"{r.status:8}  {r.overlay.name}"
        if r.broken:
            line += f"  {r.broken.text()}"
        elif r.attrs:
            line += "  (" + ", ".join(r.attrs) + " on " + (", ".join(r.targets) or "no target") + ")"
        if r.test:
            line += f"  test {r.test}"
        lines.append(line)
    return "\n".join(lines) or "no overlays"


@overlay.command("check")
@common
@json_option
def check(directory: Path, verbose: bool, as_json: bool) -> None:
    """Evaluate every overlay on every target; report stale and broken ones (exit 1 when one is broken)."""
    results = _inspector(directory, verbose).check()
    emit(as_json, {"version": 1, "overlays": [r.to_json() for r in results]}, _check_text(results))
    broken = [r for r in results if r.status == "broken"]
    failed = [r for r in results if r.test and r.test != "passed"]
    if broken:
        b = broken[0].broken
        assert b is not None
        raise OverlayCheckFailed(f"overlay {b.text()}", hint="fix the overlay or remove it from [nixpkgs] overlays")
    if failed:
        raise OverlayCheckFailed(f"overlay test of {failed[0].overlay.name} {failed[0].test}",
                                 hint="see overlays/tests/ beside the overlay")


@overlay.command("why")
@common
@json_option
@click.argument("attr", metavar="PKG")
def why(directory: Path, verbose: bool, as_json: bool, attr: str) -> None:
    """Which overlays touch PKG, and whether PKG is in the image closure of each target."""
    from nixbuild.config import _ATTR_PATH  # the same check [package] inputs uses

    if not _ATTR_PATH.match(attr):
        raise UsageError(f"{attr!r} is not a package-set attribute path", hint="e.g. openssl or python3Packages.six")
    result = overlay_check.why(_inspector(directory, verbose), attr)
    lines = []
    for t in result.targets:
        state = {True: "in the image", False: "not in the image", None: "image not built (run nixbuild image)"}
        where = state[t.in_image] if t.outputs else f"{attr} is not available on this target"
        lines.append(f"{t.target}: overlays: {', '.join(t.overlays) or 'none'}; {where}")
    emit(as_json, result.to_json(), "\n".join(lines))


@overlay.command("prune")
@common
@json_option
@click.option("--yes", is_flag=True, help="Remove without asking (CI).")
def prune(directory: Path, verbose: bool, as_json: bool, yes: bool) -> None:
    """Remove stale project overlays (and their tests) after confirmation."""
    inspector = _inspector(directory, verbose)
    results = inspector.check(run_tests=False)
    stale = [r for r in results if r.status == "stale" and r.overlay.origin == "project"]
    removed: list[str] = []
    if stale and not yes:
        if not sys.stdin.isatty():
            raise UsageError(f"{len(stale)} stale overlay(s) to remove: " + ", ".join(r.overlay.name for r in stale),
                             hint="confirm with --yes")
        click.echo("stale: " + ", ".join(r.overlay.name for r in stale), err=True)
        if not click.confirm("remove them?", err=True):
            stale = []
    for r in stale:
        test = overlay_check.test_file(inspector.project, r.overlay)
        r.overlay.file.unlink()
        if test is not None:
            test.unlink()
        removed.append(r.overlay.name)
    text = "\n".join(f"removed {n}" for n in removed) or "nothing to prune"
    if removed and (inspector.project.root / "nixbuild.lock").is_file():
        text += "\nnixbuild.lock is now stale: run `nixbuild lock`"
    emit(as_json, {"version": 1, "removed": removed}, text)
