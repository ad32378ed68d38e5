"""`nixbuild verify`: rebuild the image and prove it is bit-identical.

Two independent checks per target, after a normal image build:

1. ``nix-build --check`` of the derivations the project owns — the package
   and the image's inputs (customisation layer, conf, stream script). Nix
   rebuilds each and compares with the store; this is the only way to see a
   non-deterministic build, because a second ``nix-build`` of an unchanged
   derivation is a cache hit. The kept rebuild (``OUTPUT.check``) is compared
   file by file with the original.
2. A second full image build of a copy of the project in a fresh temporary
   directory, with a different ``TMPDIR``; the two docker-archives are compared
   (manifest, config, layer digests), and a differing layer member by member.
   This catches what depends on where the project lives (a shell build that
   embeds its working directory, an absolute path in generated code).

Only derivations the project owns are checked: rebuilding the package set's
own paths (glibc, CA certificates) would mean rebuilding nixpkgs from source.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from nixbuild import config as config_mod
from nixbuild import image as image_mod
from nixbuild import pipeline
from nixbuild.config import Project
from nixbuild.errors import EXIT_FAILURE, NixbuildError
from nixbuild.nix import HOSTPKGS_NIX_CONFIG, Log, Nix

# Names a copy of the project leaves out: nixbuild's outputs, result links and
# version-control metadata (the same as nix/lib/source.nix excludes).
_EXCLUDE_TOP = {".nixbuild", pipeline.RESULT_DIR, "result"}
_EXCLUDE_ANYWHERE = {".git", ".hg", ".svn"}
_STORE_HASH = re.compile(r"nix/store/[0-9a-df-np-sv-z]{32}-")
MAX_LISTED = 20  # differing files listed per layer or output in the text report


class NotReproducibleError(NixbuildError):
    """A rebuild differs from the first build (exit 1: a check found a problem)."""

    exit_code = EXIT_FAILURE


@dataclass(frozen=True)
class FileDifference:
    path: str  # inside the layer or store output
    fields: tuple[str, ...]  # what differs: "content", "mode", "owner", "mtime", "link", "type"; or "only in first/second"
    first: str  # the first build's entry, e.g. "file 0755 0:0 sha256:…"
    second: str


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
class LayerDifference:
    index: int | None  # position in the first image (None: only in the second)
    second_index: int | None  # position of the matching layer in the second image
    first_digest: str | None
    second_digest: str | None
    store_paths: tuple[str, ...]  # store paths in the layer (either build)
    files: tuple[FileDifference, ...]

    @property
    def label(self) -> str:
        if self.index is None:
            return f"layer {self.second_index} (only in the second build)"
        if self.second_index is None:
            return f"layer {self.index} (only in the first build)"
        return f"layer {self.index}" + (f" ({self.second_index} in the second build)"
                                         if self.second_index != self.index else "")


@dataclass(frozen=True)
class ArchiveComparison:
    first: Path
    second: Path
    first_manifest: str  # "sha256:…" of manifest.json
    second_manifest: str
    first_config: str  # config digest (the image ID)
    second_config: str
    config_fields: tuple[str, ...]  # JSON paths that differ in the image config, e.g. "config.Entrypoint[0]"
    layers: tuple[LayerDifference, ...]

    @property
    def identical(self) -> bool:
        return (self.first_manifest == self.second_manifest and self.first_config == self.second_config
                and not self.layers)


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


@dataclass(frozen=True)
class Entry:
    kind: str  # "file", "dir", "symlink", "hardlink", "other"
    mode: int
    owner: str  # "uid:gid"
    mtime: int
    link: str  # symlink/hardlink target, "" otherwise
    content: str  # "sha256:…" of a file's bytes, "" otherwise

    def describe(self) -> str:
        parts = [self.kind, f"{self.mode:04o}", self.owner, f"mtime={self.mtime}"]
        if self.link:
            parts.append(f"-> {self.link}")
        if self.content:
            parts.append(self.content[:19])
        return " ".join(parts)


_FIELDS = (("type", "kind"), ("content", "content"), ("mode", "mode"), ("owner", "owner"), ("mtime", "mtime"),
           ("link", "link"))


def _digest(handle: IO[bytes]) -> str:
    sha = hashlib.sha256()
    while chunk := handle.read(1 << 20):
        sha.update(chunk)
    return "sha256:" + sha.hexdigest()


def tar_entries(handle: IO[bytes]) -> dict[str, Entry]:
    """Every member of a tar stream: type, mode, owner, mtime, link target, content hash."""
    entries: dict[str, Entry] = {}
    with tarfile.open(fileobj=handle, mode="r:") as tar:
        for member in tar:
            name = member.name.removeprefix("./").rstrip("/") or "."
            content = ""
            if member.isreg():
                data = tar.extractfile(member)
                assert data is not None
                content = _digest(data)
            kind = ("file" if member.isreg() else "dir" if member.isdir() else "symlink" if member.issym()
                    else "hardlink" if member.islnk() else "other")
            entries[name] = Entry(kind, member.mode & 0o7777, f"{member.uid}:{member.gid}", int(member.mtime),
                                  member.linkname, content)
    return entries


def tree_entries(root: Path) -> dict[str, Entry]:
    """Every file under a store path (or the path itself when it is a file), like ``tar_entries``."""
    entries: dict[str, Entry] = {}

    def add(path: Path, name: str) -> None:
        st = path.lstat()
        content, link, kind = "", "", "other"
        if stat.S_ISREG(st.st_mode):
            kind = "file"
            with path.open("rb") as handle:
                content = _digest(handle)
        elif stat.S_ISDIR(st.st_mode):
            kind = "dir"
        elif stat.S_ISLNK(st.st_mode):
            kind, link = "symlink", os.readlink(path)
        entries[name] = Entry(kind, st.st_mode & 0o7777, f"{st.st_uid}:{st.st_gid}", int(st.st_mtime), link, content)

    add(root, ".")
    if root.is_dir() and not root.is_symlink():
        for dirpath, dirnames, filenames in os.walk(root):
            for name in sorted(dirnames + filenames):
                path = Path(dirpath) / name
                add(path, str(path.relative_to(root)))
    return entries


def _normalise(name: str) -> str:
    """Store paths of the two builds may differ in hash only: match their members by name."""
    return _STORE_HASH.sub("nix/store/…-", name)


def diff_entries(first: dict[str, Entry], second: dict[str, Entry]) -> tuple[FileDifference, ...]:
    """The entries that differ, matched by name (store hashes ignored in names)."""
    a = {_normalise(k): (k, v) for k, v in first.items()}
    b = {_normalise(k): (k, v) for k, v in second.items()}
    out: list[FileDifference] = []
    for key in sorted(a.keys() | b.keys()):
        if key not in b:
            name, entry = a[key]
            out.append(FileDifference(name, ("only in first",), entry.describe(), "-"))
        elif key not in a:
            name, entry = b[key]
            out.append(FileDifference(name, ("only in second",), "-", entry.describe()))
        else:
            (name, x), (_, y) = a[key], b[key]
            fields = tuple(label for label, attr in _FIELDS if getattr(x, attr) != getattr(y, attr))
            if fields:
                out.append(FileDifference(name, fields, x.describe(), y.describe()))
    return tuple(out)


# -- docker-archives -----------------------------------------------------------


@dataclass(frozen=True)
class _Archive:
    manifest_digest: str
    config: dict[str, Any]
    layer_names: tuple[str, ...]


def _read_archive(path: Path) -> _Archive:
    try:
        with tarfile.open(path, "r:") as archive:
            raw = _extract(archive, "manifest.json").read()
            entry = json.loads(raw)[0]
            config = json.loads(_extract(archive, entry["Config"]).read())
            return _Archive("sha256:" + hashlib.sha256(raw).hexdigest(), config, tuple(entry["Layers"]))
    except (tarfile.TarError, KeyError, IndexError, json.JSONDecodeError, OSError) as exc:
        raise NixbuildError(f"{path}: not a readable docker-archive ({exc})") from None


def _extract(archive: tarfile.TarFile, name: str) -> IO[bytes]:
    handle = archive.extractfile(name)
    if handle is None:
        raise KeyError(name)
    return handle


def _layer_entries(path: Path, name: str) -> dict[str, Entry]:
    with tarfile.open(path, "r:") as archive:
        return tar_entries(_extract(archive, name))


def _json_paths(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _json_paths(value[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _json_paths(item, f"{prefix}[{i}]")
        if not value:
            yield prefix, []
    else:
        yield prefix, value


def config_differences(first: dict[str, Any], second: dict[str, Any]) -> tuple[str, ...]:
    a, b = dict(_json_paths(first)), dict(_json_paths(second))
    return tuple(sorted(k for k in a.keys() | b.keys() if a.get(k, None) != b.get(k, None) or (k in a) != (k in b)))


def match_layers(first: tuple[image_mod.Layer, ...],
                 second: tuple[image_mod.Layer, ...]) -> list[tuple[int | None, int | None]]:
    """Pairs (first index, second index) of corresponding layers: the same digest, else the
    same store path names (a rebuilt path has a new hash, and layers are ordered by
    popularity with ties broken by path, so it may move), else the same position."""
    def key(layer: image_mod.Layer) -> tuple[str, ...]:
        return tuple(sorted(_STORE_HASH.sub("nix/store/…-", p) for p in layer.store_paths))

    unused = dict.fromkeys(range(len(second)))
    pairs: dict[int, int | None] = {}
    for rule in (lambda a, b: a.digest == b.digest, lambda a, b: key(a) == key(b)):
        for i, la in enumerate(first):
            if i not in pairs:
                j = next((j for j in unused if rule(la, second[j])), None)
                if j is not None:
                    pairs[i] = j
                    del unused[j]
    for i in range(len(first)):
        if i not in pairs:
            pairs[i] = i if i in unused else None
            unused.pop(i, None)
    return [*sorted(pairs.items()), *((None, j) for j in unused)]


def compare_archives(first: Path, second: Path) -> ArchiveComparison:
    """Manifest, config and layer digests of two docker-archives; a differing layer member by member."""
    info_a, info_b = image_mod.read_docker_archive(first), image_mod.read_docker_archive(second)
    arch_a, arch_b = _read_archive(first), _read_archive(second)
    layers: list[LayerDifference] = []
    for i, j in match_layers(info_a.layers, info_b.layers):
        la = info_a.layers[i] if i is not None else None
        lb = info_b.layers[j] if j is not None else None
        if la is not None and lb is not None and la.digest == lb.digest:
            continue  # the same layer (maybe elsewhere in the order: the diff_ids then differ in the config)
        entries_a = _layer_entries(first, arch_a.layer_names[i]) if i is not None else {}
        entries_b = _layer_entries(second, arch_b.layer_names[j]) if j is not None else {}
        paths = dict.fromkeys([*(la.store_paths if la else ()), *(lb.store_paths if lb else ())])
        layers.append(LayerDifference(i, j, la.digest if la else None, lb.digest if lb else None, tuple(paths),
                                      diff_entries(entries_a, entries_b)))
    return ArchiveComparison(
        first=first, second=second,
        first_manifest=arch_a.manifest_digest, second_manifest=arch_b.manifest_digest,
        first_config=info_a.config_digest, second_config=info_b.config_digest,
        config_fields=config_differences(arch_a.config, arch_b.config),
        layers=tuple(layers),
    )


# -- rebuilding ----------------------------------------------------------------


def _image_derivations(project: Project, nix: Nix, target: str) -> tuple[tuple[str, str], ...]:
    """(role, .drv) of what the project owns: the package and the image's own inputs."""
    generated = project.root / ".nixbuild"
    argstrs = pipeline.argstrs(pipeline.plan_target(nix, target))
    package = nix.eval_json(generated, "package.drvPath", argstrs=argstrs)
    stream = nix.eval_json(generated, "image.drvPath", argstrs=argstrs)
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
    """The project without nixbuild's outputs (and without a shell build's artifact) at dest/NAME."""
    copy = dest / project.root.name
    shutil.copytree(project.root, copy, symlinks=True, ignore=_copy_ignore(project.root))
    if project.package.builder == "shell":
        artifact = copy / pipeline.artifact_path(project, target)
        if artifact.is_file() or artifact.is_symlink():
            artifact.unlink()  # the second build must produce it again
    return copy


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
