"""[test]: smoke tests of a built image. Each test runs the image's entrypoint
with its ``args`` (the image's cmd when it has none), as ``docker run IMAGE
ARGS…`` would, in the unpacked image under bubblewrap (sandbox.py: the
image's files, user, Env and working directory only; no network; qemu-user
for a foreign target), and checks the exit code and, optionally, patterns in
stdout and stderr. Every test runs; a failure is ``SmokeTestError`` (exit 9)
naming the first failed test, with each failed test's output below.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nixbuild import imagefs, platforms
from nixbuild.config import SmokeTest
from nixbuild.errors import EXIT_TEST, ImageRefusedError
from nixbuild.proof import DEFAULT_PATH, shebang
from nixbuild.sandbox import QEMU_INSIDE, Ran, Sandbox

_TAIL = 10  # lines of a failed test's output shown below the error


@dataclass(frozen=True)
class Result:
    test: SmokeTest
    argv: tuple[str, ...]  # as the image runs it (entrypoint and arguments)
    ran: Ran
    problems: tuple[str, ...]  # what did not match; empty when it passed

    @property
    def passed(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {"name": self.test.name, "argv": list(self.argv), "passed": self.passed,
                "exit_code": self.ran.returncode, "expected_exit_code": self.test.exit_code,
                "stdout_pattern": self.test.stdout, "stderr_pattern": self.test.stderr,
                "seconds": round(self.ran.seconds, 3), "problems": list(self.problems)}

    def line(self) -> str:
        verdict = "ok  " if self.passed else "FAIL"
        status = "timed out" if self.ran.returncode is None else f"exit {self.ran.returncode}"
        return f"{verdict} {self.test.name} ({status}, {self.ran.seconds:.2f} s)" + (
            "" if self.passed else ": " + "; ".join(self.problems))


class SmokeTestError(ImageRefusedError):
    """A [test] smoke test failed (exit 9)."""

    exit_code = EXIT_TEST

    def __init__(self, results: Sequence[Result]):
        failed = [r for r in results if not r.passed]
        first = failed[0]
        more = f" ({len(failed)} of {len(results)} tests failed)" if len(failed) > 1 else ""
        details: list[str] = []
        for r in failed:
            details.append(f"test {r.test.name!r}: {'; '.join(r.problems)}")
            for stream, text in (("stdout", r.ran.stdout), ("stderr", r.ran.stderr)):
                details += [f"  {stream}: {line}" for line in text.splitlines()[-_TAIL:]]
        super().__init__(f"[test] {first.test.name!r} failed: {'; '.join(first.problems)}{more}",
                         hint="`nixbuild test` runs the tests again and shows each one; --no-check builds the image "
                              "without them", details="\n".join(details))
        self.results = tuple(results)


def _argv(config: Mapping[str, object], test: SmokeTest) -> list[str]:
    entrypoint = [str(a) for a in config.get("Entrypoint") or []]  # type: ignore[union-attr]
    cmd = [str(a) for a in config.get("Cmd") or []]  # type: ignore[union-attr]
    return [*entrypoint, *(cmd if test.args is None else test.args)]


def _emulated(tree: imagefs.ImageTree, argv: list[str], env: Mapping[str, str]) -> list[str]:
    """argv for qemu-user: the program resolved inside the image, a script through its interpreter."""
    program = argv[0] if "/" in argv[0] else (tree.which(argv[0], env.get("PATH", DEFAULT_PATH)) or argv[0])
    resolved = tree.resolve(program)
    node = tree.nodes.get(resolved) if resolved else None
    if resolved is None or node is None or node.kind != "file":
        return [QEMU_INSIDE, program, *argv[1:]]
    script = shebang(tree.head(resolved))
    if script is None:
        return [QEMU_INSIDE, program, *argv[1:]]
    interpreter, argument = script
    return [QEMU_INSIDE, interpreter, *([argument] if argument else []), program, *argv[1:]]


def check(test: SmokeTest, ran: Ran) -> tuple[str, ...]:
    problems = []
    if ran.returncode is None:
        problems.append(f"did not finish within {test.timeout} s")
    elif ran.returncode != test.exit_code:
        problems.append(f"exit {ran.returncode}, expected {test.exit_code}")
    for stream, pattern, text in (("stdout", test.stdout, ran.stdout), ("stderr", test.stderr, ran.stderr)):
        if pattern is not None and not re.search(pattern, text, re.MULTILINE):
            problems.append(f"{stream} does not match {pattern!r}")
    return tuple(problems)


def run_tests(tests: Sequence[SmokeTest], archive: Path, platform: platforms.Platform,
              config: Mapping[str, object], *, verbose: bool = False,
              log: Callable[[str], None] = lambda line: None) -> tuple[Result, ...]:
    """Run every test in the image of ``archive``; SmokeTestError when one fails."""
    tree = imagefs.ImageTree.read(archive)
    with tempfile.TemporaryDirectory(prefix="nixbuild-test-") as work:
        rootfs = Path(work) / "rootfs"
        rootfs.mkdir()
        imagefs.unpack(archive, rootfs)
        sandbox = Sandbox.for_image(rootfs, config, platform, verbose=verbose, log=log)
        env = dict(sandbox.env)
        results = []
        for test in tests:
            argv = _argv(config, test)
            run = _emulated(tree, argv, env) if sandbox.qemu else argv
            ran = sandbox.run(run, timeout=test.timeout)
            results.append(Result(test, tuple(argv), ran, check(test, ran)))
        _writable(rootfs)
    if any(not r.passed for r in results):
        raise SmokeTestError(results)
    return tuple(results)


def _writable(top: Path) -> None:
    """Let the temporary tree be removed: the image's directories are read-only (0555)."""
    for directory in [top, *(p for p in top.rglob("*") if p.is_dir() and not p.is_symlink())]:
        try:
            directory.chmod(directory.stat().st_mode | 0o700)
        except OSError:
            pass
