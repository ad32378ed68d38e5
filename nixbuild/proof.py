"""The closure proof: before nixbuild says an image is done, it proves from the
image's own files (the docker-archive's layers, see imagefs.py) that the
entrypoint can start.

Checked, for the entrypoint and for every ELF file in the package's outputs
that reach the image:
- the file exists; the entrypoint is executable by the image's user;
- an ELF file's class and machine are the target's; a program that is not
  position-independent maps no segment below the lowest address Linux lets a
  program map; its interpreter exists in the image and is for the target too;
  every DT_NEEDED resolves to a library of the target's class and machine
  inside the image that defines the symbol versions the file needs;
- a script's ``#!`` interpreter exists in the image, and is proven the same way
  (``#!/usr/bin/env NAME``: NAME is on the image's PATH).

Libraries are searched as nixpkgs' dynamic loaders search them: DT_RPATH of
the object and of the objects that loaded it (only when the object has no
DT_RUNPATH), LD_LIBRARY_PATH from the image's Env, DT_RUNPATH, then the
interpreter's own directory (nixpkgs' glibc and musl look in their own lib/,
never in /lib or /usr/lib). ``$ORIGIN`` is the directory of the object. A
library already loaded (under its SONAME or the name it was loaded by)
satisfies a later DT_NEEDED of that name, as in ld.so. A library that no
program of the image loads is checked with the interpreters' directories the
image's programs use.

A failure is ``ProofError`` (exit 8): one line naming the file, what is
missing and the fix; every problem found is listed below it.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nixbuild import elf, platforms, providers
from nixbuild.errors import EXIT_PROOF, ImageRefusedError
from nixbuild.imagefs import ImageTree

_STORE_PREFIX = re.compile(r"^/nix/store/[0-9a-z]{32}-")
_MAX_SCRIPT_DEPTH = 4  # the kernel follows a few levels of #! interpreters
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # the OCI runtimes' default

HOST_COMPILER = ("the build used the host compiler — use `$CC` (shell mode: `make CC=$CC`; in a Makefile: `$(CC)`), "
                 "which nixbuild's shell sets to the target's compiler")
NO_SHELL = ("the image has no shell (distroless): make the entrypoint a compiled program, or add the interpreter "
            "with [image] extra (e.g. \"busybox.out\" gives /bin/sh; lift it from [image] forbid)")
# The lowest address Linux lets a program map (vm.mmap_min_addr; CONFIG_DEFAULT_MMAP_MIN_ADDR):
# 64 KiB in x86 distributions' kernels, at most 32 KiB on ARM and RISC-V. Only a process with
# CAP_SYS_RAWIO (root outside a container) may map below it.
_MIN_ADDRESS = {62: 0x10000, 3: 0x10000}
_MIN_ADDRESS_ELSEWHERE = 0x8000
NEWER_LIBRARY = ("build it against the package set's libraries, the ones the image holds: run its build through "
                 "nixbuild (shell mode: the build command, with $CC) rather than taking a program built elsewhere "
                 "(--no-build), which links the host's C library and libraries")
LOW_SEGMENT = ("a program is mapped at the addresses it names; patchelf leaves one like this when, to give it a "
               "longer RUNPATH or interpreter, it moves its headers into a new segment below its first (Go's "
               "internally linked arm64 programs start at 64 KiB): link it so that the fix-up need not grow it — for "
               "Go, `go build -ldflags=-linkmode=external` (the shell's $CC then sets the interpreter and RUNPATH) or "
               "CGO_ENABLED=0 (a static program)")


class ProofError(ImageRefusedError):
    """The image would not start: the closure proof found a missing or wrong file."""

    exit_code = EXIT_PROOF

    def __init__(self, problems: Sequence[Problem]):
        problems = list(dict.fromkeys(problems))
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
        super().__init__(f"the image would not start: {first.line}{more}", hint=first.fix,
                         details="\n".join(p.detail for p in problems) if len(problems) > 1 else None)
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Problem:
    file: str  # the file in the image, e.g. /nix/store/…-hello-bin/bin/hello
    what: str  # what is wrong, e.g. "needs libz.so.1, which is not in the image"
    fix: str  # the hint

    @property
    def line(self) -> str:
        return f"{display(self.file)}: {self.what}"

    @property
    def detail(self) -> str:
        return f"{self.file}: {self.what}"


@dataclass(frozen=True)
class Checked:
    """A file the proof checked, and what it found."""

    path: str
    kind: str  # "elf" or "script"
    machine: str | None = None  # ELF: e.g. "x86_64"
    interpreter: str | None = None  # resolved inside the image
    libraries: tuple[tuple[str, str], ...] = ()  # (DT_NEEDED, the file it resolves to), every object loaded


@dataclass(frozen=True)
class Proof:
    entrypoint: str  # resolved inside the image
    files: tuple[Checked, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "passed": True,
            "entrypoint": self.entrypoint,
            "files": [{"path": c.path, "kind": c.kind, "machine": c.machine, "interpreter": c.interpreter,
                       "libraries": dict(c.libraries)} for c in self.files],
        }

    def summary(self) -> str:
        elves = [c for c in self.files if c.kind == "elf"]
        libraries = {path for c in self.files for _, path in c.libraries}
        return (f"passed: entrypoint {display(self.entrypoint)}; {len(elves)} ELF file{'s' * (len(elves) != 1)} "
                f"checked, {len(libraries)} librar{'ies' if len(libraries) != 1 else 'y'} resolved inside the image")


def display(path: str) -> str:
    """A store path without its hash, as people read it: ``hello-1.0.0-bin/bin/hello``."""
    return _STORE_PREFIX.sub("", path)


@dataclass
class _State:
    tree: ImageTree
    platform: platforms.Platform
    env: dict[str, str]
    uid: int
    gid: int
    workdir: str
    problems: list[Problem] = field(default_factory=list)
    checked: dict[str, Checked] = field(default_factory=dict)
    parsed: dict[str, elf.ElfFile | None] = field(default_factory=dict)
    interpreter_dirs: list[str] = field(default_factory=list)

    def problem(self, file: str, what: str, fix: str) -> None:
        self.problems.append(Problem(file, what, fix))

    def parse(self, path: str) -> elf.ElfFile | None:
        """The ELF file at a resolved path (None, with a problem, when it does not read as one)."""
        if path not in self.parsed:
            try:
                with self.tree.open(path) as handle:
                    self.parsed[path] = elf.read(handle)
            except elf.NotElfError as exc:
                self.problem(path, f"is not a valid ELF file ({exc})", "rebuild it; the file is truncated or corrupt")
                self.parsed[path] = None
        return self.parsed[path]

    def fits(self, info: elf.ElfHeader) -> bool:
        return (info.machine, info.elf_class) == (self.platform.elf_machine, self.platform.elf_class)

    def mappable(self, path: str, info: elf.ElfFile) -> None:
        low = low_segment(path, info)
        if low is not None:
            self.problems.append(low)

    def wrong_machine(self, path: str, info: elf.ElfHeader, role: str = "") -> None:
        self.checked.setdefault(path, Checked(path, "elf", info.machine_name))
        self.problems.append(wrong_machine(path, info, self.platform, role))


def wrong_machine(path: str, info: elf.ElfHeader, platform: platforms.Platform, role: str = "",
                  fix: str = HOST_COMPILER) -> Problem:
    return Problem(path, f"{role}is an ELF binary for {info.machine_name} ({info.bits}-bit), but the image is for "
                   f"{platform.name}", fix)


def low_segment(path: str, info: elf.ElfFile) -> Problem | None:
    """A program that is not position-independent (ET_EXEC) is mapped at the addresses it
    names; one below vm.mmap_min_addr cannot start (EPERM from the kernel, "Error mapping
    file" from qemu-user)."""
    if info.kind != "EXEC" or not info.load_addresses:
        return None
    lowest = min(info.load_addresses)
    floor = _MIN_ADDRESS.get(info.machine, _MIN_ADDRESS_ELSEWHERE)
    if lowest >= floor:
        return None
    return Problem(path, f"cannot be loaded: it maps a segment at address {lowest:#x}, below the lowest address Linux "
                   f"lets a program map ({floor // 1024} KiB, vm.mmap_min_addr)", LOW_SEGMENT)


def check_built_file(path: Path, name: str, platform: platforms.Platform) -> None:
    """A file built outside Nix (shell mode's artifact) must be for the target's CPU: the
    proof's verdict, given before the file is taken into the store."""
    header = elf.read_header(path)
    if header is not None and (header.machine, header.elf_class) != (platform.elf_machine, platform.elf_class):
        raise ProofError([wrong_machine(name, header, platform, fix=HOST_COMPILER + (
            "; and build into a per-target path (artifact = \"build/{target}/app\", the build command using "
            "$NIXBUILD_TARGET), so that one target's build does not stand in for another's"))])


def _ids(config: dict[str, Any]) -> tuple[int, int]:
    user = str(config.get("User") or "0")
    uid, _, gid = user.partition(":")
    if uid.isdigit():
        return int(uid), int(gid) if gid.isdigit() else int(uid)
    return (0, 0) if uid == "root" else (-1, -1)  # a user name: its ids are not known here


def _executable(node_mode: int, owner: tuple[int, int], uid: int, gid: int) -> bool:
    if uid == 0:
        return bool(node_mode & 0o111)
    if owner[0] == uid:
        return bool(node_mode & 0o100)
    if owner[1] == gid:
        return bool(node_mode & 0o010)
    return bool(node_mode & 0o001)


def _expand(entry: str, origin: str, cwd: str) -> str:
    path = entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(cwd, path))


