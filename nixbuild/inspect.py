"""What an image holds and why: each store path's NAR size, layer and
package output, the reference graph from the entrypoint, and the diff of two
images.

Everything is read from the docker-archive itself: each store path's NAR
serialisation is recomputed from its files in the layer tar (size and sha256,
exactly what Nix records when the contents are the same), and its references
are found the way Nix finds them, by scanning that serialisation for the hash
parts of the image's other store paths. When the paths are also in the local
Nix store, the store's NAR size and references are used instead (the
``source`` of each path says which); so an old image whose paths were
garbage-collected can still be inspected and diffed.
"""

from __future__ import annotations

import hashlib
import re
import tarfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from nixbuild import closure, readfile
from nixbuild import image as image_mod
from nixbuild.errors import NixbuildError, NixFailedError, UsageError
from nixbuild.image import ImageInfo
from nixbuild.nix import Nix, PathInfo

STORE = "/nix/store/"
_BASE_NAME = re.compile(r"[0-9a-df-np-sv-z]{32}-[^/]")  # "<hash>-openssl-3.0.19[/…]"


class NotInImageError(NixbuildError):
    """`nixbuild why`: the path is not in the image (exit 1)."""


# -- NAR serialisation of a store path as it appears in a layer ---------------

@dataclass
class _Node:
    kind: str  # "regular" | "directory" | "symlink"
    member: tarfile.TarInfo | None = None  # regular: where the bytes are
    executable: bool = False
    target: str = ""  # symlink
    children: dict[str, _Node] | None = None  # directory


class _NarSink:
    """Counts and hashes a NAR as it is written; keeps the bytes for scanning."""

    def __init__(self) -> None:
        self.size = 0
        self.sha = hashlib.sha256()
        self.hashes: set[str] = set()
        self._scan: re.Pattern[bytes] | None = None

    def scan_for(self, hashes: Sequence[str]) -> None:
        if hashes:
            self._scan = re.compile(b"|".join(re.escape(h.encode()) for h in sorted(hashes)))

    def string(self, data: bytes) -> None:
        self.sha.update(len(data).to_bytes(8, "little"))
        self.sha.update(data)
        pad = -len(data) % 8
        self.sha.update(b"\0" * pad)
        self.size += 8 + len(data) + pad
        if self._scan is not None:
            self.hashes.update(m.group().decode() for m in self._scan.finditer(data))


def _serialise(node: _Node, sink: _NarSink, layer: tarfile.TarFile) -> None:
    sink.string(b"(")
    sink.string(b"type")
    if node.kind == "regular":
        sink.string(b"regular")
        if node.executable:
            sink.string(b"executable")
            sink.string(b"")
        sink.string(b"contents")
        assert node.member is not None
        handle = layer.extractfile(node.member)
        sink.string(handle.read() if handle else b"")
    elif node.kind == "symlink":
        sink.string(b"symlink")
        sink.string(b"target")
        sink.string(node.target.encode())
    else:
        sink.string(b"directory")
        for name in sorted((node.children or {}), key=lambda n: n.encode()):
            sink.string(b"entry")
            sink.string(b"(")
            sink.string(b"name")
            sink.string(name.encode())
            sink.string(b"node")
            _serialise((node.children or {})[name], sink, layer)
            sink.string(b")")
    sink.string(b")")


def _is_empty(node: _Node) -> bool:
    """A directory whose tree holds no file and no symlink (e.g. an output the build installed nothing into)."""
    return node.kind == "directory" and all(_is_empty(child) for child in (node.children or {}).values())


@dataclass(frozen=True)
class LayerPath:
    """A store path as found in the archive."""

    path: str
    layer: int  # index into ImageInfo.layers
    nar_size: int
    nar_sha256: str  # hex
    references: tuple[str, ...]  # other image store paths whose hash occurs in it
    empty: bool = False  # a directory tree without a single file or symlink


@dataclass(frozen=True)
class ArchiveContents:
    paths: dict[str, LayerPath]
    links: tuple[str, ...]  # store paths that symlinks outside /nix/store point into, sorted


def _store_rel(name: str) -> tuple[str, str] | None:
    """Layer member name → (store path, path inside it) for entries under /nix/store."""
    name = name.lstrip("./").lstrip("/").rstrip("/")
    if not name.startswith("nix/store/"):
        return None
    rest = name[len("nix/store/"):]
    if not rest:
        return None
    top, _, inner = rest.partition("/")
    return STORE + top, inner


def _layer_tars(file: Path, info: ImageInfo) -> Iterator[tuple[int, tarfile.TarFile]]:
    from nixbuild import imagefs

    with imagefs.layers(file) as each:
        for index, (_, _, layer) in enumerate(each):
            yield index, layer


