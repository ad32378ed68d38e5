"""Crafted images for tests of the closure proof and the smoke tests: programs
compiled here with the real compilers (gcc, aarch64-linux-gnu-gcc) and the
host's C library copied into fake store paths, written as a docker-archive
(one layer, the docker save format streamLayeredImage writes)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Toolchain:
    cc: str
    loader: str  # the loader's file name
    libdir: Path  # where the host keeps this CPU's C library
    qemu: str | None  # qemu-user to run its programs here


X86_64 = Toolchain("gcc", "ld-linux-x86-64.so.2", Path("/lib/x86_64-linux-gnu"), None)
AARCH64 = Toolchain("aarch64-linux-gnu-gcc", "ld-linux-aarch64.so.1", Path("/usr/aarch64-linux-gnu/lib"),
                    "qemu-aarch64-static")
ARMHF = Toolchain("arm-linux-gnueabihf-gcc", "ld-linux-armhf.so.3", Path("/usr/arm-linux-gnueabihf/lib"),
                  "qemu-arm-static")


def store(name: str) -> str:
    """A store path for ``name`` (a made-up hash, in Nix's alphabet)."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    alphabet = "0123456789abcdfghijklmnpqrsvwxyz"
    return "/nix/store/" + "".join(alphabet[int(c, 16) * 2] for c in digest[:32]) + "-" + name


def compile_c(tc: Toolchain, source: str, out: Path, *args: str) -> Path:
    """Compile ``source`` (C text) with the toolchain's compiler."""
    out.parent.mkdir(parents=True, exist_ok=True)
    src = out.with_suffix(".c")
    src.write_text(source)
    subprocess.run([tc.cc, "-O1", "-o", str(out), str(src), *args], check=True, capture_output=True, text=True)
    src.unlink()
    return out


@dataclass
class Rootfs:
    """A file tree to become an image: paths are absolute inside the image."""

    top: Path
    config: dict[str, object] = field(default_factory=dict)

    def path(self, inside: str) -> Path:
        return self.top / inside.lstrip("/")

    def add(self, inside: str, source: Path, mode: int = 0o555) -> str:
        dest = self.path(inside)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        dest.chmod(mode)
        return inside

    def write(self, inside: str, data: str, mode: int = 0o555) -> str:
        dest = self.path(inside)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(data)
        dest.chmod(mode)
        return inside

    def link(self, inside: str, target: str) -> str:
        dest = self.path(inside)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.symlink_to(target)
        return inside

    def libc(self, tc: Toolchain, name: str = "glibc") -> str:
        """The host's C library for the toolchain's CPU, in a store path; returns its lib/."""
        lib = store(f"{name}-{tc.cc}") + "/lib"
        for file in (tc.loader, "libc.so.6"):
            self.add(f"{lib}/{file}", tc.libdir / file)
        return lib


def linked(tc: Toolchain, libc: str, *rpath: str) -> list[str]:
    """Link arguments for a program of the image: the store loader, and a RUNPATH (the
    host's loader searches only its own system directories, so the C library's directory
    is named as nixpkgs' ld-wrapper names it)."""
    return [f"-Wl,--dynamic-linker={libc}/{tc.loader}", "-Wl,--enable-new-dtags",
            "-Wl,-rpath," + ":".join([*rpath, libc])]


def write_archive(rootfs: Rootfs, dest: Path, *, architecture: str = "amd64") -> Path:
    """A docker-archive of the tree: manifest.json, the config, one layer."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(rootfs.top.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=path.relative_to(rootfs.top).as_posix())
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 1
            if info.isreg():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    layer_bytes = layer.getvalue()
    diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()
    config = json.dumps({"architecture": architecture, "os": "linux", "config": rootfs.config,
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": ["crafted:1"], "Layers": ["layer/layer.tar"]}]).encode()
    with tarfile.open(dest, mode="w") as archive:
        for name, data in ((config_name, config), ("layer/layer.tar", layer_bytes), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return dest
