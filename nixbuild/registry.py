"""Moving images out of nixbuild: push to a registry, load into podman, convert to OCI.

Runs skopeo, podman and docker through the same ``Runner`` protocol as
nix.py (``nix.run_subprocess`` by default; a parameter, so tests could replace
only it), echoing each command in verbose mode. Every failure is one
``RegistryError`` (exit 6) naming the tool and the destination, with skopeo's
own error text and a hint.

Digests (measured with skopeo 1.9 and podman 4.3): ``push`` copies the OCI
layout nixbuild wrote, and the registry holds its config blob unchanged — the
image ID (config digest) is the same in the layout, the docker-archive, the
registry and ``podman load``. The *manifest* digest ``push`` returns is the
registry's: skopeo gzips the layers on the way.
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nixbuild.errors import RegistryError
from nixbuild.nix import CommandResult, Runner, run_subprocess

_TRANSPORT = re.compile(r"^[a-z-]+:")
_SKOPEO_MSG = re.compile(r'msg="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class PushResult:
    reference: str  # docker://host/name:tag as pushed
    digest: str  # "sha256:…" of the manifest (or index) in the registry


@dataclass(frozen=True)
class PodmanStorage:
    root: Path | None = None  # podman --root (image store)
    runroot: Path | None = None  # podman --runroot (runtime state)

    def args(self) -> list[str]:
        out: list[str] = []
        if self.root is not None:
            out += ["--root", str(self.root)]
        if self.runroot is not None:
            out += ["--runroot", str(self.runroot)]
        # What podman 4.3 needs on hosts without systemd/journald (see machine-notes).
        return out + ["--cgroup-manager", "cgroupfs", "--events-backend", "file"]


def docker_reference(ref: str) -> str:
    """``host/name:tag`` → ``docker://host/name:tag``; a ``docker://`` reference is kept."""
    ref = ref.strip()
    if not ref or any(c.isspace() for c in ref):
        raise RegistryError(f"invalid image reference {ref!r}", hint="use HOST[:PORT]/NAME[:TAG], e.g. ghcr.io/me/app:1.0")
    if ref.startswith("docker://"):
        return ref
    if _TRANSPORT.match(ref) and not re.match(r"^[^/]+:\d+/", ref):
        raise RegistryError(f"{ref}: only registry references can be pushed",
                            hint="give HOST[:PORT]/NAME[:TAG] (or docker://…); use `convert` for OCI layouts")
    return "docker://" + ref


def _skopeo_message(stderr: str) -> str:
    lines = [l.strip() for l in stderr.splitlines() if l.strip()]
    for line in reversed(lines):
        match = _SKOPEO_MSG.search(line)
        if match:
            return match.group(1).replace('\\"', '"')
    return lines[-1] if lines else ""


def _hint(message: str, tls_verify: bool) -> str:
    if "server gave HTTP response to HTTPS client" in message and tls_verify:
        return "the registry speaks plain HTTP: pass --no-tls-verify"
    if "connection refused" in message or "no such host" in message:
        return "is the registry running and reachable at that address?"
    if "unauthorized" in message or "authentication required" in message or "denied" in message:
        return "log in first: skopeo login HOST"
    if "x509" in message or "certificate" in message:
        return "the registry's TLS certificate is not trusted: fix it, or pass --no-tls-verify for a test registry"
    return "re-run with -v for the full command"


