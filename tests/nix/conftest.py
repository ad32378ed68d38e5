"""Fixtures for tests that run real Nix against nix/hostpkgs.

Every Nix command gets NIX_CONFIG with substituters off and the sandbox on
(only the host's /usr, /bin, /lib, /lib64 visible), never /etc/nix/nix.conf
edits. Expressions reach hostpkgs as `<hostpkgs>` (-I hostpkgs=...).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOSTPKGS = REPO / "nix" / "hostpkgs"
NIX_CONFIG = "\n".join(
    [
        "substituters =",
        "sandbox = true",
        "sandbox-paths = /bin=/usr/bin /usr /lib=/usr/lib /lib64=/usr/lib64",
    ]
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "nix: builds derivations with real Nix (slower)")


def nix_env() -> dict[str, str]:
    env = dict(os.environ)
    env["NIX_CONFIG"] = NIX_CONFIG
    env["NIX_BUILD_SHELL"] = "/bin/bash"
    env.pop("NIX_PATH", None)
    # A new machine does not set it (this one does): without it, Python run as
    # root writes __pycache__ into any store path it imports from.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@dataclass(frozen=True)
class Nix:
    """Runs Nix commands with the test configuration; raises with stderr."""

    workdir: Path

    def _run(self, args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            args, env=nix_env(), cwd=self.workdir, capture_output=True, text=True, timeout=600
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
        return proc

    def write(self, name: str, text: str) -> Path:
        path = self.workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def eval_json(self, expr: str):
        proc = self._run(
            ["nix-instantiate", "-I", f"hostpkgs={HOSTPKGS}", "--eval", "--strict", "--json", "--expr", expr]
        )
        return json.loads(proc.stdout)

    def build(self, file: str, attr: str | None = None, link: str = "result", check: bool = True, extra: list[str] | None = None):
        args = ["nix-build", "-I", f"hostpkgs={HOSTPKGS}", file, "-o", str(self.workdir / link)]
        if attr is not None:
            args += ["-A", attr]
        proc = self._run(args + (extra or []), check=check)
        return proc if not check else [Path(p) for p in proc.stdout.split()]

    def build_expr(self, expr: str, link: str = "result") -> list[Path]:
        proc = self._run(["nix-build", "-I", f"hostpkgs={HOSTPKGS}", "-E", expr, "-o", str(self.workdir / link)])
        return [Path(p) for p in proc.stdout.split()]

    def build_fails(self, file: str, attr: str | None = None) -> str:
        proc = self.build(file, attr, check=False)
        assert proc.returncode != 0, "build unexpectedly succeeded"
        return proc.stderr

    def closure(self, path: Path | str) -> set[str]:
        return set(self._run(["nix-store", "-qR", str(path)]).stdout.split())

    def shell(self, file: str, command: str) -> subprocess.CompletedProcess[str]:
        return self._run(["nix-shell", "-I", f"hostpkgs={HOSTPKGS}", file, "--run", command])


def _require_nix() -> None:
    if shutil.which("nix-build") is None:
        pytest.skip("Nix is not installed")


@pytest.fixture
def nix(tmp_path: Path) -> Nix:
    _require_nix()
    return Nix(tmp_path)


@pytest.fixture(scope="module")
def module_nix(tmp_path_factory: pytest.TempPathFactory) -> Nix:
    """A Nix runner shared by one test module (for evaluation-only tests)."""
    _require_nix()
    return Nix(tmp_path_factory.mktemp("nix"))


@pytest.fixture(scope="session")
def hostpkgs_dir() -> Path:
    return HOSTPKGS


HELLO_C = """#include <stdio.h>
int main(void) { printf("Hello, world!\\n"); return 0; }
"""
HELLO_MAKEFILE = """PREFIX ?= /usr/local
all: hello
hello: hello.c
\t$(CC) $(CFLAGS) -g -O1 -o $@ hello.c
install: hello
\tmkdir -p $(PREFIX)/bin $(PREFIX)/share/doc/hello
\tcp hello $(PREFIX)/bin/hello
\tcp README $(PREFIX)/share/doc/hello/README
"""


@pytest.fixture
def hello_src(nix: Nix) -> Path:
    """A make-based C hello project in tmp_path/hello."""
    nix.write("hello/hello.c", HELLO_C)
    nix.write("hello/Makefile", HELLO_MAKEFILE)
    nix.write("hello/README", "hello docs\n")
    return nix.workdir / "hello"


# A hello package expression (needs hello_src); `pkgs` must be in scope.
HELLO_DRV = """pkgs.stdenv.mkDerivation {
    pname = "hello";
    version = "1.0";
    src = ./hello;
    outputs = [ "bin" "out" ];
    makeFlags = [ "PREFIX=$(out)" ];
    postInstall = "moveToOutput bin \\"$bin\\"";
    meta.mainProgram = "hello";
  }"""


@pytest.fixture(scope="session")
def hello_drv() -> str:
    """Nix source of the hello package (needs hello_src and `pkgs` in scope)."""
    return HELLO_DRV