def read_contents(file: Path, info: ImageInfo) -> ArchiveContents:
    """NAR size, NAR sha256 and references of every store path in the archive."""
    all_paths = set(info.store_paths)
    hash_of = {p: p[len(STORE):].split("-", 1)[0] for p in all_paths}
    path_of_hash = {h: p for p, h in hash_of.items()}
    found: dict[str, LayerPath] = {}
    links: set[str] = set()
    try:
        for index, layer in _layer_tars(file, info):
            roots: dict[str, _Node] = {}
            members = {m.name.lstrip("./").rstrip("/"): m for m in layer.getmembers()}
            for member in members.values():
                where = _store_rel(member.name)
                if where is None:
                    if member.issym() and member.linkname.startswith(STORE):
                        links.add("/".join(member.linkname.split("/")[:4]))
                    continue
                store_path, inner = where
                if member.islnk():  # a hard link: the bytes are at the linked member
                    target = members.get(member.linkname.lstrip("./").rstrip("/"))
                    member = target if target is not None else member
                if member.isdir():
                    node = _Node("directory", children={})
                elif member.issym():
                    node = _Node("symlink", target=member.linkname)
                elif member.isfile():
                    node = _Node("regular", member=member, executable=bool(member.mode & 0o100))
                else:
                    continue
                if not inner:
                    if store_path not in roots or node.kind != "directory":
                        roots[store_path] = node
                    continue
                parent = roots.setdefault(store_path, _Node("directory", children={}))
                *dirs, base = inner.split("/")
                for part in dirs:
                    assert parent.children is not None
                    parent = parent.children.setdefault(part, _Node("directory", children={}))
                assert parent.children is not None
                existing = parent.children.get(base)
                if existing is not None and existing.kind == "directory" and node.kind == "directory":
                    continue  # the directory was implied by an earlier entry
                parent.children[base] = node
            for store_path, node in sorted(roots.items()):
                sink = _NarSink()
                sink.string(b"nix-archive-1")
                sink.scan_for([h for p, h in hash_of.items() if p != store_path])
                _serialise(node, sink, layer)
                refs = tuple(sorted(path_of_hash[h] for h in sink.hashes))
                found[store_path] = LayerPath(store_path, index, sink.size, sink.sha.hexdigest(), refs,
                                              _is_empty(node))
    except (tarfile.TarError, KeyError, OSError) as exc:
        raise NixbuildError(f"{file}: not a readable docker-archive ({exc})") from None
    return ArchiveContents(paths=found, links=tuple(sorted(links & all_paths)))


# -- the inspection -----------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    path: str
    size: int  # NAR size in bytes
    layer: int  # index into the image's layers
    package: str  # name-version, e.g. "openssl-3.0.19"
    output: str  # "out", "bin", "lib", …
    source: str  # "store": size and references from the Nix store; "layer": recomputed from the archive
    empty: bool = False  # an empty directory: e.g. an output the build installed nothing into


@dataclass(frozen=True)
class Inspection:
    info: ImageInfo
    entries: tuple[Entry, ...]  # sorted by size (largest first), then path
    graph: closure.Graph
    roots: tuple[str, ...]  # the entrypoint's store path first, then the other contents roots

    @property
    def entrypoint(self) -> str | None:
        return closure.entrypoint_root(self.info.config.get("Entrypoint"))

    @property
    def closure_size(self) -> int:
        return sum(e.size for e in self.entries)

    @property
    def empty(self) -> tuple[Entry, ...]:
        """Store paths that are empty directories (an output the build installed nothing into)."""
        return tuple(e for e in self.entries if e.empty)

    def sizes(self) -> dict[str, int]:
        return {e.path: e.size for e in self.entries}


def store_nix(verbose: bool = False, log=lambda line: None) -> Nix:  # type: ignore[no-untyped-def]
    """A Nix runner for local store queries only (no binary cache is asked)."""
    return Nix(extra_config=("substituters =",), verbose=verbose, log=log)


def _store_infos(nix: Nix | None, paths: Sequence[str]) -> dict[str, PathInfo]:
    """Path info of those ``paths`` that are valid in the local store."""
    if nix is None or not paths:
        return {}
    try:
        return {i.path: i for i in nix.path_info(paths)}
    except NixFailedError:
        pass
    infos: dict[str, PathInfo] = {}
    for path in paths:  # some paths are gone: ask one by one
        try:
            infos.update({i.path: i for i in nix.path_info([path])})
        except NixFailedError:
            continue
    return infos


