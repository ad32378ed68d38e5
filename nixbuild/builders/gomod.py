"""What a Go module's own files say: go.mod (module path, requirements),
vendor/modules.txt, and which directories hold a ``main`` package and so
become programs (``go install`` names each after its directory, or the
module path for the module's root).

Only reads files; never runs go.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# The directories `go` and nixpkgs' buildGoModule skip when they look for packages.
_SKIP_DIRS = {"vendor", "testdata", "examples", "Godeps", "node_modules"}
_MODULE = re.compile(r'^\s*module\s+"?([^"\s]+)"?', re.MULTILINE)
_GO_LINE = re.compile(r"^\s*go\s+(\d+\.\d+(?:\.\d+)?)", re.MULTILINE)
_REQUIRE = re.compile(r"^\s*require\s*(?:\(\s*\n(?P<block>.*?)^\s*\)|(?P<one>\S+\s+\S+))", re.MULTILINE | re.DOTALL)
_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_MAJOR = re.compile(r"v[0-9]+\Z")


@dataclass(frozen=True)
class GoModule:
    path: str  # the module path, e.g. "example.com/hello"
    go: str | None  # the `go` line, e.g. "1.19"
    requires: tuple[str, ...]  # required module paths
    vendored: bool  # vendor/modules.txt exists: dependencies are in the tree

    def program_of(self, package_dir: str) -> str:
        """The file name `go install` gives the program of a main package in
        ``package_dir`` (relative to the module root): the directory's name, or
        for the root the last element of the module path (a /vN suffix is skipped)."""
        rel = PurePosixPath(package_dir)
        if rel.parts and rel.as_posix() != ".":
            return rel.name
        elements = self.path.split("/")
        if len(elements) > 1 and _MAJOR.match(elements[-1]):
            return elements[-2]
        return elements[-1]


def read(root: Path) -> GoModule | None:
    """The module at ``root`` (its go.mod), or None when there is none."""
    gomod = root / "go.mod"
    if not gomod.is_file():
        return None
    text = gomod.read_text(errors="replace")
    text = re.sub(r"//[^\n]*", "", text)
    module = _MODULE.search(text)
    go_line = _GO_LINE.search(text)
    requires: list[str] = []
    for match in _REQUIRE.finditer(text):
        lines = match.group("block").splitlines() if match.group("block") is not None else [match.group("one")]
        requires.extend(line.split()[0] for line in lines if line.strip())
    return GoModule(
        path=module.group(1) if module else root.name,
        go=go_line.group(1) if go_line else None,
        requires=tuple(requires),
        vendored=(root / "vendor" / "modules.txt").is_file(),
    )


def main_packages(root: Path) -> tuple[str, ...]:
    """Directories (relative, POSIX, "." for the root) whose non-test Go files
    declare ``package main``, skipping what buildGoModule skips (vendor/,
    testdata/, examples/, directories starting with "_" or ".")."""
    found: list[str] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith(("_", ".")))
        sources = sorted(f for f in files if f.endswith(".go") and not f.endswith("_test.go"))
        if any(package_name(Path(directory) / f) == "main" for f in sources):
            rel = Path(directory).relative_to(root).as_posix()
            found.append(rel or ".")
    return tuple(found)


def package_name(path: Path) -> str | None:
    """The package clause of a Go file, or None."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return None
    match = _PACKAGE.search(_COMMENTS.sub("", text))
    return match.group(1) if match else None


def has_go_files(directory: Path) -> bool:
    return directory.is_dir() and any(p.suffix == ".go" and not p.name.endswith("_test.go")
                                      for p in directory.iterdir() if p.is_file())
