"""Checks of built images with tools nobody here wrote: skopeo, umoci, bwrap."""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run


def image_ref(image: Path) -> str:
    """skopeo's name for an image nixbuild wrote: an OCI layout (a directory) or a docker-archive."""
    return f"oci:{image}" if image.is_dir() else f"docker-archive:{image}"


def skopeo_inspect(archive: Path, *, config: bool = False) -> dict:  # type: ignore[type-arg]
    args = ["skopeo", "inspect", *(["--config"] if config else []), image_ref(archive)]
    return json.loads(run(args).stdout)


def unpack(archive: Path, workdir: Path, tag: str = "t") -> Path:
    """image (OCI layout or docker-archive) → OCI layout (skopeo copy) → rootfs (umoci unpack);
    returns the rootfs."""
    workdir.mkdir(parents=True, exist_ok=True)
    layout = workdir / "oci"
    bundle = workdir / "bundle"
    run(["skopeo", "copy", "--quiet", image_ref(archive), f"oci:{layout}:{tag}"])
    run(["umoci", "unpack", "--rootless", "--image", f"{layout}:{tag}", str(bundle)])
    return bundle / "rootfs"


def layer_tars(image: Path) -> list[tarfile.TarFile]:
    """The layers of an image, in order, read with tarfile: from an OCI layout's manifest
    (index.json → manifest → layer blobs) or a docker-archive's manifest.json."""
    if image.is_dir():
        blobs = image / "blobs" / "sha256"
        (entry,) = json.loads((image / "index.json").read_text())["manifests"]
        manifest = json.loads((blobs / entry["digest"].removeprefix("sha256:")).read_text())
        return [tarfile.open(fileobj=io.BytesIO((blobs / l["digest"].removeprefix("sha256:")).read_bytes()))
                for l in manifest["layers"]]
    with tarfile.open(image) as archive:
        (manifest,) = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        return [tarfile.open(fileobj=io.BytesIO(archive.extractfile(n).read()))  # type: ignore[union-attr]
                for n in manifest["Layers"]]


def layout_size(layout: Path) -> int:
    """Bytes of an OCI layout's blobs (config, manifest, layers)."""
    return sum(b.stat().st_size for b in (layout / "blobs" / "sha256").iterdir())


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


def run_entrypoint(archive: Path, workdir: Path, target: str, args: list[str]) -> str:
    """``run_image`` with the target before the arguments (the cross tests' order)."""
    return run_image(archive, workdir, args, target=target)


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
    command = rootfs_command(rootfs, [*config["Entrypoint"], *args], target=target, uid=int(uid or 0),
                             gid=int(gid or uid or 0), env=config.get("Env", []),
                             workdir=config.get("WorkingDir") or "/")
    return run(command).stdout


def rootfs_command(rootfs: Path, argv: list[str], *, target: str, uid: int, gid: int, env: list[str],
                   workdir: str = "/", network: bool = False) -> list[str]:
    """bwrap running argv in the unpacked rootfs as uid:gid with the image's Env only;
    a foreign target's program runs under qemu-user (bound in as /qemu). ``network``:
    share the host's network namespace (a server the test reaches over loopback),
    every other namespace stays private."""
    bind: list[str] = []
    qemu = QEMU.get(target.removesuffix("-static"))
    if qemu is not None:
        bind = ["--ro-bind", run(["sh", "-c", f"command -v {qemu}"]).stdout.strip(), "/qemu"]
        argv = ["/qemu", *argv]
    namespaces = (["--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
                  if network else ["--unshare-all", "--unshare-user"])
    args = ["bwrap", "--bind", str(rootfs), "/", *bind, "--proc", "/proc", "--dev", "/dev", *namespaces,
            "--die-with-parent", "--clearenv", "--uid", str(uid), "--gid", str(gid), "--chdir", workdir]
    for item in env:
        key, _, value = item.partition("=")
        args += ["--setenv", key, value]
    return [*args, *argv]


@contextlib.contextmanager
def serving(command: list[str], url: str, timeout: float = 60.0) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server (command) and wait until ``url`` answers; stop it afterwards."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except (OSError, urllib.error.URLError) as exc:
                if proc.poll() is not None:
                    output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    raise AssertionError(f"{command} exited with {proc.returncode}:\n{output}") from exc
                if time.monotonic() > deadline:
                    raise AssertionError(f"{url} did not answer within {timeout} s") from exc
                time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


REGISTRY = "/usr/bin/docker-registry"


@contextlib.contextmanager
def serve_registry(work: Path) -> Iterator[tuple[str, Path]]:
    """Debian's docker-registry (distribution 2.8) on a free loopback port, storing under
    ``work/data``: yields (HOST:PORT, the storage directory); stopped afterwards. One that
    cannot start fails under CI and skips elsewhere."""
    if not os.access(REGISTRY, os.X_OK):
        unavailable("registry", f"{REGISTRY} is not installed (apt-get install docker-registry)")
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = work / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {work / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    log = (work / "registry.log").open("wb")
    proc = subprocess.Popen([REGISTRY, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                unavailable("registry", f"docker-registry did not start: {(work / 'registry.log').read_text()[-500:]}")
            time.sleep(0.1)
        yield f"127.0.0.1:{port}", work / "data"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
