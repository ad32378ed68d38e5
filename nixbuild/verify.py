"""`nixbuild verify`: rebuild the image and prove it is bit-identical.

Two independent checks per target, after a normal image build:

1. ``nix-build --check`` of the derivations the project owns — the package
   and the image's inputs (customisation layer, conf, stream script). Nix
   rebuilds each and compares with the store; this is the only way to see a
   non-deterministic build, because a second ``nix-build`` of an unchanged
   derivation is a cache hit. The kept rebuild (``OUTPUT.check``) is compared
   file by file with the original.
2. A second full image build of a clean copy of the project (in a git work
   tree: the tracked files; see ``vcs.py``) in a fresh temporary directory,
   with a different ``TMPDIR``; the two docker-archives are compared
   (manifest, config, layer digests), and a differing layer member by member.
   This catches what depends on where the project lives (a shell build that
   embeds its working directory, an absolute path in generated code).

Only derivations the project owns are checked: rebuilding the package set's
own paths (glibc, CA certificates) would mean rebuilding nixpkgs from source.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nixbuild import config as config_mod
from nixbuild import image as image_mod
from nixbuild import lock as lock_mod
from nixbuild import overlays as overlays_mod
from nixbuild import pipeline, vcs
from nixbuild.builders import all as builders
from nixbuild.config import Project
from nixbuild.errors import EXIT_FAILURE, NixbuildError
from nixbuild.archivediff import (
    ArchiveComparison,
    FileDifference,
    compare_archives,
    diff_entries,
    tar_entries,
    tree_entries,
)
from nixbuild.nix import HOSTPKGS_NIX_CONFIG, Log, Nix

# Names a copy of the project leaves out: nixbuild's outputs, result links and
# version-control metadata (the same as nix/lib/source.nix excludes).
_EXCLUDE_TOP = {".nixbuild", pipeline.RESULT_DIR, "result"}
_EXCLUDE_ANYWHERE = {".git", ".hg", ".svn"}
MAX_LISTED = 20  # differing files listed per layer or output in the text report


class NotReproducibleError(NixbuildError):
    """A rebuild differs from the first build (exit 1: a check found a problem)."""

    exit_code = EXIT_FAILURE


@dataclass(frozen=True)
class OutputDifference:
    output: str  # the store path as first built
    rebuild: str | None  # Nix's kept rebuild (OUTPUT.check), when there is one
    layer: int | None  # index of the image layer holding the output
    files: tuple[FileDifference, ...]


@dataclass(frozen=True)
class DerivationCheck:
    role: str  # "package", "customisation layer", "conf", "stream script"
    derivation: str
    outputs: tuple[OutputDifference, ...]  # empty when the rebuild is identical

    @property
    def identical(self) -> bool:
        return not self.outputs


@dataclass(frozen=True)
class TargetVerification:
    target: str
    image: Path
    checks: tuple[DerivationCheck, ...]
    comparison: ArchiveComparison
    copy_location: Path  # where the second build ran (removed afterwards)

    @property
    def identical(self) -> bool:
        return self.comparison.identical and all(c.identical for c in self.checks)


@dataclass(frozen=True)
class VerifyOutcome:
    targets: tuple[TargetVerification, ...]

    @property
    def identical(self) -> bool:
        return all(t.identical for t in self.targets)


# -- entries of trees and tars -------------------------------------------------




# -- docker-archives -----------------------------------------------------------


# -- rebuilding ----------------------------------------------------------------


def _image_derivations(project: Project, nix: Nix, target: str) -> tuple[tuple[str, str], ...]:
    """(role, .drv) of what the project owns: the package and the image's own inputs."""
    generated = project.root / ".nixbuild"
    argstrs = pipeline.argstrs(pipeline.plan_target(nix, target))
    package = nix.eval_json(generated, "package.drvPath", argstrs=argstrs)
    stream = nix.eval_json(generated, "image.streamScript.drvPath", argstrs=argstrs)
    conf = nix.eval_json(generated, "image.conf.drvPath", argstrs=argstrs)
    layer = [r for r in nix.references(conf) if r.endswith("-customisation-layer.drv")]
    roles = [("package", package), *(("customisation layer", d) for d in layer), ("conf", conf),
             ("stream script", stream)]
    return tuple({drv: (role, drv) for role, drv in roles}.values())


def _layer_of(path: str, info: image_mod.ImageInfo) -> int | None:
    return next((i for i, layer in enumerate(info.layers) if path in layer.store_paths), None)


def _output_files(output: str, rebuild: str | None) -> tuple[FileDifference, ...]:
    if rebuild is None or not os.path.lexists(rebuild):
        return ()
    files = list(diff_entries(tree_entries(Path(output)), tree_entries(Path(rebuild))))
    # A tar in the output (the customisation layer) differs: say which members do.
    for diff in list(files):
        if diff.path.endswith(".tar") and "content" in diff.fields:
            inner_a, inner_b = Path(output) / diff.path, Path(rebuild) / diff.path
            try:
                with inner_a.open("rb") as ha, inner_b.open("rb") as hb:
                    members = diff_entries(tar_entries(ha), tar_entries(hb))
            except (tarfile.TarError, OSError):
                continue
            files += [FileDifference(f"{diff.path}:{m.path}", m.fields, m.first, m.second) for m in members]
    return tuple(files)


