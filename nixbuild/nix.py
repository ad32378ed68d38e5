"""The one module that runs external commands: nix-build, nix-shell,
nix-instantiate, nix-store, and the image stream scripts Nix builds.

Every call goes through a ``Runner`` (a parameter, so unit tests can replace
only it), is echoed in verbose mode, and returns typed results. Failures
become ``NixFailedError`` (exit 4) naming the failing derivation with the tail
of Nix's log, or ``NixMissingError`` (exit 3) when Nix is not installed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from nixbuild import nixexpr
from nixbuild.errors import BuildCommandError, BuildFailedError, NixbuildError, NixFailedError, NixMissingError
from nixbuild.atomicfile import make_dirs, remove_empty

# Settings the offline hostpkgs set needs: no binary cache (there is none),
# the sandbox on, and the host's /usr visible to builders (hostpkgs builds
# from the host toolchains). Real nixpkgs needs none of this.
HOSTPKGS_NIX_CONFIG = (
    "substituters =",
    "sandbox = true",
    "sandbox-paths = /bin=/usr/bin /usr /lib=/usr/lib /lib64=/usr/lib64",
)

Log = Callable[[str], None]


@dataclass(frozen=True)
class CommandResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class Runner(Protocol):
    def __call__(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path | None = None,
        on_stderr_line: Callable[[str], None] | None = None,
        stdout_file: IO[bytes] | None = None,
        merge_output: bool = False,
        meanwhile: Callable[[], None] | None = None,
    ) -> CommandResult: ...


# The commands running now (in any thread), so that an interrupted nixbuild stops them all.
_running: set[subprocess.Popen[bytes]] = set()
_running_lock = threading.RLock()  # reentrant: stop_all runs in a signal handler of the main thread
_stopping = threading.Event()


def stop_all() -> None:
    """nixbuild is exiting (Ctrl-C): kill every command it runs, in any thread, and start no new one."""
    _stopping.set()
    with _running_lock:
        for proc in list(_running):
            proc.kill()


def stopping() -> bool:
    """Whether stop_all was called (a failure now is the interruption, not worth reporting)."""
    return _stopping.is_set()


def run_subprocess(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    on_stderr_line: Callable[[str], None] | None = None,
    stdout_file: IO[bytes] | None = None,
    merge_output: bool = False,
    meanwhile: Callable[[], None] | None = None,
) -> CommandResult:
    """Run a command, streaming stderr line by line; stdout is captured or sent to a file.
    ``merge_output``: stdout and stderr are one stream, every line of it goes to
    ``on_stderr_line`` and none is kept (a build's output may be long). ``meanwhile`` is
    called once the command runs (e.g. to start work of nixbuild's own that needs no
    result of it: it then takes nothing from the command's start)."""
    with _running_lock:
        if _stopping.is_set():
            raise NixbuildError("interrupted")
        proc = subprocess.Popen(
            list(args),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=stdout_file if stdout_file is not None and not merge_output else subprocess.PIPE,
            stderr=subprocess.STDOUT if merge_output else subprocess.PIPE,
        )
        _running.add(proc)
    if meanwhile is not None:
        meanwhile()
    out_chunks: list[bytes] = []
    reader = None
    if stdout_file is None and not merge_output:
        assert proc.stdout is not None
        stdout = proc.stdout
        reader = threading.Thread(target=lambda: out_chunks.append(stdout.read()), daemon=True)
        reader.start()
    err_lines: list[str] = []
    lines = proc.stdout if merge_output else proc.stderr
    assert lines is not None
    try:
        for raw in lines:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if not merge_output:
                err_lines.append(line)
            if on_stderr_line is not None:
                on_stderr_line(line)
        returncode = proc.wait()
    except BaseException:  # Ctrl-C (or a failing callback): the command does not outlive nixbuild
        proc.kill()
        proc.wait()
        raise
    finally:
        with _running_lock:
            _running.discard(proc)
    if reader is not None:
        reader.join()
    stdout_text = b"".join(out_chunks).decode("utf-8", errors="replace")
    return CommandResult(tuple(args), returncode, stdout_text, "\n".join(err_lines))


@dataclass(frozen=True)
class PathInfo:
    path: str
    nar_size: int
    nar_hash: str  # "sha256-<base64>" (SRI) as Nix prints it
    references: tuple[str, ...]  # other store paths this one refers to (itself excluded)


@dataclass(frozen=True)
class BuildResult:
    out_paths: tuple[str, ...]
    built: int  # derivations built in this run (0 when everything was cached)


@dataclass
class _Progress:
    """Turns nix-build's stderr into "[built/total] name" lines."""

    log: Log
    verbose: bool
    total: int = 0
    built: int = 0
    _listing: bool = field(default=False, repr=False)

    _PLAN = re.compile(r"^(?:these (\d+) derivations|this derivation) will be built:")
    _BUILDING = re.compile(r"^building '(/nix/store/[^']+\.drv)'")

    def __call__(self, line: str) -> None:
        if self.verbose:
            self.log(line)
        plan = self._PLAN.match(line)
        if plan:
            self.total += int(plan.group(1) or 1)
            return
        building = self._BUILDING.match(line)
        if building:
            self.built += 1
            if not self.verbose:
                name = building.group(1).split("-", 1)[1].removesuffix(".drv")
                self.log(f"[{self.built}/{max(self.total, self.built)}] building {name}")


_DRV_FAILED = re.compile(r"builder for '(/nix/store/[^']+\.drv)' failed(?: with exit code (\d+)"
                         r"| (to produce output path for output '[^']*')| due to (signal \d+(?: \([^)]*\))?))?")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_BUILD_ERROR = re.compile(r"\berror\b", re.IGNORECASE)
BUILD_TAIL = 20  # lines of a failed build's own output shown below the error
SHELL_TAIL = 15  # lines of a failed shell-mode build's output shown below the error
_NOISE = re.compile(r"^(building '|these \d+ derivations|this derivation|  /nix/store/|\s*For full logs)")


_DISALLOWED = re.compile(r"output '(/nix/store/[^']+)' is not allowed to refer to the following paths:\n((?:\s+/nix/store/\S+\n?)+)")


class DisallowedReferenceError(NixFailedError):
    """A derivation's output refers to a path its disallowedRequisites forbid."""

    def __init__(self, message: str, output: str, paths: tuple[str, ...], **kwargs: str | None):
        super().__init__(message, **kwargs)
        self.output = output
        self.paths = paths


# Nix messages users meet often, and what to do about them.
_KNOWN_HINTS = (
    ("file 'nixpkgs' was not found in the Nix search path",
     '[nixpkgs] source = "channel" needs <nixpkgs> on NIX_PATH (nix-channel --add … nixpkgs); '
     'or pin it: source = "lock" and `nixbuild lock --url URL`, or source = "path:DIR"'),
    ("with features {} is required to build",
     "this machine cannot build for that system: check the plan with `nixbuild doctor` and configure a builder"),
    ("(hostpkgs has it only in the native package set)",
     "the offline package set (source = \"hostpkgs\") imports this package from the host for its own system only; "
     "real nixpkgs builds it for every target (source = \"channel\", \"lock\" or \"path:DIR\")"),
)


# Nix that is installed but cannot build for this user: exit 3 with what to
# fix on the machine (README, "Install"), never Nix's own lines.
_UNUSABLE = (
    ("specified in 'build-users-group' does not exist",
     "Nix cannot build: its build users are missing ({group} does not exist)",
     "run `make setup` (it installs nix-setup-systemd, which creates them), "
     "or `sudo apt-get install --reinstall nix-setup-systemd`"),
    ("/nix/var/nix/daemon-socket/socket",
     "Nix cannot build as this user: nix-daemon is not running or this user may not use it",
     "start it (`sudo systemctl enable --now nix-daemon.socket`) and join its group "
     "(`sudo usermod -aG nix-users $USER`, then log in again), or run as root"),
    ("Operation not permitted",
     "Nix cannot build as this user: the store belongs to root and there is no nix-daemon to build for you",
     "start it (`sudo systemctl enable --now nix-daemon.socket`) and join its group "
     "(`sudo usermod -aG nix-users $USER`, then log in again), or run as root"),
    ("Permission denied",
     "Nix cannot build as this user: no permission to the Nix store and no nix-daemon to build for you",
     "start it (`sudo systemctl enable --now nix-daemon.socket`) and join its group "
     "(`sudo usermod -aG nix-users $USER`, then log in again), or run as root"),
)
_NIX_STATE = re.compile(r"^error: .*(/nix/var/nix|build-users-group)", re.MULTILINE)


def _unusable(result: CommandResult) -> NixMissingError | None:
    """The machine's Nix is set up so that this user cannot build (not a problem of the project)."""
    first = _NIX_STATE.search(result.stderr)
    if not first:
        return None
    line = result.stderr[first.start():].splitlines()[0]
    group = re.search(r"the group '[^']*'", line)
    for pattern, message, hint in _UNUSABLE:
        if pattern in line:
            return NixMissingError(message.format(group=group.group(0) if group else "its group"), hint=hint)
    return None


# Where Nix says an evaluation error is: "at /abs/file.nix:LINE:COLUMN:".
_LOCATION = re.compile(r"^\s*at (/[^\n]*?):(\d+):(\d+):?\s*$", re.MULTILINE)


def error_location(stderr: str, root: Path | None = None) -> tuple[str, int] | None:
    """(file, line) of the first location in Nix's error output; the file relative to
    ``root`` when it is inside it (``overlays/fix.nix``, ``.nixbuild/default.nix``)."""
    found = _LOCATION.search(stderr)
    if not found:
        return None
    file = found.group(1)
    if root is not None:
        path = Path(file)
        if path == root or root in path.parents:
            file = path.relative_to(root).as_posix()
    return file, int(found.group(2))


def _failure(what: str, result: CommandResult, root: Path | None = None) -> NixbuildError:
    """One line for a failed Nix command: the failing derivation (with the tail of its build
    log below), or Nix's first error with the file and line it names. Nix's whole output is
    kept on the error (``log``) and shown only with -v."""
    unusable = _unusable(result)
    if unusable:
        return unusable
    from nixbuild import window  # failures only: a build that succeeds never needs it

    outside = window.error_from(result.stderr)  # the generated code's check of the nixpkgs and the Nix
    if outside:
        return outside
    disallowed = _DISALLOWED.search(result.stderr)
    if disallowed:
        paths = tuple(disallowed.group(2).split())
        return DisallowedReferenceError(
            f"{what} failed: {disallowed.group(1)} refers to forbidden paths: {' '.join(paths)}",
            output=disallowed.group(1),
            paths=paths,
            hint="see the chain of references below",
            log=result.stderr,
        )
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    failed = _DRV_FAILED.search(result.stderr)
    if failed:
        # The build's own output as Nix streamed it (the caller prefers the stored log).
        own = [l for l in lines if not _NOISE.match(l) and not l.lstrip().startswith("error:")]
        if failed.group(4):
            reason = f"killed by {failed.group(4)}"
        elif failed.group(2):
            reason = f"exit code {failed.group(2)}"
        else:
            reason = (failed.group(3) or "").replace("to produce output path for", "it did not produce").strip() \
                or "it failed"
        return build_failure(failed.group(1), reason, own, None, log=result.stderr)
    first_error = next((l.strip().removeprefix("error:").strip() for l in lines if l.lstrip().startswith("error:")),
                       None)
    where = error_location(result.stderr, root)
    message = f"{what} failed: " + (f"{where[0]}:{where[1]}: " if where else "") + (
        first_error or f"exit code {result.returncode}")
    hint = next((h for pattern, h in _KNOWN_HINTS if pattern in result.stderr), "re-run with -v for Nix's full output")
    return NixFailedError(message, hint=hint, log=result.stderr)


def log_command(drv: str, version: str | None) -> str:
    """The command that prints a derivation's stored build log on this Nix: ``nix log``
    from Nix 2.19 on, ``nix-store -l`` before (``nix log`` needs the experimental
    nix-command there)."""
    numbers = [int(n) for n in re.findall(r"\d+", version or "")[:2]]
    return f"nix log {drv}" if numbers >= [2, 19] else f"nix-store -l {drv}"


def build_failure(drv: str, reason: str, lines: Sequence[str], version: str | None, *,
                  log: str | None = None) -> BuildFailedError:
    """A derivation's builder failed: the derivation's name, the build's first error line,
    its last lines below, and how to read its whole log on this Nix."""
    own = [_ANSI.sub("", l).rstrip() for l in lines]
    own = [l for l in own if l.strip()]
    name = drv.rsplit("/", 1)[-1].split("-", 1)[-1].removesuffix(".drv")
    full_log = f"the build's full log: `{log_command(drv, version)}` (or re-run with -v)"
    from nixbuild import buildlog  # failures only

    explained = buildlog.explain("\n".join(own))
    if explained is not None:
        message, hint = f"the build of {name} failed: {explained.message}", f"{explained.hint}; {full_log}"
    elif reason.startswith("killed by"):
        # Nothing in the build asked for it: the signal came from outside.
        message = f"the build of {name} was {reason}"
        hint = ("something outside the build killed it: the kernel's out-of-memory killer (see dmesg), or another "
                f"Nix on this machine running builds as the same build users; re-run; {full_log}")
    else:
        first = next((l.strip() for l in own if _BUILD_ERROR.search(l)), own[-1].strip() if own else "")
        message, hint = f"the build of {name} failed ({reason})" + (f": {first}" if first else ""), full_log
    return BuildFailedError(message, hint=hint, details="\n".join(own[-BUILD_TAIL:]) or None, log=log, drv=drv,
                            reason=reason)


class Nix:
    """Runs Nix commands for one project."""

    def __init__(
        self,
        *,
        extra_config: Sequence[str] = (),
        verbose: bool = False,
        log: Log = lambda line: None,
        runner: Runner = run_subprocess,
        base_env: Mapping[str, str] | None = None,
        root: Path | None = None,
    ):
        self.verbose = verbose
        self.log = log
        self.runner = runner
        self.root = root  # the project: error locations inside it are named relative to it
        self.version: str | None = None  # Nix's version, once check_installed ran
        env = dict(os.environ if base_env is None else base_env)
        config_lines = [env.get("NIX_CONFIG", "").strip(), *extra_config]
        env["NIX_CONFIG"] = "\n".join(line for line in config_lines if line)
        if "NIX_BUILD_SHELL" not in env:
            env["NIX_BUILD_SHELL"] = shutil.which("bash", path=env.get("PATH")) or "/bin/bash"
        self.env = env

    # -- plumbing ---------------------------------------------------------

    def _run(
        self,
        args: Sequence[str],
        *,
        cwd: Path | None = None,
        on_stderr_line: Callable[[str], None] | None = None,
        stdout_file: IO[bytes] | None = None,
        merge_output: bool = False,
        meanwhile: Callable[[], None] | None = None,
    ) -> CommandResult:
        if self.verbose:
            self.log("+ " + shlex.join(args))
            on_stderr_line = on_stderr_line or self.log  # -v: Nix's own output, as it comes
        extra: dict[str, Any] = {"meanwhile": meanwhile} if meanwhile is not None else {}
        try:
            if merge_output:
                return self.runner(args, env=self.env, cwd=cwd, on_stderr_line=on_stderr_line, merge_output=True,
                                   **extra)
            return self.runner(args, env=self.env, cwd=cwd, on_stderr_line=on_stderr_line, stdout_file=stdout_file,
                               **extra)
        except FileNotFoundError as exc:
            raise NixMissingError(
                f"{args[0]} not found: Nix is not installed or not on PATH",
                hint="install Nix (Debian/Ubuntu: apt-get install nix-bin; elsewhere: https://nixos.org/download) and re-run",
            ) from exc

    def check_installed(self) -> str:
        """Nix's version; NixMissingError when Nix cannot run."""
        result = self._run(["nix-build", "--version"])
        if result.returncode != 0:
            raise NixMissingError("nix-build --version failed: " + result.stderr.strip()[:200],
                                  hint="check your Nix installation")
        self.version = result.stdout.strip().split()[-1]
        return self.version

    def _build_failure(self, what: str, result: CommandResult) -> NixbuildError:
        """A failed build command's error; when a builder failed, its last lines are taken
        from the log Nix stored for the derivation (only that build's output), and the hint
        names the command that prints the whole log on the Nix in use."""
        error = _failure(what, result, self.root)
        if not isinstance(error, BuildFailedError):
            return error
        stored = self._run(["nix-store", "--read-log", error.drv])
        lines = stored.stdout.splitlines() if stored.returncode == 0 and stored.stdout.strip() else None
        if lines is None:  # no stored log (e.g. build-keep-log = false): what Nix streamed
            lines = (error.details or "").splitlines()
        version = self.version
        if version is None:
            try:
                version = self.check_installed()
            except NixMissingError:
                version = None
        return build_failure(error.drv, error.reason, lines, version, log=result.stderr)

    def probe_build(self, nonce: str) -> None:
        """Prove that Nix can build here: a trivial derivation named by ``nonce`` (new on
        every call, so Nix builds it instead of finding it), built in the sandbox with
        the settings nixbuild's offline package set uses (``HOSTPKGS_NIX_CONFIG``) on
        top of the machine's own. A failure is one line: ``NixMissingError`` (exit 3)
        for a Nix this user cannot build with, else ``NixFailedError``."""
        expr = (
            'derivation { name = "nixbuild-probe"; system = builtins.currentSystem; builder = "/bin/sh"; '
            f'args = [ "-c" ("echo " + {nixexpr.string(nonce)} + " > $out") ]; }}'
        )
        probe = Nix(extra_config=HOSTPKGS_NIX_CONFIG, verbose=self.verbose, log=self.log, runner=self.runner,
                    base_env=self.env)
        result = probe._run(["nix-build", "--no-out-link", "--expr", expr])
        if result.returncode != 0:
            raise self._build_failure("a trivial sandboxed nix-build", result)

    def show_config(self) -> dict[str, str]:
        """Nix's effective settings (``nix show-config``), name → value as text."""
        result = self._run(["nix", "--extra-experimental-features", "nix-command", "show-config"])
        if result.returncode != 0:
            raise _failure("nix show-config", result)
        settings = {}
        for line in result.stdout.splitlines():
            name, sep, value = line.partition(" = ")
            if sep:
                settings[name.strip()] = value.strip()
        return settings

    @staticmethod
    def _argstrs(argstrs: Mapping[str, str]) -> list[str]:
        out: list[str] = []
        for key, value in argstrs.items():
            out += ["--argstr", key, value]
        return out

    # -- evaluation ---------------------------------------------------------

    def eval_json(self, file: Path, attr: str | None = None, argstrs: Mapping[str, str] = {}) -> Any:
        args = ["nix-instantiate", "--eval", "--strict", "--json", str(file), *self._argstrs(argstrs)]
        if attr:
            args += ["-A", attr]
        result = self._run(args)
        if result.returncode != 0:
            raise _failure(f"evaluating {file.name}" + (f" -A {attr}" if attr else ""), result, self.root)
        return json.loads(result.stdout)

    def eval_expr_json(self, expr: str) -> Any:
        """Evaluate a Nix expression written by nixbuild (values via nixexpr) to JSON."""
        result = self._run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", expr])
        if result.returncode != 0:
            raise _failure("evaluating an expression", result, self.root)
        return json.loads(result.stdout)

    # -- building -------------------------------------------------------------

    def build(self, file: Path, attr: str, *, out_link: Path, argstrs: Mapping[str, str] = {}) -> BuildResult:
        created = make_dirs(out_link.parent)
        if out_link.exists() and not out_link.is_symlink():
            raise NixbuildError(f"{out_link} exists and is not a Nix result link",
                                hint="remove it (nixbuild keeps result links there) and re-run")
        progress = _Progress(self.log, self.verbose)
        args = ["nix-build", str(file), "-A", attr, "-o", str(out_link), *self._argstrs(argstrs)]
        result = self._run(args, on_stderr_line=progress)
        if result.returncode != 0:
            remove_empty(created)  # a failed build leaves no empty nixbuild-result/TARGET behind
            raise self._build_failure(f"nix-build -A {attr}", result)
        paths = tuple(line.strip() for line in result.stdout.splitlines() if line.strip())
        return BuildResult(out_paths=paths, built=progress.built)

    def build_linked(self, file: Path, attrs: Sequence[str], links: Mapping[int, Path], *,
                     argstrs: Mapping[str, str] = {}, meanwhile: Callable[[], None] | None = None) -> BuildResult:
        """One ``nix-build --no-out-link`` of several attributes (one evaluation); the paths in
        the order Nix prints them (each attribute's outputs in turn). ``links`` maps the index of
        a path to its result link, an indirect GC root made (``nix-store --add-root``) only when
        the link does not already point at that path: a build of nothing new writes nothing."""
        created = [d for link in links.values() for d in make_dirs(link.parent)]
        for link in links.values():
            if link.exists() and not link.is_symlink():
                raise NixbuildError(f"{link} exists and is not a Nix result link",
                                    hint="remove it (nixbuild keeps result links there) and re-run")
        progress = _Progress(self.log, self.verbose)
        args = ["nix-build", str(file), *(a for attr in attrs for a in ("-A", attr)), "--no-out-link",
                *self._argstrs(argstrs)]
        result = self._run(args, on_stderr_line=progress, meanwhile=meanwhile)
        if result.returncode != 0:
            remove_empty(created)
            raise self._build_failure(f"nix-build -A {attrs[0]}", result)
        paths = tuple(line.strip() for line in result.stdout.splitlines() if line.strip())
        moved = [(link, paths[index]) for index, link in sorted(links.items())
                 if not (link.is_symlink() and os.readlink(link) == paths[index])]

        def root(link_path: tuple[Path, str]) -> CommandResult:
            return self._run(["nix-store", "--add-root", str(link_path[0]), "--indirect", "--realise", link_path[1]])

        if len(moved) > 1:  # one nix-store per link (it roots one path under one name), side by side
            import concurrent.futures

            with concurrent.futures.ThreadPoolExecutor(max_workers=len(moved)) as pool:
                rooted = list(pool.map(root, moved))
        else:
            rooted = [root(m) for m in moved]
        for done in rooted:
            if done.returncode != 0:
                raise _failure("nix-store --add-root", done)
        return BuildResult(out_paths=paths, built=progress.built)

    def realise_shell(self, file: Path, *, argstrs: Mapping[str, str] = {}) -> BuildResult:
        """Evaluate ``nix-shell FILE``'s environment and build what it needs, as ``nix-shell``
        would, so that Nix's errors and progress are reported like a build's and the later
        ``nix-shell --run`` prints nothing but the command's own output."""
        result = self._run(["nix-instantiate", str(file), *self._argstrs(argstrs)])
        if result.returncode != 0:
            raise _failure(f"evaluating {file.name}", result, self.root)
        drv = next(line.strip() for line in result.stdout.splitlines() if line.strip())
        inputs = self._run(["nix-store", "--query", "--references", drv])
        if inputs.returncode != 0:
            raise _failure("nix-store --query --references", inputs)
        drvs = [line.strip() for line in inputs.stdout.splitlines() if line.strip().endswith(".drv")]
        if not drvs:
            return BuildResult(out_paths=(), built=0)
        progress = _Progress(self.log, self.verbose)
        built = self._run(["nix-store", "--realise", *drvs], on_stderr_line=progress)
        if built.returncode != 0:
            raise self._build_failure(f"building the environment of {file.name}", built)
        return BuildResult(out_paths=tuple(l.strip() for l in built.stdout.splitlines() if l.strip()),
                           built=progress.built)

    def shell_run(
        self, file: Path, command: str, *, cwd: Path, log_file: Path, argstrs: Mapping[str, str] = {},
        output: IO[bytes] | None = None,
    ) -> None:
        """Run the project's build command inside ``nix-shell FILE``. Its output (stdout and
        stderr, as one stream) goes to ``log_file``; with -v also to ``output`` as it comes.
        A failure is one line naming the log, with the output's last lines below."""
        self.realise_shell(file, argstrs=argstrs)
        make_dirs(log_file.parent)
        args = ["nix-shell", str(file), *self._argstrs(argstrs), "--run", command]
        tail: deque[str] = deque(maxlen=SHELL_TAIL)
        self.log(f"building with `{command}` in nix-shell (output: {log_file})")
        with open(log_file, "w", encoding="utf-8", errors="replace") as log:
            def line(text: str) -> None:
                log.write(text + "\n")
                tail.append(text)
                if self.verbose:
                    if output is not None:
                        output.write(text.encode("utf-8", errors="replace") + b"\n")
                        output.flush()
                    else:
                        self.log(text)

            result = self._run(args, cwd=cwd, on_stderr_line=line, merge_output=True)
        if result.returncode != 0:
            # The environment was built by realise_shell: this is the command's own failure.
            lines = [_ANSI.sub("", l) for l in tail]
            from nixbuild import buildlog  # failures only
            missing = buildlog.missing_input("\n".join(lines), where="the nix-shell")
            raise BuildCommandError(
                f"the build command failed in nix-shell (exit {result.returncode}): {command}"
                + (f": {missing.message}" if missing else "") + f"; its output is in {log_file}",
                hint=(missing.hint + "; " if missing else "")
                + "run `nixbuild shell` to debug it interactively, or re-run with -v to see the output as it comes",
                details="\n".join(lines) or None,
            )

    def stream_image(self, script: Path, conf: Path, dest: IO[bytes]) -> None:
        """Run streamLayeredImage's stream script with its conf, writing the docker-archive to ``dest``."""
        result = self._run([str(script), str(conf)], stdout_file=dest)
        if result.returncode != 0:
            raise _failure(f"streaming the image ({conf.name})", result)

    # -- store queries --------------------------------------------------------

    def references(self, path: str) -> tuple[str, ...]:
        result = self._run(["nix-store", "--query", "--references", path])
        if result.returncode != 0:
            raise _failure("nix-store --query --references", result)
        return tuple(sorted(l.strip() for l in result.stdout.splitlines() if l.strip()))

    def path_info(self, paths: Sequence[str], *, recursive: bool = False) -> tuple["PathInfo", ...]:
        """Size, hash and references of store paths (``nix path-info --json``), one call."""
        if not paths:
            return ()
        args = ["nix", "--extra-experimental-features", "nix-command", "path-info", "--json"]
        result = self._run([*args, *(["--recursive"] if recursive else []), *paths])
        if result.returncode != 0:
            raise _failure("nix path-info", result)
        infos = []
        for entry in json.loads(result.stdout):
            if not entry.get("valid", True):
                raise NixFailedError(f"{entry.get('path')} is not in the store", hint="build it first")
            infos.append(PathInfo(
                path=entry["path"],
                nar_size=int(entry["narSize"]),
                nar_hash=entry["narHash"],
                references=tuple(sorted(r for r in entry.get("references", []) if r != entry["path"])),
            ))
        return tuple(sorted(infos, key=lambda i: i.path))

    def sizes(self, paths: Sequence[str]) -> dict[str, int]:
        """NAR size of each store path (``nix-store -q --size``)."""
        if not paths:
            return {}
        result = self._run(["nix-store", "--query", "--size", *paths])
        if result.returncode != 0:
            raise _failure("nix-store --query --size", result)
        values = [int(v) for v in result.stdout.split()]
        return dict(zip(paths, values, strict=True))

    def exec_shell(self, file: Path, command: str | None, *, cwd: Path, argstrs: Mapping[str, str] = {}) -> None:
        """Replace this process with ``nix-shell FILE`` (interactive, or ``--run command``)."""
        args = ["nix-shell", str(file), *self._argstrs(argstrs)]
        if command is not None:
            args += ["--run", command]
        if self.verbose:
            self.log("+ " + shlex.join(args))
        os.chdir(cwd)
        try:
            os.execvpe(args[0], args, self.env)
        except FileNotFoundError as exc:
            raise NixMissingError("nix-shell not found: Nix is not installed or not on PATH",
                                  hint="install Nix (Debian/Ubuntu: apt-get install nix-bin) and re-run") from exc

    def check_build(self, derivation: str) -> CheckBuildResult:
        """Rebuild a derivation whose outputs are in the store and compare (``nix-build --check``).

        Nix exits 104 when an output differs; with ``--keep-failed`` it keeps
        the rebuilt output at ``OUTPUT.check`` (and the build directory under
        TMPDIR). Any other failure is a ``NixFailedError``.
        """
        args = ["nix-build", "--check", "--keep-failed", "--no-out-link", derivation]
        result = self._run(args, on_stderr_line=self.log if self.verbose else None)
        if result.returncode == 0:
            return CheckBuildResult(derivation, ())
        differing = tuple((m.group(1), m.group(2)) for m in _CHECK_DIFFERS.finditer(result.stderr))
        if result.returncode == 104 and differing:
            return CheckBuildResult(derivation, differing)
        raise self._build_failure(f"nix-build --check {derivation}", result)

    # -- pinning (nixbuild lock) ------------------------------------------------

    def prefetch_url(self, url: str, *, unpack: bool = True) -> str:
        """``nix-prefetch-url [--unpack] URL``: the sha256 (Nix base-32) that ``builtins.fetchTarball
        { url; sha256; }`` (unpack) or ``fetchurl`` verifies; the result is added to the store."""
        result = self._run(["nix-prefetch-url", *(["--unpack"] if unpack else []), "--type", "sha256", url])
        if result.returncode != 0:
            raise _failure(f"nix-prefetch-url {url}", result)
        return result.stdout.strip().splitlines()[-1].strip()

    def hash_path(self, path: Path) -> str:
        """``nix-hash --type sha256 --base32 PATH``: the NAR hash ``builtins.path { path; sha256; }`` verifies."""
        result = self._run(["nix-hash", "--type", "sha256", "--base32", str(path)])
        if result.returncode != 0:
            raise _failure(f"nix-hash {path}", result)
        return result.stdout.strip()


_CHECK_DIFFERS = re.compile(r"output '(/nix/store/[^']+)' differs(?: from '(/nix/store/[^']+)')?")


@dataclass(frozen=True)
class CheckBuildResult:
    derivation: str
    differing: tuple[tuple[str, str | None], ...]  # (output path, its kept rebuild "….check" or None)

    @property
    def deterministic(self) -> bool:
        return not self.differing
