"""Shared fixtures: real Nix with substituters off and the sandbox on, copies
of the examples in temporary directories, and the nixbuild CLI as a user runs it."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

# One layer cache per test process (each xdist worker), removed when it ends.
LAYER_CACHE = tempfile.mkdtemp(prefix="nixbuild-test-layers-")
atexit.register(shutil.rmtree, LAYER_CACHE, ignore_errors=True)

NIX_CONFIG = "\n".join(
    [
        "substituters =",
        "sandbox = true",
        "sandbox-paths = /bin=/usr/bin /usr /lib=/usr/lib /lib64=/usr/lib64",
    ]
)


def nix_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # CI=true makes `nixbuild image` default to --locked; the examples carry no
    # lock, so tests that want locked mode set CI themselves.
    env.pop("CI", None)
    # A new machine does not set it (this one does): without it, Python run as
    # root writes __pycache__ into any store path it imports from.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["NIX_CONFIG"] = NIX_CONFIG
    env["NIXBUILD_CACHE_DIR"] = LAYER_CACHE  # the tests' own layer cache, not the user's
    env["NIX_BUILD_SHELL"] = "/bin/bash"
    env.update(extra)
    return env


def run(args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
        check: bool = True, input: bytes | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env or nix_env(), capture_output=True, text=True, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed with {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:  # type: ignore[type-arg]
        return json.loads(self.stdout)


def nixbuild(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
    """Run the real CLI in a subprocess, as a user would."""
    proc = subprocess.run([sys.executable, "-m", "nixbuild", *args], cwd=cwd, env=env or nix_env(),
                          capture_output=True, text=True)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def check_github_workflow(file: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema against its vendored GitHub workflow schema."""
    exe = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run([str(exe), "--builtin-schema", "vendor.github-workflows", str(file)],
                          capture_output=True, text=True)


def copy_example(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(EXAMPLES / name, target, symlinks=False,
                    ignore=shutil.ignore_patterns(".nixbuild", ".nixbuild.*", "nixbuild-result", "build"))
    return target


@pytest.fixture
def example(tmp_path: Path):  # type: ignore[no-untyped-def]
    return lambda name: copy_example(name, tmp_path)


def nix_available() -> bool:
    return shutil.which("nix-build") is not None


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current templates")
