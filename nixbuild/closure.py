"""What is in an image and why: the reference graph of its store paths,
chains from the entrypoint, trees, and the diff of two images."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nixbuild.nix import Nix, PathInfo
from nixbuild.sbom import parse_store_path

__all__ = ["Graph", "parse_store_path", "short", "package_output", "entrypoint_root", "diff", "Change"]


@dataclass(frozen=True)
class Graph:
    infos: dict[str, PathInfo]

    @classmethod
    def of(cls, nix: Nix, roots: Sequence[str]) -> "Graph":
        return cls({i.path: i for i in nix.path_info(roots, recursive=True)})

    def closure(self, roots: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(roots)
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            todo.extend(self.infos[path].references if path in self.infos else ())
        return seen

    def chain(self, roots: Sequence[str], target: str) -> list[str] | None:
        """The shortest reference chain from one of ``roots`` (in order of preference) to ``target``."""
        for root in roots:
            parents: dict[str, str | None] = {root: None}
            queue = deque([root])
            while queue:
                path = queue.popleft()
                if path == target:
                    out = [path]
                    while (parent := parents[out[-1]]) is not None:
                        out.append(parent)
                    return list(reversed(out))
                for ref in self.infos[path].references if path in self.infos else ():
                    if ref not in parents:
                        parents[ref] = path
                        queue.append(ref)
        return None

    def tree(self, root: str, indent: str = "") -> list[str]:
        """Reference tree lines (each path expanded once; repeats are marked)."""
        lines: list[str] = []
        seen: set[str] = set()

        def walk(path: str, depth: int) -> None:
            info = self.infos.get(path)
            size = f" ({info.nar_size} B)" if info else ""
            repeat = path in seen
            lines.append(f"{indent}{'  ' * depth}{path}{size}{' [see above]' if repeat else ''}")
            if repeat:
                return
            seen.add(path)
            for ref in info.references if info else ():
                walk(ref, depth + 1)

        walk(root, 0)
        return lines


def short(path: str) -> str:
    """``/nix/store/<hash>-name`` → ``name`` (for chains people read)."""
    return path.rsplit("/", 1)[-1].split("-", 1)[-1]


def package_output(path: str) -> tuple[str, str]:
    """(package name with version, output) of a store path."""
    name = parse_store_path(path)
    return (f"{name.name}-{name.version}" if name.version else name.name), name.output


def entrypoint_root(entrypoint: Sequence[str] | None) -> str | None:
    """The store path of the entrypoint program, if it is in the store."""
    if entrypoint and entrypoint[0].startswith("/nix/store/"):
        return "/".join(entrypoint[0].split("/")[:4])
    return None


@dataclass(frozen=True)
class Change:
    name: str  # store name without hash
    before: str | None
    after: str | None
    size_before: int
    size_after: int

    @property
    def delta(self) -> int:
        return self.size_after - self.size_before

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed" if self.before != self.after else "unchanged"


def diff(a: dict[str, int], b: dict[str, int]) -> list[Change]:
    """Store paths of two images (path → size) matched by name without hash."""
    def by_name(paths: dict[str, int]) -> dict[str, str]:
        return {short(p): p for p in paths}

    na, nb = by_name(a), by_name(b)
    changes = []
    for name in sorted(set(na) | set(nb)):
        pa, pb = na.get(name), nb.get(name)
        changes.append(Change(name, pa, pb, a.get(pa, 0) if pa else 0, b.get(pb, 0) if pb else 0))
    return changes