def inspect_archive(file: Path, nix: Nix | None) -> Inspection:
    info = image_mod.read(file)
    contents = read_contents(file, info)
    store = _store_infos(nix, info.store_paths)
    infos: dict[str, PathInfo] = {}
    entries = []
    for path in info.store_paths:
        found = contents.paths[path]
        if path in store:
            si = store[path]
            infos[path] = PathInfo(path, si.nar_size, si.nar_hash,
                                   tuple(r for r in si.references if r in contents.paths))
            source = "store"
        else:
            infos[path] = PathInfo(path, found.nar_size, "sha256:" + found.nar_sha256, found.references)
            source = "layer"
        package, output = closure.package_output(path)
        entries.append(Entry(path, infos[path].nar_size, found.layer, package, output, source, found.empty))
    graph = closure.Graph(infos)
    entry_root = closure.entrypoint_root(info.config.get("Entrypoint"))
    roots: list[str] = [entry_root] if entry_root in infos else []
    roots += [p for p in contents.links if p not in roots]
    referenced = {r for i in infos.values() for r in i.references}
    roots += [p for p in sorted(infos) if p not in referenced and p not in roots]
    entries.sort(key=lambda e: (-e.size, e.path))
    return Inspection(info=info, entries=tuple(entries), graph=graph, roots=tuple(roots))


def find_path(inspection: Inspection, query: str) -> str:
    """A full store path (or a file inside one), or a name fragment, → the image's store path."""
    paths = [e.path for e in inspection.entries]
    if _BASE_NAME.match(query):  # a store path's base name, as `inspect` and `why` print it
        query = STORE + query
    if query.startswith(STORE):
        top = "/".join(query.rstrip("/").split("/")[:4])
        if top in paths:
            return top
        raise NotInImageError(f"{top} is not in the image",
                              hint="`nixbuild inspect` lists the image's store paths")
    candidates = sorted(p for p in paths if query in closure.short(p))
    exact = [p for p in candidates if closure.short(p) == query or closure.package_output(p)[0] == query]
    if len(candidates) == 1:
        return candidates[0]
    if len(exact) == 1:
        return exact[0]
    if not candidates:
        raise NotInImageError(f"no store path in the image matches {query!r}: it is not in the image",
                              hint="`nixbuild inspect` lists the image's store paths")
    raise UsageError(f"{query!r} matches {len(candidates)} store paths in the image: "
                     + ", ".join(closure.short(p) for p in candidates),
                     hint="give a longer name or the full store path")


def why(inspection: Inspection, path: str) -> list[str] | None:
    """The shortest reference chain from the entrypoint (then the other roots) to ``path``."""
    return inspection.graph.chain(inspection.roots, path)


# -- diff -----------------------------------------------------------------------

@dataclass(frozen=True)
class Diff:
    a: Inspection
    b: Inspection
    changes: tuple[closure.Change, ...]  # everything but unchanged paths

    @property
    def size_delta(self) -> int:
        return self.b.info.size - self.a.info.size

    @property
    def shared_layers(self) -> tuple[image_mod.Layer, ...]:
        """B's layers whose digest A also has (the blobs a registry or a cache already holds)."""
        before = {layer.digest for layer in self.a.info.layers}
        return tuple(layer for layer in self.b.info.layers if layer.digest in before)

    @property
    def reused_bytes(self) -> int:
        return sum(layer.size for layer in self.shared_layers)

    @property
    def reused_share(self) -> float:
        total = sum(layer.size for layer in self.b.info.layers)
        return self.reused_bytes / total if total else 0.0


def diff(a: Inspection, b: Inspection) -> Diff:
    changes = tuple(c for c in closure.diff(a.sizes(), b.sizes()) if c.kind != "unchanged")
    return Diff(a, b, changes)


# -- where the image comes from -------------------------------------------------

def of_project(directory: Path, target: str | None, *, verbose: bool = False,
               log=lambda line: None, output: object = None) -> Inspection:  # type: ignore[no-untyped-def]
    """The project's current image for ``target``: the one in nixbuild-result when it is
    current (never rebuilt nor rewritten), else built as `nixbuild image` builds it."""
    from nixbuild import pipeline

    project = pipeline.load_project(directory, log)
    nix = pipeline.make_nix(project, verbose=verbose, log=log)
    nix.check_installed()
    name = pipeline.resolve_target(project, target)
    file = pipeline.existing_image(project, nix, name) or pipeline.image(project, nix, name, output=output).file
    return inspect_archive(file, nix)


def of_file(file: Path, *, verbose: bool = False, log=lambda line: None) -> Inspection:  # type: ignore[no-untyped-def]
    hint = "give an OCI layout (nixbuild-result/TARGET/NAME-TAG.oci) or a docker-archive"
    if file.is_dir() and (file / "oci-layout").is_file():
        return inspect_archive(file, store_nix(verbose, log))
    if not readfile.regular(file, hint=hint):
        raise UsageError(f"{file}: no such file", hint=hint)
    return inspect_archive(file, store_nix(verbose, log))


def of_image_or_project(arg: Path, *, verbose: bool = False, log=lambda line: None,
                        output: object = None) -> Inspection:  # type: ignore[no-untyped-def]
    """`nixbuild diff` operands: an OCI layout or a docker-archive, or a project directory (its default
    target's image)."""
    if arg.is_dir() and not (arg / "oci-layout").is_file():
        return of_project(arg, None, verbose=verbose, log=log, output=output)
    return of_file(arg, verbose=verbose, log=log)
