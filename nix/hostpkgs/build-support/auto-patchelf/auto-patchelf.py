"""hostpkgs' auto-patchelf: the command behind autoPatchelfHook.

Same command line and behaviour as nixpkgs' auto-patchelf (see README.md
beside this file for the facts it follows); written for hostpkgs with the
host's Python and pyelftools (Debian python3-pyelftools) and patchelf.

For every ELF file under --paths (symlinks skipped): statically linked
executables, files without segments and files for another CPU or OS ABI than
the package set's dynamic linker are left alone. A dynamically linked
executable gets that dynamic linker as interpreter and the --runtime-dependencies
first in its RUNPATH. Each needed library is looked up, first among the shared
libraries under --paths, then in --libs (and, in both, the RUNPATH
directories of the libraries found there); the directory it is found in goes
into the RUNPATH, then --append-rpaths. A library of the C library is left to
the dynamic linker in nixpkgs (its loader searches its own lib/); hostpkgs'
loader is the host's, which searches only the host's directories, so here the
C library's directory goes into the RUNPATH instead (the one difference). The
RUNPATH is replaced only when something was found; missing libraries fail the
build unless --ignore-missing matches them (fnmatch patterns).
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile


@dataclass(frozen=True)
class Elf:
    arch: str
    osabi: str
    static_executable: bool
    dynamic_executable: bool
    segments: int
    needed: tuple[str, ...]
    runpath: tuple[str, ...]


def read_elf(path: Path) -> Elf | None:
    """The facts auto-patchelf needs, or None when the file is not ELF."""
    try:
        with path.open("rb") as stream:
            elf = ELFFile(stream)
            interp = any(seg.header.p_type == "PT_INTERP" for seg in elf.iter_segments())
            needed: list[str] = []
            runpath: list[str] = []
            for section in elf.iter_sections():
                if isinstance(section, DynamicSection):
                    tags = list(section.iter_tags())
                    needed = [t.needed for t in tags if t.entry.d_tag == "DT_NEEDED"]
                    run = [t.runpath for t in tags if t.entry.d_tag == "DT_RUNPATH"]
                    old = [t.rpath for t in tags if t.entry.d_tag == "DT_RPATH"]
                    runpath = (run or old or [""])[0].split(":")
                    break
            return Elf(
                arch=elf.get_machine_arch(),
                osabi=elf.header["e_ident"]["EI_OSABI"],
                static_executable=elf.header["e_type"] == "ET_EXEC" and not interp,
                dynamic_executable=interp,
                segments=elf.num_segments(),
                needed=tuple(needed),
                runpath=tuple(p for p in runpath if p),
            )
    except (ELFError, OSError, ValueError):
        return None


def osabi_compatible(wanted: str, got: str) -> bool:
    return not wanted or not got or "ELFOSABI_SYSV" in (wanted, got) or wanted == got


@dataclass
class Libraries:
    """Shared libraries by (file name, arch), in the order they were found."""

    found: dict[tuple[str, str], list[tuple[Path, str]]] = field(default_factory=dict)
    scanned: set[Path] = field(default_factory=set)

    def add(self, roots: list[Path], recursive: bool) -> None:
        queue = list(roots)
        while queue:
            root = queue.pop(0)
            if root in self.scanned:
                continue
            self.scanned.add(root)
            if root.is_dir():
                candidates = sorted(root.rglob("*.so*") if recursive else root.glob("*.so*"))
            else:
                candidates = [root] if ".so" in root.name else []
            for path in candidates:
                if not path.is_file():
                    continue
                facts = read_elf(path)
                if facts is None:
                    continue
                resolved = path.resolve()
                where = resolved.parent if resolved.name == path.name else path.parent
                self.found.setdefault((path.name, facts.arch), []).append((where, facts.osabi))
                # A library's own RUNPATH names more places to look.
                queue += [Path(p) for p in facts.runpath if "$ORIGIN" not in p]

    def lookup(self, name: str, arch: str, osabi: str) -> Path | None:
        for where, libabi in self.found.get((name, arch), []):
            if osabi_compatible(osabi, libabi):
                return where
        return None


@dataclass(frozen=True)
class Target:
    interpreter: Path
    arch: str
    osabi: str
    libc_lib: Path


def patchelf(args: list[str], extra: list[str]) -> None:
    subprocess.run(["patchelf", *args, *extra], check=True)


def patch_file(path: Path, target: Target, libs: Libraries, opts: argparse.Namespace) -> list[tuple[Path, str, bool]]:
    """Fix one file; returns (file, needed library, found) for each library looked up."""
    facts = read_elf(path)
    if facts is None:
        return []
    if facts.static_executable:
        print(f"skipping {path} because it is statically linked")
        return []
    if facts.segments == 0:
        print(f"skipping {path} because it contains no segment")
        return []
    if facts.arch != target.arch:
        print(f"skipping {path} because its architecture ({facts.arch}) differs from target ({target.arch})")
        return []
    if not osabi_compatible(target.osabi, facts.osabi):
        print(f"skipping {path} because its OS ABI ({facts.osabi}) is not compatible with target ({target.osabi})")
        return []
    rpath: list[str] = []
    if facts.dynamic_executable:
        rpath += [str(p) for p in opts.runtime_dependencies]
    print("searching for dependencies of", path)
    results = []
    libc_needed = False
    for name in facts.needed:
        dep = Path(name)
        in_libc = (target.libc_lib / dep).is_file()
        if dep.is_absolute() and dep.is_file():
            continue
        if in_libc and not opts.keep_libc:
            # nixpkgs leaves these to its loader; hostpkgs' loader does not search its own lib/.
            libc_needed = True
            continue
        where = libs.lookup(dep.name, facts.arch, facts.osabi)
        if where is not None:
            rpath.append(str(where))
            results.append((path, name, True))
            print(f"    {name} -> found: {where}")
        elif in_libc:
            rpath.append(str(target.libc_lib))
        else:
            results.append((path, name, False))
            print(f"    {name} -> not found!")
    rpath += [str(p) for p in opts.append_rpaths]
    ours = ":".join(dict.fromkeys(rpath))  # what nixpkgs' auto-patchelf would set
    full = ":".join(dict.fromkeys(rpath + ([str(target.libc_lib)] if libc_needed else [])))
    # The patchelf calls nixpkgs makes, in its order (interpreter, then RUNPATH
    # when there is one). Where only hostpkgs sets a RUNPATH (the C library's
    # directory alone), it is set first: patchelf before 0.19 can corrupt a
    # binary (Go's, for one) whose RUNPATH is set after its interpreter
    # (NixOS/patchelf#524), and nixpkgs would make no such second change.
    if full and not ours:
        print("setting RPATH to:", full)
        patchelf(["--set-rpath", full, str(path)], opts.extra_args)
    if facts.dynamic_executable:
        print("setting interpreter of", path)
        patchelf(["--set-interpreter", str(target.interpreter), str(path)], opts.extra_args)
    if ours:
        print("setting RPATH to:", full)
        patchelf(["--set-rpath", full, str(path)], opts.extra_args)
    return results


def files_to_patch(paths: list[Path], recursive: bool) -> list[Path]:
    out: list[Path] = []
    for root in paths:
        if root.is_dir():
            out += sorted(root.rglob("*") if recursive else root.glob("*"))
        else:
            out.append(root)
    return [p for p in out if not p.is_symlink() and p.is_file()]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="auto-patchelf")
    parser.add_argument("--ignore-missing", nargs="*", default=[])
    parser.add_argument("--no-recurse", dest="recursive", action="store_false")
    parser.add_argument("--paths", nargs="*", type=Path, required=True)
    parser.add_argument("--libs", nargs="*", type=Path, default=[])
    parser.add_argument("--runtime-dependencies", nargs="*", type=Path, default=[])
    parser.add_argument("--append-rpaths", nargs="*", type=Path, default=[])
    parser.add_argument("--keep-libc", action="store_true")
    parser.add_argument("--ignore-existing", dest="add_existing", action="store_false")
    parser.add_argument("--extra-args", nargs=argparse.REMAINDER, default=[])
    opts = parser.parse_args(argv)
    print("automatically fixing dependencies for ELF files")
    if not opts.paths:
        print("No paths to patch, stopping.", file=sys.stderr)
        return 1

    support = Path(os.environ["NIX_BINTOOLS"]) / "nix-support"
    interpreter = Path((support / "dynamic-linker").read_text().strip())
    interp_facts = read_elf(interpreter)
    if interp_facts is None:
        print(f"auto-patchelf: cannot read the dynamic linker {interpreter}", file=sys.stderr)
        return 1
    target = Target(interpreter, interp_facts.arch, interp_facts.osabi,
                    Path((support / "orig-libc").read_text().strip()) / "lib")

    libs = Libraries()
    if opts.add_existing:
        libs.add(list(opts.paths), opts.recursive)
    libs.add(list(opts.libs), False)

    results: list[tuple[Path, str, bool]] = []
    for path in files_to_patch(opts.paths, opts.recursive):
        results += patch_file(path, target, libs, opts)

    missing = [(f, n) for f, n, ok in results if not ok]
    print(f"auto-patchelf: {len(missing)} dependencies could not be satisfied")
    failed = False
    for file, name in missing:
        if any(fnmatch.fnmatch(name, pattern) for pattern in opts.ignore_missing):
            print(f"warn: auto-patchelf ignoring missing {name} wanted by {file}")
        else:
            print(f"error: auto-patchelf could not satisfy dependency {name} wanted by {file}")
            failed = True
    if failed:
        print("auto-patchelf failed to find all the required dependencies.\n"
              "Add the missing dependencies to --libs or use `--ignore-missing=\"foo.so.1 bar.so etc.so\"`.",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