def check_derivations(project: Project, nix: Nix, target: str, info: image_mod.ImageInfo,
                      log: Log) -> tuple[DerivationCheck, ...]:
    checks = []
    for role, drv in _image_derivations(project, nix, target):
        log(f"[{target}] checking the {role}: nix-build --check {drv}")
        result = nix.check_build(drv)
        outputs = tuple(OutputDifference(out, rebuild, _layer_of(out, info), _output_files(out, rebuild))
                        for out, rebuild in result.differing)
        checks.append(DerivationCheck(role, drv, outputs))
    return tuple(checks)


def _copy_ignore(root: Path):  # type: ignore[no-untyped-def]
    def ignore(directory: str, names: list[str]) -> set[str]:
        top = Path(directory) == root
        return {n for n in names if n in _EXCLUDE_ANYWHERE or (top and n in _EXCLUDE_TOP)}
    return ignore


def copy_project(project: Project, dest: Path, target: str) -> Path:
    """A clean copy of the project at dest/NAME: in a git work tree the tracked files
    plus the files that define the build (nixbuild.toml, nixbuild.lock, the overlays),
    elsewhere the tree without nixbuild's outputs; never a shell build's artifact."""
    copy = dest / project.root.name
    tracked = vcs.tracked_files(project.root)
    if tracked is None:
        shutil.copytree(project.root, copy, symlinks=True, ignore=_copy_ignore(project.root))
    else:
        copy.mkdir(parents=True)
        for name in sorted({*tracked, *_build_definition(project)}):
            source, target_path = project.root / name, copy / name
            if not (source.is_file() or source.is_symlink()):
                continue  # tracked but deleted in the work tree, as the first build saw it
            target_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target_path, follow_symlinks=False)
    builders.of(project.package).clean_copy(project, copy, target)  # the second build must produce it again
    return copy


def _build_definition(project: Project) -> list[str]:
    """The files nixbuild itself reads to build, relative to the project, tracked or not."""
    names = [project.config_file.name, lock_mod.LOCK_NAME]
    names += [overlay.name for overlay in overlays_mod.project_overlays(project)]
    return [n for n in names if (project.root / n).is_file()]


def _nix_with_tmpdir(project: Project, tmpdir: Path, *, verbose: bool, log: Log) -> Nix:
    extra = HOSTPKGS_NIX_CONFIG if project.nixpkgs.source == "hostpkgs" else ()
    return Nix(extra_config=extra, verbose=verbose, log=log, base_env={**os.environ, "TMPDIR": str(tmpdir)})


def _rmtree(path: Path) -> None:
    def writable(func, name, _exc):  # type: ignore[no-untyped-def]
        os.chmod(os.path.dirname(name), 0o755)
        func(name)
    shutil.rmtree(path, onerror=writable)


def verify_target(project: Project, target: str, *, verbose: bool = False, log: Log = lambda line: None,
                  output: object = None) -> TargetVerification:
    nix = pipeline.make_nix(project, verbose=verbose, log=log)
    log(f"[{target}] first build")
    first = pipeline.image(project, nix, target, output=output)
    work = Path(tempfile.mkdtemp(prefix="nixbuild-verify-"))
    try:
        (work / "check-tmp").mkdir()
        checker = _nix_with_tmpdir(project, work / "check-tmp", verbose=verbose, log=log)
        checks = check_derivations(project, checker, target, first.info, log)
        (work / "tmp").mkdir()
        copy_root = copy_project(project, work / "copy", target)
        log(f"[{target}] second build, in {copy_root} with TMPDIR={work / 'tmp'}")
        copy = config_mod.load(copy_root)
        second = pipeline.image(copy, _nix_with_tmpdir(copy, work / "tmp", verbose=verbose, log=log), target,
                                output=output)
        comparison = compare_archives(first.file, second.file)
    finally:
        _rmtree(work)
    return TargetVerification(target, first.file, checks, comparison, copy_root)


def verify(project: Project, targets: tuple[str, ...], *, verbose: bool = False, log: Log = lambda line: None,
           output: object = None) -> VerifyOutcome:
    return VerifyOutcome(tuple(verify_target(project, t, verbose=verbose, log=log, output=output) for t in targets))


def failure(outcome: VerifyOutcome) -> NotReproducibleError | None:
    """The one-line error for a failed verification (None when everything is identical)."""
    for t in outcome.targets:
        for check in t.checks:
            for out in check.outputs:
                files = ", ".join(f.path for f in out.files[:3]) or "see the report"
                layer = f" (layer {out.layer})" if out.layer is not None else ""
                return NotReproducibleError(
                    f"{t.target}: the {check.role} does not rebuild identically: {check.derivation} "
                    f"gives a different {out.output}{layer}; differing: {files}",
                    hint="make the build deterministic (no timestamps, random bytes or build paths in outputs); "
                         "the report on stdout lists every difference",
                )
        c = t.comparison
        if not c.identical:
            if c.layers:
                layer = c.layers[0]
                paths = ", ".join(layer.store_paths) or "no store path"
                files = ", ".join(f.path for f in layer.files[:3]) or "no file"
                what = f"{layer.label} ({paths}) differs: {files}"
            else:
                what = "the image config differs: " + ", ".join(c.config_fields[:3])
            return NotReproducibleError(
                f"{t.target}: a build of the project in another directory gives a different image: {what}",
                hint="the build depends on where the project is (an absolute path in the output?); "
                     "the report on stdout lists every difference",
            )
    return None
