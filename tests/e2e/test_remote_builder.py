"""The remote-builder plan end to end: a simulated macOS host
(NIXBUILD_HOST_SYSTEM=x86_64-darwin) with `max-jobs = 0` builds examples/hello-c
on a real Linux builder — an sshd on loopback serving a separate Nix store —
and gets the results copied back.

The project's source carries a per-run nonce so its package derivation is new
and cannot already be valid in the local store: it must be built on the builder.

An sshd that cannot start skips these tests on a developer machine but FAILS
them when the CI environment variable is set.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import NIX_CONFIG, copy_example, nix_env, nixbuild, run
from tests.e2e.tools import bwrap_run, free_port, skopeo_inspect, unavailable, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

SSHD = "/usr/sbin/sshd"
HOST = "x86_64-darwin"


@dataclass(frozen=True)
class Builder:
    uri: str
    store: Path  # the builder's store: its paths live under store/nix/store
    sshopts: str

    def env(self, *, with_builder: bool = True) -> dict[str, str]:
        config = NIX_CONFIG + "\nmax-jobs = 0"
        if with_builder:
            config += f"\nbuilders = {self.uri} x86_64-linux"
        return nix_env(NIXBUILD_HOST_SYSTEM=HOST, NIX_CONFIG=config, NIX_SSHOPTS=self.sshopts)

    def has(self, store_path: str) -> bool:
        return (self.store / store_path.lstrip("/")).exists()


@pytest.fixture(scope="module")
def builder(tmp_path_factory):  # type: ignore[no-untyped-def]
    if not os.access(SSHD, os.X_OK):
        unavailable("remote-builder", f"{SSHD} is not installed (apt-get install openssh-server)")
    work = tmp_path_factory.mktemp("builder")
    for key in ("host_key", "client_key"):
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / key)])
    shutil.copy(work / "client_key.pub", work / "authorized_keys")
    try:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
    except OSError as exc:
        unavailable("remote-builder", f"cannot create /run/sshd: {exc}")
    port = free_port()
    config = work / "sshd_config"
    config.write_text(
        f"ListenAddress 127.0.0.1:{port}\n"
        f"HostKey {work / 'host_key'}\n"
        f"AuthorizedKeysFile {work / 'authorized_keys'}\n"
        f"PidFile {work / 'sshd.pid'}\n"
        "PermitRootLogin yes\nUsePAM no\nStrictModes no\nPasswordAuthentication no\n"
    )
    # The builder's nix-store gets the same settings as the client (sandbox,
    # no substituters) through a remote-program wrapper.
    wrapper = work / "remote-nix-store"
    nix_store = shutil.which("nix-store") or "nix-store"
    wrapper.write_text(f'#!/bin/sh\nexport NIX_CONFIG={shlex.quote(NIX_CONFIG)}\nexec {nix_store} "$@"\n')
    wrapper.chmod(0o755)
    store = work / "store"
    sshopts = (
        f"-p {port} -i {work / 'client_key'} -o StrictHostKeyChecking=no "
        "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
    )
    log = (work / "sshd.log").open("wb")
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            probe = subprocess.run(
                ["ssh", *sshopts.split(), "-o", "BatchMode=yes", "-o", "ConnectTimeout=2", "root@127.0.0.1", "true"],
                capture_output=True,
                text=True,
            )
            if probe.returncode == 0:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                unavailable("remote-builder", 
                    f"sshd did not accept a login: {probe.stderr.strip()[-300:]} "
                    f"{(work / 'sshd.log').read_text()[-500:]}"
                )
            time.sleep(0.2)
        # A builder using the client's own store would deadlock on the output lock.
        uri = f"ssh://root@127.0.0.1?remote-store={store}&remote-program={wrapper}"
        yield Builder(uri=uri, store=store, sshopts=sshopts)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory):  # type: ignore[no-untyped-def]
    """hello-c with a nonce in its source: a package derivation nobody has built yet."""
    root = copy_example("hello-c", tmp_path_factory.mktemp("remote"))
    source = root / "hello.c"
    source.write_text(source.read_text() + f"/* nonce {uuid.uuid4().hex} */\n")
    return root


def _package_output(archive: Path) -> str:
    """The imaged package output: the store path two levels above the entrypoint binary."""
    entrypoint = skopeo_inspect(archive, config=True)["config"]["Entrypoint"][0]
    return "/".join(entrypoint.split("/")[:4])


def test_without_a_builder_the_image_command_says_what_to_configure(builder: Builder, project: Path) -> None:
    result = nixbuild("image", "--json", "-C", str(project), env=builder.env(with_builder=False))
    assert result.returncode == 2, result.stderr
    assert f"{HOST} cannot build Linux images by itself and no Linux builder is configured" in result.stderr
    assert "builders = ssh-ng://builder x86_64-linux" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def native(builder: Builder, project: Path):  # type: ignore[no-untyped-def]
    result = nixbuild("image", "--json", "-C", str(project), env=builder.env())
    assert result.returncode == 0, result.stderr
    return result.json()


def test_package_is_built_on_the_builder_and_copied_back(builder: Builder, native) -> None:  # type: ignore[no-untyped-def]
    output = _package_output(Path(native["image"]))
    assert output.endswith("-hello-1.0.0-bin")
    assert builder.has(output), f"{output} is not in the builder's store {builder.store}"
    # The local store holds it too (copied back), valid and with the builder's content.
    run(["nix-store", "--check-validity", output])
    local_hash = run(["nix-store", "--query", "--hash", output]).stdout.strip()
    remote_hash = run(["nix-store", "--store", str(builder.store), "--query", "--hash", output]).stdout.strip()
    assert local_hash == remote_hash


def test_the_archive_is_written_on_the_builder(builder: Builder, native) -> None:  # type: ignore[no-untyped-def]
    """A macOS host cannot run the Linux stream script: the builder writes the
    docker-archive into its store and Nix copies it back."""
    assert native["plan"]["how"] == "remote" and native["plan"]["builder"] == builder.uri
    archives = list((builder.store / "nix" / "store").glob("*-nixbuild-image.tar"))
    assert archives, "the builder did not write the image archive"
    # The layout holds that archive's image: the same config bytes and layers.
    layout = f"oci:{native['image']}"
    config = run(["skopeo", "inspect", "--config", "--raw", layout]).stdout
    layers = json.loads(run(["skopeo", "inspect", layout]).stdout)["Layers"]
    assert any(run(["skopeo", "inspect", "--config", "--raw", f"docker-archive:{a}"]).stdout == config
               and json.loads(run(["skopeo", "inspect", f"docker-archive:{a}"]).stdout)["Layers"] == layers
               for a in archives)


def test_shell_mode_on_a_remote_plan_is_refused(builder: Builder, tmp_path: Path) -> None:
    project = copy_example("hello-c-shell", tmp_path)
    result = nixbuild("image", "-C", str(project), env=builder.env())
    assert result.returncode == 2, result.stderr
    assert "runs the build command on this host" in result.stderr


def test_remotely_built_image_runs(native, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    archive = Path(native["image"])
    assert skopeo_inspect(archive)["Architecture"] == "amd64"
    config = skopeo_inspect(archive, config=True)["config"]
    rootfs = unpack(archive, tmp_path)
    uid, gid = (int(x) for x in config["User"].split(":"))
    out = bwrap_run(
        rootfs, config["Entrypoint"], uid=uid, gid=gid, env=config["Env"], workdir=config.get("WorkingDir", "/")
    )
    assert out.strip() == "Hello from nixbuild!"


def test_aarch64_is_cross_compiled_on_the_x86_64_builder(builder: Builder, project: Path, tmp_path: Path) -> None:
    result = nixbuild("image", "--json", "--target", "aarch64-linux", "-C", str(project), env=builder.env())
    assert result.returncode == 0, result.stderr
    report = result.json()
    archive = Path(report["image"])
    assert skopeo_inspect(archive)["Architecture"] == "arm64"
    output = _package_output(archive)
    assert output.endswith("-hello-aarch64-unknown-linux-gnu-1.0.0-bin")
    assert builder.has(output), f"{output} is not in the builder's store {builder.store}"
    run(["nix-store", "--check-validity", output])
    binary = unpack(archive, tmp_path) / output.lstrip("/") / "bin" / "hello"
    assert "AArch64" in run(["readelf", "-h", str(binary)]).stdout
