"""The one module that runs programs of an image: bubblewrap over the unpacked
image (imagefs.unpack), isolated as a container runtime would run it.

The sandbox has the image's files only (its root is the unpacked tree; /proc
and /dev are a container's usual ones), no network (every namespace is new,
so only a loopback device exists), the image's user (uid and gid, through a
user namespace), its Env and nothing else, and its working directory (made
if the image lacks it, as runc does). A program for another CPU runs under
qemu-user, bound into the sandbox read-only; a ``#!`` script is then started
through its interpreter, since no binfmt handler is registered.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nixbuild import platforms
from nixbuild.errors import EXIT_TEST, NixbuildError

QEMU_INSIDE = "/.nixbuild-qemu"  # where qemu-user is bound in the sandbox


class SandboxError(NixbuildError):
    """bwrap or qemu-user is missing or cannot start (exit 9: the tests could not run)."""

    exit_code = EXIT_TEST


@dataclass(frozen=True)
class Ran:
    returncode: int | None  # None: killed after the timeout
    stdout: str
    stderr: str
    seconds: float


def host_runs(platform: platforms.Platform) -> bool:
    """Whether this machine runs the target's programs itself (no emulator needed)."""
    return platforms.host_system().split("-")[0] == platform.system.split("-")[0]


def qemu_for(platform: platforms.Platform) -> str:
    """qemu-user for the target's CPU on this machine."""
    arch = {"armv7l": "arm"}.get(platform.system.split("-")[0], platform.system.split("-")[0])
    for name in (f"qemu-{arch}-static", f"qemu-{arch}"):
        found = shutil.which(name)
        if found:
            return found
    raise SandboxError(f"qemu-{arch}-static is not installed: {platform.name} programs cannot run on this machine",
                       hint="install qemu-user-static (Debian/Ubuntu: apt-get install qemu-user-static)")


@dataclass(frozen=True)
class Sandbox:
    """How programs of one unpacked image run."""

    rootfs: Path
    uid: int
    gid: int
    env: tuple[tuple[str, str], ...]
    workdir: str
    qemu: str | None = None  # the host's qemu-user, for a foreign target
    verbose: bool = False
    log: Callable[[str], None] = lambda line: None

    @classmethod
    def for_image(cls, rootfs: Path, config: Mapping[str, object], platform: platforms.Platform, *,
                  verbose: bool = False, log: Callable[[str], None] = lambda line: None) -> Sandbox:
        user = str(config.get("User") or "0:0")
        uid, _, gid = user.partition(":")
        if not uid.isdigit() or (gid and not gid.isdigit()):
            raise SandboxError(f"the image's user {user!r} is not numeric", hint="set [image] user to UID[:GID]")
        env = tuple(tuple(item.partition("=")[::2]) for item in config.get("Env") or [])  # type: ignore[union-attr]
        return cls(rootfs, int(uid), int(gid or uid), env,  # type: ignore[arg-type]
                   str(config.get("WorkingDir") or "/"), None if host_runs(platform) else qemu_for(platform),
                   verbose, log)

    def args(self, argv: Sequence[str]) -> list[str]:
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise SandboxError("bwrap is not installed: the image's tests cannot run isolated",
                               hint="install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)")
        (self.rootfs / self.workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
        args = [bwrap, "--bind", str(self.rootfs), "/", "--proc", "/proc", "--dev", "/dev",
                "--unshare-all", "--unshare-user", "--uid", str(self.uid), "--gid", str(self.gid),
                "--die-with-parent", "--new-session", "--clearenv", "--chdir", self.workdir]
        for key, value in self.env:
            args += ["--setenv", key, value]
        if self.qemu is not None:
            args += ["--ro-bind", self.qemu, QEMU_INSIDE]
        return [*args, *argv]

    def run(self, argv: Sequence[str], *, timeout: float) -> Ran:
        """Run argv (the program already resolved inside the image for qemu) and wait."""
        args = self.args(argv)
        if self.verbose:
            self.log("+ " + shlex.join(args))
        started = time.monotonic()
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            code = None
        except BaseException:  # Ctrl-C: the sandbox does not outlive nixbuild
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        return Ran(code, out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace"),
                   time.monotonic() - started)
