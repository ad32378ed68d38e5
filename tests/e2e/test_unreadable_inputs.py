"""Every command over the files it reads when they are broken: nixbuild.toml
not UTF-8, a directory, unreadable; nixbuild.lock and an overlay a directory or
unreadable; an image archive a directory, a FIFO or unreadable. Each is one
line and exit 2, never a traceback (it was exit 70), never a hang.

`doctor` reads no project file and is not walked. "Unreadable" is a file with
mode 000 read by a process without the capabilities that let root ignore
file permissions (tests run as root here), so it is a real EACCES.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CliResult, nix_env
from tests.e2e.hostile import as_reader_without_dac, assert_nothing_written, assert_one_error, c_config, fork_cli, project

pytestmark = pytest.mark.nix

# Every command that takes a project, with the arguments it needs to get going.
COMMANDS = [
    ["generate"], ["build"], ["shell", "--run", "true"], ["image"], ["inspect"], ["why", "hello"],
    ["diff", "{root}", "{root}"], ["sbom"], ["provenance"], ["verify"], ["push", "127.0.0.1:9/hello:1"],
    ["load", "--podman"], ["ci", "github"], ["lock"], ["update"], ["overlay", "list"], ["overlay", "check"],
    ["overlay", "why", "zlib"], ["overlay", "prune", "--yes"], ["overlay", "new", "fix", "--attr", "zlib"], ["init"],
]
IDS = [" ".join(c) for c in COMMANDS]


def run(command: list[str], root: Path) -> CliResult:
    args = [a.replace("{root}", str(root)) for a in command]
    return fork_cli(*args, "-C", str(root), timeout=60)


def run_without_dac(command: list[str], root: Path) -> CliResult:
    args = [a.replace("{root}", str(root)) for a in command]
    proc = subprocess.run(as_reader_without_dac([sys.executable, "-m", "nixbuild", *args, "-C", str(root)]),
                          env=nix_env(), capture_output=True, text=True, timeout=120)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_config_that_is_not_utf8(tmp_path: Path, command: list[str]) -> None:
    root = project(tmp_path, c_config())
    (root / "nixbuild.toml").write_bytes(b'[package]\nname = "h\xe9llo"\n')
    line = assert_one_error(run(command, root), 2)
    expected = "already exists" if command == ["init"] else "nixbuild.toml:2: not valid UTF-8 (byte 0xe9 at column 10)"
    assert expected in line, line
    assert_nothing_written(root)


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_directory_in_place_of_the_config(tmp_path: Path, command: list[str]) -> None:
    root = project(tmp_path, c_config())
    (root / "nixbuild.toml").unlink()
    (root / "nixbuild.toml").mkdir()
    line = assert_one_error(run(command, root), 2)
    assert ("already exists" if command == ["init"] else "nixbuild.toml: is a directory, not a file") in line, line


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_directory_in_place_of_the_lock(tmp_path: Path, command: list[str]) -> None:
    """With source = "lock", every command that renders or pins reads nixbuild.lock first."""
    cfg = c_config()
    cfg["nixpkgs"]["source"] = "lock"
    root = project(tmp_path, cfg)
    (root / "nixbuild.lock").mkdir()
    if command in (["init"], ["ci", "github"], ["overlay", "new", "fix", "--attr", "zlib"]):
        pytest.skip("reads no lock: writes a new file from the config alone")
    line = assert_one_error(run(command, root), 2, only=False)
    assert "nixbuild.lock: is a directory, not a file" in line, line
    assert_nothing_written(root)


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_directory_in_place_of_an_overlay(tmp_path: Path, command: list[str]) -> None:
    cfg = c_config()
    cfg["nixpkgs"]["overlays"] = ["overlays/fix.nix"]
    root = project(tmp_path, cfg)
    (root / "overlays" / "fix.nix").mkdir(parents=True)
    if command in (["init"], ["ci", "github"], ["overlay", "new", "fix", "--attr", "zlib"]):
        pytest.skip("reads no overlay: writes a new file from the config alone")
    line = assert_one_error(run(command, root), 2, only=False)
    assert "overlays/fix.nix: is a directory, not a file" in line, line
    assert_nothing_written(root)


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_an_unreadable_config(tmp_path: Path, command: list[str]) -> None:
    root = project(tmp_path, c_config())
    (root / "nixbuild.toml").chmod(0)
    line = assert_one_error(run_without_dac(command, root), 2)
    expected = "already exists" if command == ["init"] else "nixbuild.toml: cannot be read: Permission denied"
    assert expected in line, line


@pytest.mark.parametrize("command", [["lock"], ["update"], ["image", "--locked"], ["generate"]],
                         ids=["lock", "update", "image --locked", "generate"])
def test_an_unreadable_lock(tmp_path: Path, command: list[str]) -> None:
    cfg = c_config()
    cfg["nixpkgs"]["source"] = "lock"
    root = project(tmp_path, cfg)
    (root / "nixbuild.lock").write_text("{}")
    (root / "nixbuild.lock").chmod(0)
    line = assert_one_error(run_without_dac(command, root), 2)
    assert "nixbuild.lock: cannot be read: Permission denied" in line, line


@pytest.mark.parametrize("command", [["lock"], ["update"], ["overlay", "list"], ["overlay", "check"]],
                         ids=["lock", "update", "list", "check"])
def test_an_unreadable_overlay(tmp_path: Path, command: list[str]) -> None:
    cfg = c_config()
    cfg["nixpkgs"]["overlays"] = ["overlays/*.nix"]
    root = project(tmp_path, cfg)
    (root / "overlays").mkdir()
    (root / "overlays" / "fix.nix").write_text("final: prev: { }\n")
    (root / "overlays" / "fix.nix").chmod(0)
    line = assert_one_error(run_without_dac(command, root), 2)
    assert "overlays/fix.nix: cannot be read: Permission denied" in line, line


@pytest.mark.parametrize("kind", ["directory", "fifo", "unreadable"])
@pytest.mark.parametrize("command", [["inspect", "{archive}"], ["why", "glibc", "--image", "{archive}"],
                                     ["diff", "{archive}", "{archive}"]], ids=["inspect", "why", "diff"])
def test_an_image_archive_that_is_not_a_readable_file(tmp_path: Path, command: list[str], kind: str) -> None:
    archive = tmp_path / "image.tar"
    if kind == "directory":
        archive.mkdir()
    elif kind == "fifo":
        os.mkfifo(archive)
    else:
        archive.write_bytes(b"x" * 1024)
        archive.chmod(0)
    args = [a.replace("{archive}", str(archive)) for a in command]
    if kind == "unreadable":
        proc = subprocess.run(as_reader_without_dac([sys.executable, "-m", "nixbuild", *args]), env=nix_env(),
                              capture_output=True, text=True, timeout=60)
        result = CliResult(proc.returncode, proc.stdout, proc.stderr)
    else:
        result = fork_cli(*args, timeout=60)
    line = assert_one_error(result, 2)
    what = {"directory": "is a directory", "fifo": "is a named pipe (FIFO)", "unreadable": "is not readable"}[kind]
    if command[0] == "diff" and kind == "directory":
        what = "no nixbuild.toml here"  # a directory operand of diff is a project
    assert str(archive) in line and what in line, line


def test_provenance_over_an_unreadable_project_file(tmp_path: Path) -> None:
    """provenance hashes every file of the project, also those the build never reads."""
    cfg = c_config()
    cfg["package"]["src"] = "src"
    root = tmp_path / "project"
    root.mkdir()
    (project(tmp_path / "example", c_config())).rename(root / "src")  # the sources in a subdirectory
    (root / "src" / "nixbuild.toml").unlink()
    from tests.e2e.hostile import toml

    (root / "nixbuild.toml").write_text(toml(cfg))
    (root / "NOTES.txt").write_text("not part of the build\n")
    (root / "NOTES.txt").chmod(0)
    built = fork_cli("image", "-C", str(root), timeout=300)  # Nix builds need root's capabilities here
    assert built.returncode == 0, built.stderr
    line = assert_one_error(run_without_dac(["provenance"], root), 2, only=False)
    assert f"{root / 'NOTES.txt'}: cannot be read: Permission denied" in line, line
