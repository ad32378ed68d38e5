"""`nixbuild test`."""

from __future__ import annotations

from pathlib import Path

import click

from nixbuild import pipeline
from nixbuild.commands._common import build_image, common, emit, json_option, locked_option, log, start
from nixbuild.config import CONFIG_NAME
from nixbuild.errors import NixbuildError, UsageError, retold
from nixbuild.smoke import Result, SmokeTestError


@click.command()
@common
@locked_option
@click.option("-t", "--target", "targets", multiple=True, metavar="TARGET",
              help="Target platform (repeatable; 'all' = every target in [target] platforms). Default: the first one.")
@json_option
@click.option("--no-build", is_flag=True, help="Shell mode: image the existing artifact without running the build command.")
def test(directory: Path, verbose: bool, targets: tuple[str, ...], as_json: bool, no_build: bool,
         locked: bool | None) -> None:
    """Build the image and run its [test] smoke tests in it (bubblewrap; qemu-user for foreign targets)."""
    s = start(directory, verbose, locked)
    project = s.project
    if not project.tests:
        raise UsageError(f"{CONFIG_NAME} has no [test]: there is nothing to run",
                         hint='add a smoke test, e.g. [[test]] with args = ["--version"] and stdout = "1\\\\.0"')
    names = pipeline.resolve_targets(project, targets)
    rows: list[dict[str, object]] = []
    lines: list[str] = []
    errors: list[tuple[str, NixbuildError]] = []
    for name in names:
        results: tuple[Result, ...] = ()
        image = None
        try:
            outcome = build_image(s, name, build_first=not no_build)
            results, image = outcome.tests or (), str(outcome.file)
        except SmokeTestError as exc:
            results = exc.results
            errors.append((name, exc))
        except NixbuildError as exc:  # the image could not be built or proven: no test ran
            if len(names) == 1:
                raise
            errors.append((name, exc))
            log(f"[{name}] error: {exc.message}")
        failed = sum(1 for r in results if not r.passed)
        rows.append({"target": name, "image": image, "passed": bool(results) and not failed,
                     "tests": [r.as_dict() for r in results]})
        if results:
            summary = f"{failed} of {len(results)} tests failed" if failed else f"{len(results)} tests passed"
            lines.append(f"{name}: {summary}" + (f" ({image})" if image else " (no image is written)"))
            lines.extend(f"  {r.line()}" for r in results)
        else:
            lines.append(f"{name}: no test ran (the image was not built)")
    emit(as_json, {"version": 1, "targets": rows, "passed": not errors}, "\n".join(lines))
    if errors:
        target, first = errors[0]
        raise first if len(names) == 1 else retold(first, f"[{target}] {first.message}"
                                                   + (f" ({len(errors)} of {len(names)} targets failed)"
                                                      if len(errors) > 1 else ""), details=first.details)
