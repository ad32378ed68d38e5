"""What each overlay does on each configured target: the attributes it
overrides, whether it still changes anything (stale), whether it evaluates
(broken, with file, line and Nix's message), and which overlays touch a
package that is in an image's closure.

One ``nix-instantiate --eval`` of ``overlay_inspect.nix`` per overlay and
target. Overlay *i* is compared with the overlays before it: "with" applies
overlays 0…i, "without" 0…i-1 (so a later overlay never hides an earlier one's
effect, and a broken overlay does not make the ones before it look broken).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nixbuild import closure, overlays, pipeline, render
from nixbuild.config import Project
from nixbuild.errors import NixbuildError, NixFailedError
from nixbuild.nix import Nix
from nixbuild.overlays import Overlay

INSPECT = Path(__file__).resolve().parent / "overlay_inspect.nix"
_LOCATION = re.compile(r"\bat (/[^\s:]+):(\d+):(\d+)")


@dataclass(frozen=True)
class Broken:
    target: str
    file: str  # the overlay (relative to the project, or nixbuild/<file>)
    line: int | None
    message: str

    def text(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message} (target {self.target})"


@dataclass(frozen=True)
class AttrResult:
    target: str
    name: str
    status: str  # "changed" | "same" | "added" | "unavailable" | "not-a-derivation" | "broken"


@dataclass(frozen=True)
class OverlayResult:
    overlay: Overlay
    attrs: tuple[str, ...]  # every attribute it returns on some target
    targets: tuple[str, ...]  # the targets where it returns any attribute
    status: str  # "active" | "stale" | "broken" | "inactive" | "unknown" | "skipped"
    broken: Broken | None = None
    results: tuple[AttrResult, ...] = ()
    test: str | None = None  # "passed" | "failed: …" | None (no test file)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.overlay.name,
            "origin": self.overlay.origin,
            "file": str(self.overlay.file),
            "summary": self.overlay.summary,
            "attrs": list(self.attrs),
            "targets": list(self.targets),
            "status": self.status,
            "broken": None if self.broken is None else {
                "target": self.broken.target, "file": self.broken.file, "line": self.broken.line,
                "message": self.broken.message},
            "results": [{"target": r.target, "attr": r.name, "status": r.status} for r in self.results],
            "test": self.test,
        }


@dataclass
class Inspector:
    project: Project
    nix: Nix
    applied: tuple[Overlay, ...] = field(default=())

    def __post_init__(self) -> None:
        render.write(self.project)
        self.applied = overlays.applied(self.project)

    def _args(self, target: str, index: int, mode: str, attr: str = "") -> dict[str, str]:
        plan = pipeline.plan_target(self.nix, target)
        return {
            "generated": str(self.project.root / render.GENERATED_DIR),
            "target": target,
            "buildSystem": plan.build_system,
            "files": json.dumps([str(o.file.resolve()) for o in self.applied]),
            "index": str(index),
            "mode": mode,
            "attr": attr,
        }

    def eval(self, target: str, index: int, mode: str, attr: str = "") -> Any:
        return self.nix.eval_json(INSPECT, None, argstrs=self._args(target, index, mode, attr))

    def broken(self, exc: NixbuildError, target: str, overlay: Overlay) -> Broken:
        text = exc.log or exc.message + "\n" + (exc.details or "")
        message = next((line.strip().removeprefix("error:").strip() for line in text.splitlines()
                        if line.strip().startswith("error:")), exc.message)
        line = None
        own = str(overlay.file.resolve())
        for match in _LOCATION.finditer(text):
            if match.group(1) == own:
                line = int(match.group(2))
                break
        message = _LOCATION.sub("", message).rstrip(" ,:")
        return Broken(target=target, file=overlay.name, line=line, message=message)

    def names(self, target: str, index: int) -> tuple[str, ...]:
        return tuple(self.eval(target, index, "names")["names"])

    def check(self, *, run_tests: bool = True) -> tuple[OverlayResult, ...]:
        reports = []
        broken_on: set[str] = set()  # targets where an earlier overlay is broken
        for index, overlay in enumerate(self.applied):
            reports.append(self._check_one(index, overlay, broken_on, run_tests))
        return tuple(reports)

    def _check_one(self, index: int, overlay: Overlay, broken_on: set[str], run_tests: bool) -> OverlayResult:
        results: list[AttrResult] = []
        attrs: dict[str, None] = {}
        targets: list[str] = []
        broken: Broken | None = None
        skipped = 0
        for target in self.project.target.platforms:
            if target in broken_on:
                skipped += 1
                continue
            try:
                data = self.eval(target, index, "check")
            except NixFailedError as exc:
                broken = broken or self.broken(exc, target, overlay)
                broken_on.add(target)
                continue
            if data["names"]:
                targets.append(target)
            for entry in data["attrs"]:
                attrs[entry["name"]] = None
                status = _status(entry["with"], entry["without"])
                if status == "broken":
                    broken = broken or self._force(target, index, overlay, entry["name"])
                    broken_on.add(target)
                results.append(AttrResult(target, entry["name"], status))
        statuses = {r.status for r in results}
        if broken is not None:
            status = "broken"
        elif skipped == len(self.project.target.platforms):
            status = "skipped"
        elif statuses & {"changed", "added", "not-a-derivation"}:
            status = "active"
        elif "same" in statuses:
            status = "stale"
        elif not targets:
            status = "inactive"
        else:
            status = "unknown"  # only unavailable attributes
        test = self._test(overlay) if run_tests and status != "broken" else None
        return OverlayResult(overlay, tuple(attrs), tuple(targets), status, broken, tuple(results), test)

    def _force(self, target: str, index: int, overlay: Overlay, name: str) -> Broken:
        """tryEval caught a `throw` with the overlay only: evaluate that drvPath again for Nix's message."""
        try:
            self.eval(target, index, "force", name)
        except NixFailedError as exc:
            return self.broken(exc, target, overlay)
        return Broken(target, overlay.name, None, f"evaluating {name} fails with the overlay and not without it")

    def _test(self, overlay: Overlay) -> str | None:
        test = test_file(self.project, overlay)
        if test is None:
            return None
        for target in self.project.target.platforms:
            try:
                value = self.nix.eval_json(test, None, argstrs={"target": target})
            except NixFailedError as exc:
                return f"failed on {target}: {exc.message}"
            if value is not True:
                return f"failed on {target}: evaluated to {json.dumps(value)}, not true"
        return "passed"


