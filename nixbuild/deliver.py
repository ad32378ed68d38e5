"""`nixbuild image` from start to end, as one pipeline: the image of one target or
of several (pipeline.image / image_many), then what was asked for beside the
layout: another format (export.py) and the SBOMs (sbom_files.py); for several
targets, the error that reports the failed ones. The command only prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nixbuild import export, pipeline, sbom_files
from nixbuild import lock as lock_mod
from nixbuild.config import Project
from nixbuild.errors import NixbuildError, UsageError, retold
from nixbuild.nix import Log, Nix


@dataclass(frozen=True)
class Request:
    targets: tuple[str, ...]  # resolved target names
    jobs: int = 1
    build_first: bool = True
    check: bool = True
    format: str | None = None  # --format; None: the OCI layout alone (or oci with --output)
    output: Path | None = None
    sbom_format: str | None = None  # None: no SBOM

    @property
    def fmt(self) -> str:
        return self.format or export.DEFAULT_FORMAT

    @property
    def exporting(self) -> bool:
        """Whether an export is asked for (the docker-archive beside the layout is the image step's)."""
        return self.output is not None or self.format in ("oci", "oci-archive")


@dataclass(frozen=True)
class Delivered:
    outcome: pipeline.ImageOutcome | None  # one target
    many: pipeline.ManyOutcome | None  # several
    exported: export.Exported | None = None
    sboms: tuple[tuple[str, tuple[tuple[str, Path], ...]], ...] = ()  # (target, ((kind, file), …))


def check_request(request: Request) -> None:
    """Refuse what cannot be done, before anything is built."""
    if (request.output is not None or request.format in ("oci", "oci-archive")) and len(request.targets) > 1:
        raise UsageError("--output and --format oci-archive take one target",
                         hint="several targets already give an OCI index at nixbuild-result/index "
                              "(--format docker-archive writes each target's archive beside its layout)")
    if request.output is not None:
        export.check_output(request.output, request.fmt)


def deliver(project: Project, nix: Nix, request: Request, *, verbose: bool = False, log: Log = lambda line: None,
            output: object = None) -> Delivered:
    check_request(request)
    # The docker-archive in nixbuild-result is written by the image step itself.
    archive = request.format == "docker-archive" and request.output is None
    if len(request.targets) == 1:
        outcome = _pinned(project, nix, lambda: pipeline.image(
            project, nix, request.targets[0], build_first=request.build_first, output=output, check=request.check,
            archive=archive))
        exported = None
        if request.exporting:
            exported = export.export(outcome.file, request.fmt,
                                     request.output or export.default_output(outcome.file, request.fmt))
        return Delivered(outcome, None, exported, _sboms(nix, [outcome], request.sbom_format))
    many = pipeline.image_many(project, request.targets, jobs=request.jobs, verbose=verbose, log=log,
                               build_first=request.build_first, output=output, check=request.check, archive=archive)
    done = [r.outcome for r in many.results if r.outcome is not None]
    return Delivered(None, many, None, _sboms(nix, done, request.sbom_format))


def _pinned(project: Project, nix: Nix, step):  # type: ignore[no-untyped-def]
    """A pinned nixpkgs whose hash Nix found different is a lock error (exit 7)."""
    try:
        return step()
    except NixbuildError as exc:
        raise lock_mod.mismatch_error(project, exc, nix) or exc from None


def _sboms(nix: Nix, outcomes: list[pipeline.ImageOutcome],
           fmt: str | None) -> tuple[tuple[str, tuple[tuple[str, Path], ...]], ...]:
    if fmt is None:
        return ()
    return tuple((o.target, tuple(sbom_files.write(nix, o.info, o.file, o.file.parent, fmt).items()))
                 for o in outcomes)


def failure_lines(many: pipeline.ManyOutcome) -> list[str]:
    """What to say of each failed target: its error line, then its details."""
    lines: list[str] = []
    for failed in many.failed:
        assert failed.error is not None
        hint = f" (hint: {failed.error.hint})" if failed.error.hint else ""
        lines.append(f"[{failed.target}] error: {failed.error.message}{hint}")
        lines.extend(f"[{failed.target}]   | {line}" for line in (failed.error.details or "").splitlines())
    return lines


def failure(project: Project, many: pipeline.ManyOutcome) -> NixbuildError | None:
    """The error of a run where targets failed: the first one's, counted."""
    if not many.failed:
        return None
    first = many.failed[0].error
    assert first is not None
    first = lock_mod.mismatch_error(project, first) or first
    return retold(first, f"{len(many.failed)} of {len(many.results)} targets failed; first: {first.message}")