class Containers:
    """Runs skopeo, podman and docker."""

    def __init__(self, *, verbose: bool = False, log: Callable[[str], None] = lambda line: None,
                 runner: Runner = run_subprocess, base_env: Mapping[str, str] | None = None):
        self.verbose = verbose
        self.log = log
        self.runner = runner
        self.env = dict(os.environ if base_env is None else base_env)

    def _run(self, args: Sequence[str], *, install_hint: str) -> CommandResult:
        if self.verbose:
            self.log("+ " + shlex.join(args))
        try:
            return self.runner(args, env=self.env)
        except FileNotFoundError:
            raise RegistryError(f"{args[0]} not found on PATH", hint=install_hint) from None

    def _skopeo_copy(self, options: Sequence[str], src: str, dest: str, *, what: str, tls_verify: bool = True) -> str:
        """skopeo copy; returns the digest skopeo wrote (of the manifest, or index with --all)."""
        with tempfile.TemporaryDirectory(prefix="nixbuild-skopeo-") as tmp:
            digestfile = Path(tmp) / "digest"
            args = ["skopeo", "copy", "--quiet", *options, "--digestfile", str(digestfile), src, dest]
            result = self._run(args, install_hint="install skopeo (Debian/Ubuntu: apt-get install skopeo)")
            if result.returncode != 0:
                message = _skopeo_message(result.stderr)
                raise RegistryError(f"{what} failed: {message or 'skopeo exit ' + str(result.returncode)}",
                                    hint=_hint(message, tls_verify))
            return digestfile.read_text().strip()

    # -- registries ---------------------------------------------------------

    def push(self, layout: Path, tag: str, ref: str, *, tls_verify: bool = True) -> PushResult:
        """Copy the image ``tag`` of an OCI layout to a registry (skopeo copy oci: docker://):
        skopeo asks the registry for each blob first and uploads only the ones it lacks."""
        dest = docker_reference(ref)
        digest = self._skopeo_copy([f"--dest-tls-verify={str(tls_verify).lower()}"], f"oci:{layout}:{tag}", dest,
                                   what=f"pushing {layout.name} to {dest}", tls_verify=tls_verify)
        return PushResult(reference=dest, digest=digest)

    def push_index(self, oci_layout: Path, ref: str, *, tls_verify: bool = True) -> PushResult:
        """Copy an OCI layout with an image index (several platforms) to a registry, all of it."""
        dest = docker_reference(ref)
        digest = self._skopeo_copy(["--all", f"--dest-tls-verify={str(tls_verify).lower()}"], f"oci:{oci_layout}",
                                   dest, what=f"pushing {oci_layout} to {dest}", tls_verify=tls_verify)
        return PushResult(reference=dest, digest=digest)

    # -- engines --------------------------------------------------------------

    def load_podman(self, archive: Path, storage: PodmanStorage = PodmanStorage()) -> tuple[str, ...]:
        """``podman load``; returns the names podman reports (e.g. localhost/hello:1.0.0)."""
        args = ["podman", *storage.args(), "load", "--input", str(archive)]
        result = self._run(args, install_hint="install podman (Debian/Ubuntu: apt-get install podman runc)")
        if result.returncode != 0:
            last = next((l.strip() for l in reversed(result.stderr.splitlines()) if l.strip()), "")
            raise RegistryError(f"podman load of {archive.name} failed: {last or 'exit ' + str(result.returncode)}",
                                hint="use a --runroot of at most 50 characters" if "longer than 50" in last
                                else "check podman's storage options (--root/--runroot); re-run with -v")
        names = [l.split(":", 1)[1].strip() for l in result.stdout.splitlines() if l.startswith("Loaded image")]
        return tuple(name for line in names for name in line.split(","))

    def load_docker(self, archive: Path) -> tuple[str, ...]:
        """``docker load``; a clear error when there is no Docker CLI/engine."""
        result = self._run(["docker", "load", "--input", str(archive)],
                           install_hint="there is no Docker engine here: use `nixbuild load --podman`, "
                                        f"or copy {archive} to a machine with Docker and run docker load -i")
        if result.returncode != 0:
            last = next((l.strip() for l in reversed(result.stderr.splitlines()) if l.strip()), "")
            raise RegistryError(f"docker load of {archive.name} failed: {last or 'exit ' + str(result.returncode)}",
                                hint="is the Docker daemon running? otherwise use `nixbuild load --podman`")
        return tuple(l.split(":", 1)[1].strip() for l in result.stdout.splitlines() if l.startswith("Loaded image"))
