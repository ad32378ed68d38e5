"""Shell completion as the README documents it: bash runs the script nixbuild
prints and completes commands and targets with it; zsh and fish (not installed
here) are checked at the protocol their scripts speak to nixbuild."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nixbuild import platforms


def nixbuild_exe(tmp_path: Path) -> Path:
    """A `nixbuild` on PATH (the scripts call the program by name)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / "nixbuild"
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} -m nixbuild \"$@\"\n")
    exe.chmod(0o755)
    return exe


def env_with(exe: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "_NIXBUILD_COMPLETE"}
    return {**env, "PATH": f"{exe.parent}:{os.environ['PATH']}", **extra}


def bash_complete(exe: Path, line: str) -> list[str]:
    """Complete ``line`` in a real bash after the README's one line (eval of bash_source)."""
    words = line.split(" ")
    script = (
        'eval "$(_NIXBUILD_COMPLETE=bash_source nixbuild)"\n'
        f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
        "_nixbuild_completion nixbuild\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    proc = subprocess.run(["bash", "-c", script], env=env_with(exe), capture_output=True, text=True, check=True)
    return proc.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_commands_options_and_targets(tmp_path: Path) -> None:
    exe = nixbuild_exe(tmp_path)
    assert bash_complete(exe, "nixbuild ima") == ["image"]
    assert set(bash_complete(exe, "nixbuild ")) >= {"image", "inspect", "why", "lock", "overlay", "verify"}
    assert bash_complete(exe, "nixbuild image --ta") == ["--target"]
    assert bash_complete(exe, "nixbuild image -t aarch") == ["aarch64-linux", "aarch64-linux-static"]
    assert bash_complete(exe, "nixbuild image -t al") == ["all"]
    assert bash_complete(exe, "nixbuild build -t ") == list(platforms.TARGETS)  # one target: no "all"
    assert bash_complete(exe, "nixbuild overlay ") == ["check", "list", "new", "prune", "why"]


@pytest.mark.parametrize(("shell", "registers"), [
    ("zsh", "compdef _nixbuild_completion nixbuild"),
    ("fish", 'complete --no-files --command nixbuild --arguments "(_nixbuild_completion)"'),
])
def test_zsh_and_fish_scripts_and_their_answers(tmp_path: Path, shell: str, registers: str) -> None:
    exe = nixbuild_exe(tmp_path)
    source = subprocess.run([str(exe)], env=env_with(exe, _NIXBUILD_COMPLETE=f"{shell}_source"),
                            capture_output=True, text=True, check=True).stdout
    assert registers in source and f"_NIXBUILD_COMPLETE={shell}_complete" in source
    if shell == "zsh":  # COMP_CWORD: the index of the word being completed
        env = env_with(exe, _NIXBUILD_COMPLETE="zsh_complete", COMP_WORDS="nixbuild image -t riscv", COMP_CWORD="3")
        expected = "plain\nriscv64-linux\n_\n"
    else:  # COMP_CWORD: the word being completed
        env = env_with(exe, _NIXBUILD_COMPLETE="fish_complete", COMP_WORDS="nixbuild image -t riscv",
                       COMP_CWORD="riscv")
        expected = "plain,riscv64-linux\n"
    assert subprocess.run([str(exe)], env=env, capture_output=True, text=True, check=True).stdout == expected