def prove(tree: ImageTree, *, platform: platforms.Platform, outputs: Sequence[str],
          config: dict[str, Any]) -> Proof:
    """Prove that the image's entrypoint can start; ProofError listing what is missing otherwise.

    ``outputs`` are the package's store paths in the image (their ELF files are
    checked too); ``config`` is the image config's ``config`` object."""
    env = dict(item.partition("=")[::2] for item in config.get("Env") or [])
    uid, gid = _ids(config)
    state = _State(tree, platform, env, uid, gid, config.get("WorkingDir") or "/")
    argv = list(config.get("Entrypoint") or []) + list(config.get("Cmd") or [])
    entrypoint = ""
    if not argv:
        state.problem("/", "the image has neither an entrypoint nor a cmd", "set [image] entrypoint")
    else:
        entrypoint = _program(state, argv[0], outputs)
    for output in outputs:
        for path in tree.files_under(output):
            if path in state.checked or not elf.is_elf(tree.head(path, 4)):
                continue
            info = state.parse(path)
            if info is None or not info.loadable:
                continue
            if not state.fits(info):
                state.wrong_machine(path, info)
                continue
            state.mappable(path, info)
            if info.interpreter:
                _load(state, path, info)
            else:
                _library(state, path, info)
    if state.problems:
        raise ProofError(state.problems)
    return Proof(entrypoint=entrypoint, files=tuple(state.checked.values()))