def _status(with_: Any, without: Any) -> str:
    if with_ is False:
        return "unavailable" if without is False else "broken"
    if with_ == "not-a-derivation":
        return "not-a-derivation"
    if without in ("absent", False) or without == "not-a-derivation":
        return "added"
    return "same" if with_ == without else "changed"


def test_file(project: Project, overlay: Overlay) -> Path | None:
    """A project overlay's test: tests/<file> beside it (written by `nixbuild overlay new`)."""
    if overlay.origin != "project":
        return None
    path = overlay.file.parent / "tests" / overlay.file.name
    return path if path.is_file() else None


# ---------------------------------------------------------------------------
# list and why


@dataclass(frozen=True)
class Listed:
    overlay: Overlay
    attrs: tuple[str, ...]
    targets: tuple[str, ...]
    broken: Broken | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.overlay.name, "origin": self.overlay.origin, "file": str(self.overlay.file),
                "summary": self.overlay.summary, "attrs": list(self.attrs), "targets": list(self.targets),
                "broken": None if self.broken is None else self.broken.text()}


def listing(inspector: Inspector) -> tuple[Listed, ...]:
    out = []
    for index, overlay in enumerate(inspector.applied):
        attrs: dict[str, None] = {}
        targets = []
        broken = None
        for target in inspector.project.target.platforms:
            try:
                names = inspector.names(target, index)
            except NixFailedError as exc:
                broken = broken or inspector.broken(exc, target, overlay)
                continue
            attrs.update(dict.fromkeys(names))
            if names:
                targets.append(target)
        out.append(Listed(overlay, tuple(attrs), tuple(targets), broken))
    return tuple(out)


@dataclass(frozen=True)
class WhyTarget:
    target: str
    overlays: tuple[str, ...]  # the overlays that override the package on this target
    outputs: tuple[str, ...]  # the package's output paths (all overlays applied); () if unavailable
    in_image: bool | None  # None: the image for this target is not built


@dataclass(frozen=True)
class Why:
    attr: str
    targets: tuple[WhyTarget, ...]

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "attr": self.attr, "targets": [
            {"target": t.target, "overlays": list(t.overlays), "outputs": list(t.outputs), "in_image": t.in_image}
            for t in self.targets]}


def why(inspector: Inspector, attr: str) -> Why:
    top = attr.split(".", 1)[0]
    project, nix = inspector.project, inspector.nix
    rows = []
    for target in project.target.platforms:
        touching = []
        for index, overlay in enumerate(inspector.applied):
            try:
                if top in inspector.names(target, index):
                    touching.append(overlay.name)
            except NixFailedError:
                continue
        outputs = inspector.eval(target, 0, "outputs", attr)["outputs"] or []
        rows.append(WhyTarget(target, tuple(touching), tuple(outputs), _in_image(project, nix, target, outputs)))
    return Why(attr, tuple(rows))


def _in_image(project: Project, nix: Nix, target: str, outputs: list[str]) -> bool | None:
    plan = pipeline.plan_target(nix, target)
    roots = nix.eval_json(project.root / render.GENERATED_DIR, "image.nixbuild.roots",
                          argstrs={"target": target, "buildSystem": plan.build_system})
    try:
        graph = closure.Graph.of(nix, roots)
    except NixFailedError:
        return None  # not built (or garbage-collected): unknown
    return bool(graph.closure(roots) & set(outputs))
