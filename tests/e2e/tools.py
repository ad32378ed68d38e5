"""Checks of built images with tools nobody here wrote: skopeo, umoci, bwrap."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from tests.conftest import run


def skopeo_inspect(archive: Path, *, config: bool = False) -> dict:  # type: ignore[type-arg]
    args = ["skopeo", "inspect", *(["--config"] if config else []), f"docker-archive:{archive}"]
    return json.loads(run(args).stdout)


def unpack(archive: Path, workdir: Path, tag: str = "t") -> Path:
    """docker-archive → OCI layout (skopeo copy) → rootfs (umoci unpack); returns the rootfs."""
    workdir.mkdir(parents=True, exist_ok=True)
    layout = workdir / "oci"
    bundle = workdir / "bundle"
    run(["skopeo", "copy", "--quiet", f"docker-archive:{archive}", f"oci:{layout}:{tag}"])
    run(["umoci", "unpack", "--rootless", "--image", f"{layout}:{tag}", str(bundle)])
    return bundle / "rootfs"


def store_paths_in(rootfs: Path) -> set[str]:
    store = rootfs / "nix" / "store"
    return {f"/nix/store/{p.name}" for p in store.iterdir()} if store.is_dir() else set()


def bwrap_run(rootfs: Path, argv: list[str], *, uid: int, gid: int, env: list[str],
              workdir: str = "/") -> str:
    """Run argv inside the unpacked rootfs, isolated, as uid:gid, with the image's Env only."""
    args = ["bwrap", "--bind", str(rootfs), "/", "--proc", "/proc", "--dev", "/dev",
            "--unshare-all", "--die-with-parent", "--clearenv",
            "--unshare-user", "--uid", str(uid), "--gid", str(gid), "--chdir", workdir]
    for item in env:
        key, _, value = item.partition("=")
        args += ["--setenv", key, value]
    return run([*args, *argv]).stdout


QEMU = {"aarch64-linux": "qemu-aarch64-static", "riscv64-linux": "qemu-riscv64-static",
        "armv7l-linux": "qemu-arm-static"}


def run_entrypoint(archive: Path, workdir: Path, target: str, args: list[str]) -> str:
    """Unpack the image and run its entrypoint with ``args`` from the rootfs under bwrap, as the
    image's user with the image's Env and WorkingDir; a foreign target's binary under qemu-user
    (bound into the sandbox). Returns stdout; a non-zero exit fails the test."""
    config = skopeo_inspect(archive, config=True)["config"]
    rootfs = unpack(archive, workdir)
    argv = [*config["Entrypoint"], *args]
    bind: list[str] = []
    if target in QEMU:
        qemu = run(["sh", "-c", f"command -v {QEMU[target]}"]).stdout.strip()
        bind = ["--ro-bind", qemu, "/qemu"]
        argv = ["/qemu", *argv]
    uid, _, gid = (config.get("User") or "0:0").partition(":")
    cmd = ["bwrap", "--bind", str(rootfs), "/", *bind, "--proc", "/proc", "--dev", "/dev", "--unshare-all",
           "--die-with-parent", "--clearenv", "--unshare-user", "--uid", uid, "--gid", gid or uid,
           "--chdir", config.get("WorkingDir") or "/"]
    for item in config.get("Env") or []:
        key, _, value = item.partition("=")
        cmd += ["--setenv", key, value]
    return run([*cmd, *argv]).stdout


def free_port() -> int:
    """A free TCP port on loopback, for a server a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unavailable(what: str, reason: str) -> None:
    """A service a test needs could not start: fail under CI (it must run there), skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} test cannot run in CI: {reason}")
    pytest.skip(reason)


QEMU = {"aarch64-linux": "qemu-aarch64-static", "riscv64-linux": "qemu-riscv64-static",
        "armv7l-linux": "qemu-arm-static"}


def run_image(archive: Path, workdir: Path, args: list[str], *, target: str = "x86_64-linux") -> str:
    """Unpack the image and run its entrypoint with ``args`` under bwrap, as the
    image's user with its Env and WorkingDir (a foreign target's binary under
    qemu-user bound into the rootfs); returns stdout."""
    config = skopeo_inspect(archive, config=True)["config"]
    rootfs = unpack(archive, workdir)
    uid, _, gid = config.get("User", "0:0").partition(":")
    argv = [*config["Entrypoint"], *args]
    prefix: list[str] = []
    if target in QEMU:
        qemu = run(["sh", "-c", f"command -v {QEMU[target]}"]).stdout.strip()
        prefix = ["--ro-bind", qemu, "/qemu"]
        argv = ["/qemu", *argv]
    cmd = ["bwrap", "--bind", str(rootfs), "/", *prefix, "--proc", "/proc", "--dev", "/dev", "--unshare-all",
           "--die-with-parent", "--clearenv", "--unshare-user", "--uid", uid or "0", "--gid", gid or uid or "0",
           "--chdir", config.get("WorkingDir") or "/"]
    for item in config.get("Env", []):
        key, _, value = item.partition("=")
        cmd += ["--setenv", key, value]
    return run([*cmd, *argv]).stdout