def _programs_in(tree: ImageTree, outputs: Sequence[str]) -> list[str]:
    return sorted({name for out in outputs for name in tree.listdir(f"{out}/bin")})


def _program(state: _State, name: str, outputs: Sequence[str], *, script: str | None = None, depth: int = 0) -> str:
    """Check a program the image starts: the entrypoint, or (``script``) the interpreter of a script."""
    tree = state.tree
    label = f"the interpreter of {display(script)}" if script else "the entrypoint"
    fix = NO_SHELL if script else _missing_program_fix(tree, outputs)
    if "/" not in name:
        search = state.env.get("PATH", DEFAULT_PATH)
        found = tree.which(name, search)
        if found is None:
            where = f"not a program on the image's PATH ({search})"
            if script:
                state.problem(script, f"runs {name!r}, which is {where}", fix)
            else:
                state.problem(name, f"the entrypoint is {where}", fix)
            return name
        name = found
    resolved = tree.resolve(name, cwd=state.workdir)
    node = tree.nodes.get(resolved) if resolved else None
    if node is None or resolved is None:
        if script:
            state.problem(script, f"starts with #!{name}, which is not in the image", fix)
        else:
            state.problem(name, "the entrypoint does not exist in the image", fix)
        return name
    if node.kind != "file":
        state.problem(resolved, f"{label} is a {'directory' if node.kind == 'dir' else node.kind}, not a program", fix)
        return resolved
    if state.uid != -1 and not _executable(node.mode, (node.uid, node.gid), state.uid, state.gid):
        state.problem(resolved, f"{label} is not executable (mode {node.mode:04o})",
                      "install it with mode 0755 (e.g. `install -m755`)")
        return resolved
    head = tree.head(resolved)
    if elf.is_elf(head):
        info = state.parse(resolved)
        if info is not None:
            if not state.fits(info):
                state.wrong_machine(resolved, info)
            else:
                state.mappable(resolved, info)
                _load(state, resolved, info)
    elif head.startswith(b"#!"):
        _script(state, resolved, head, outputs, depth)
    else:
        state.problem(resolved, f"{label} is neither an ELF program nor a #! script", fix)
    return resolved


