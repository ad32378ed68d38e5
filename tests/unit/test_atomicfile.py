"""Atomic outputs: a killed writer's temporary is removed by the next write of
the same kind; a live writer's (another process) is left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nixbuild import atomicfile
from nixbuild.errors import InputError

WRITER = """
import sys, time
from pathlib import Path
from nixbuild.atomicfile import atomic_output
with atomic_output(Path(sys.argv[1])) as out:
    out.write(b"half")
    out.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


def start_writer(target: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
    return proc


def temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_a_live_writers_temporary_is_kept_and_a_killed_ones_removed(tmp_path: Path) -> None:
    target = tmp_path / "app-1.0.tar"
    writer = start_writer(target)
    try:
        [tmp] = temporaries(tmp_path)
        assert tmp.startswith(".app-1.0.tar.") and len(tmp) == len(".app-1.0.tar.") + 8 + len(".tmp")
        atomicfile.write_atomic(target, b"complete")  # a concurrent write of the same file
        assert temporaries(tmp_path) == [tmp]  # the live writer's is untouched
        assert target.read_bytes() == b"complete"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert temporaries(tmp_path) == [tmp]  # SIGKILL: nobody cleaned up
    atomicfile.write_atomic(target, b"again")
    assert temporaries(tmp_path) == []
    assert target.read_bytes() == b"again"


def test_only_nixbuilds_own_names_are_removed(tmp_path: Path) -> None:
    keep = [".app.tar.tmp", ".app.tar.toolong123.tmp", ".other.tar.abcdefgh.tmp", "app.tar.abcdefgh.tmp"]
    for name in keep:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".app.tar.abcdefgh.tmp").write_bytes(b"stale")
    os.symlink("/etc/passwd", tmp_path / ".app.tar.zzzzzzzz.tmp")  # never followed, never removed
    removed = atomicfile.remove_stale(tmp_path, ".app.tar.", ".tmp")
    assert [p.name for p in removed] == [".app.tar.abcdefgh.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*keep, ".app.tar.zzzzzzzz.tmp"])


def test_stale_directories_are_removed_with_their_contents(tmp_path: Path) -> None:
    stale = tmp_path / ".nixbuild.new-abcd1234"
    (stale / "lib").mkdir(parents=True)
    (stale / "lib" / "image.nix").write_text("{ }")
    with atomicfile.claimed_temp(tmp_path, ".nixbuild.new-", directory=True) as mine:
        assert mine.is_dir() and not stale.exists()
        assert atomicfile.remove_stale(tmp_path, ".nixbuild.new-") == []  # held: not stale
    assert not mine.exists()


def test_a_directory_where_a_file_is_written_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "app.tar").mkdir()
    with pytest.raises(InputError, match="is a directory, where nixbuild writes a file"):
        atomicfile.write_atomic(tmp_path / "app.tar", b"x")
    assert temporaries(tmp_path) == []


def test_a_file_where_a_directory_is_made_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "nixbuild-result").write_text("")
    with pytest.raises(InputError, match="a file of another kind is in the way"):
        atomicfile.write_atomic(tmp_path / "nixbuild-result" / "x86_64-linux" / "app.tar", b"x")


def test_claimed_temp_survives_a_cleaner_racing_its_creation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cleaner that removes a just-created temporary before its writer locks it makes the
    writer take a new one, never write into a removed file. (The race is forced: another
    run's cleanup runs between the writer's mkstemp and its lock.)"""
    calls = 0
    real = atomicfile._claim

    def racing(path: Path, directory: bool) -> int | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            assert atomicfile.remove_stale(path.parent, ".a.", ".tmp") == [path]
        return real(path, directory)

    monkeypatch.setattr(atomicfile, "_claim", racing)
    with atomicfile.atomic_output(tmp_path / "a") as out:
        out.write(b"data")
    assert calls == 2 and (tmp_path / "a").read_bytes() == b"data"
    assert temporaries(tmp_path) == []