def _missing_program_fix(tree: ImageTree, outputs: Sequence[str]) -> str:
    programs = _programs_in(tree, outputs)
    if not programs:
        return "the package installs no program in bin/: install one, or set [image] entrypoint to a program"
    return f"the package installs: {', '.join(programs[:8])}; set [package] program (or [image] entrypoint) to one of them"


def shebang(head: bytes) -> tuple[str, str] | None:
    """A script's ``#!`` line as the kernel splits it: (interpreter, the optional argument)."""
    if not head.startswith(b"#!"):
        return None
    line = head[2:].split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
    interpreter, _, argument = line.replace("\t", " ").partition(" ")
    return interpreter, argument.strip()


def _script(state: _State, path: str, head: bytes, outputs: Sequence[str], depth: int) -> None:
    interpreter, argument = shebang(head) or ("", "")
    state.checked[path] = Checked(path, "script", interpreter=interpreter or None)
    if not interpreter:
        state.problem(path, "starts with #! but names no interpreter", NO_SHELL)
        return
    if depth >= _MAX_SCRIPT_DEPTH:
        state.problem(path, "has too many levels of #! interpreters", NO_SHELL)
        return
    _program(state, interpreter, outputs, script=path, depth=depth + 1)
    if posixpath.basename(interpreter) == "env" and argument.strip():
        words = [w for w in shlex.split(argument, posix=True) if not w.startswith("-") and "=" not in w]
        if words:
            _program(state, words[0], outputs, script=path, depth=depth + 1)


def _load(state: _State, program: str, info: elf.ElfFile) -> None:
    """Load ``program`` as its interpreter would: the interpreter, then every needed library."""
    tree = state.tree
    if program in state.checked:
        return
    machine = info.machine_name
    interpreter = None
    loaded: dict[str, str] = {}
    defaults: list[str] = []
    if info.interpreter:
        interpreter = tree.resolve(info.interpreter)
        node = tree.nodes.get(interpreter) if interpreter else None
        if interpreter is None or node is None or node.kind != "file":
            store = info.interpreter.startswith("/nix/store/")
            state.problem(program, f"needs the interpreter {info.interpreter}, which is not in the image",
                          "add its package's output with [image] extra" if store else HOST_COMPILER)
            state.checked[program] = Checked(program, "elf", machine, info.interpreter)
            return
        loader = state.parse(interpreter)
        if loader is None:
            return
        if not state.fits(loader):
            state.wrong_machine(interpreter, loader, role=f"(the interpreter of {display(program)}) ")
            return
        defaults = [posixpath.dirname(interpreter)]
        if defaults[0] not in state.interpreter_dirs:
            state.interpreter_dirs.append(defaults[0])
        loaded[posixpath.basename(info.interpreter)] = interpreter
        if loader.soname:
            loaded[loader.soname] = interpreter
    libraries = _resolve_all(state, program, info, loaded, defaults)
    state.checked[program] = Checked(program, "elf", machine, interpreter, libraries)


def _library(state: _State, path: str, info: elf.ElfFile) -> None:
    """A shared library no program of the image loaded (yet): its own needs must resolve."""
    dirs = state.interpreter_dirs or sorted({posixpath.dirname(p) for p in state.tree.nodes
                                              if re.match(r"ld-(linux|musl)[^/]*\.so", posixpath.basename(p))})
    loaded = {posixpath.basename(p): p for p in (state.tree.resolve(f"{d}/{n}") for d in dirs
                                                 for n in state.tree.listdir(d)) if p}
    libraries = _resolve_all(state, path, info, loaded, dirs)
    state.checked[path] = Checked(path, "elf", info.machine_name, None, libraries)


def _resolve_all(state: _State, top: str, info: elf.ElfFile, loaded: dict[str, str],
                 defaults: list[str]) -> tuple[tuple[str, str], ...]:
    """Breadth-first, as ld.so maps the needed libraries of ``top`` and of each library it loads."""
    ld_library_path = [d for d in state.env.get("LD_LIBRARY_PATH", "").split(":") if d]
    found: list[tuple[str, str]] = []
    queue: deque[tuple[str, elf.ElfFile, tuple[str, ...]]] = deque([(top, info, ())])
    seen = {top}
    while queue:
        path, obj, chain = queue.popleft()
        origin = posixpath.dirname(path)
        rpath = tuple(_expand(d, origin, state.workdir) for d in obj.rpath)
        runpath = [_expand(d, origin, state.workdir) for d in obj.runpath]
        for name in obj.needed:
            if name in loaded:
                _versions(state, path, obj, name, loaded[name])
                continue
            dirs = [*(() if obj.runpath else (*rpath, *chain)), *ld_library_path, *runpath, *defaults]
            hit, wrong = _search(state, name, dirs)
            if hit is None:
                _unresolved(state, path, name, dirs, wrong, obj)
                continue
            lib = state.parse(hit)
            if lib is None:
                continue
            _versions(state, path, obj, name, hit)
            loaded[name] = hit
            if lib.soname:
                loaded[lib.soname] = hit
            found.append((name, hit))
            if hit not in seen:
                seen.add(hit)
                queue.append((hit, lib, chain + (() if obj.runpath else rpath)))
    return tuple(found)


def _versions(state: _State, path: str, obj: elf.ElfFile, name: str, lib_path: str) -> None:
    """ld.so refuses to start a program when a library it loads lacks a symbol version the
    program (or a library) was linked against: "version `GLIBC_2.38' not found"."""
    needed = obj.versions_needed_of(name)
    lib = state.parse(lib_path) if needed else None
    if lib is None or not lib.version_defs:
        return  # a library without version definitions satisfies any (ld.so only warns)
    missing = [v for v in needed if v not in lib.version_defs]
    if missing:
        state.problem(path, f"needs version {missing[0]} of {name}, which the image's {display(lib_path)} does not "
                      f"define (it was linked against a newer {name})", NEWER_LIBRARY)


def _search(state: _State, name: str, dirs: Sequence[str]) -> tuple[str | None, list[tuple[str, elf.ElfHeader]]]:
    """The first file called ``name`` in ``dirs`` that is an ELF library for the target; the
    candidates the loader would skip (another machine or class) beside it."""
    wrong: list[tuple[str, elf.ElfHeader]] = []
    candidates = [name] if "/" in name else [f"{d}/{name}" for d in dirs]
    for candidate in dict.fromkeys(candidates):
        resolved = state.tree.resolve(candidate, cwd=state.workdir)
        node = state.tree.nodes.get(resolved) if resolved else None
        if resolved is None or node is None or node.kind != "file" or not elf.is_elf(state.tree.head(resolved, 4)):
            continue
        lib = state.parse(resolved)
        if lib is None:
            continue
        if state.fits(lib):
            return resolved, wrong
        wrong.append((resolved, lib))
    return None, wrong


def _unresolved(state: _State, path: str, name: str, dirs: Sequence[str], wrong: list[tuple[str, elf.ElfHeader]],
                obj: elf.ElfFile) -> None:
    if wrong:
        where, lib = wrong[0]
        state.problem(path, f"needs {name}; the image's {display(where)} is for {lib.machine_name} "
                      f"({lib.bits}-bit), not {state.platform.name}", HOST_COMPILER)
        return
    outside = [d for d in dict.fromkeys([*obj.runpath, *obj.rpath]) if d.startswith("/") and not d.startswith("/nix/store/")]
    searched = ", ".join(display(d) for d in dict.fromkeys(dirs)) or "no directory: it has no RUNPATH"
    if outside:
        state.problem(path, f"needs {name}, which is not in the image; its RUNPATH {':'.join(outside)} is outside "
                      "the image (the library stayed in the build tree)",
                      "install the library with the program: list it in [package] artifact (shell mode) "
                      "or install it into $out/lib (hermetic builds)")
        return
    known = providers.of_library(name)
    example = f'inputs = ["{known}"]' if known else 'inputs = ["PACKAGE"]'
    extra = f'"{known}.out"' if known else '"PACKAGE.out"'
    state.problem(path, f"needs {name}, which is not in the image (searched: {searched})",
                  f"add the package that provides {name} to [package] inputs ({example}) so that the build links "
                  f"the package set's copy; a library loaded only at run time goes in [image] extra ({extra})")
