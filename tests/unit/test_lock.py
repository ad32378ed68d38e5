"""nixbuild.lock without Nix: format, validation, staleness, --locked's default,
and the one-line refusal built from Nix's hash-mismatch message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nixbuild import config, lock, render
from nixbuild.errors import EXIT_LOCK, LockError, NixFailedError
from tests.conftest import copy_example

SHA = "1kls0lngxr7zfzc7qfpfgy2504myvwrm3bja1gcnzrbg4n6bx3kx"


def project_with_overlay(tmp_path: Path, source: str = "hostpkgs") -> Path:
    root = copy_example("hello-c", tmp_path)
    toml = root / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('source = "hostpkgs"', f'source = "{source}"\noverlays = ["overlays/*.nix"]'))
    (root / "overlays").mkdir()
    (root / "overlays" / "a.nix").write_text("final: prev: { }\n")
    return root


def test_lock_round_trips_and_records_project_overlay_hashes(tmp_path: Path) -> None:
    root = project_with_overlay(tmp_path)
    project = config.load(root)
    written = lock.current(project, lock.Pin("tarball", "https://example.org/nixpkgs.tar.gz", SHA))
    lock.write(project, written)
    data = json.loads((root / "nixbuild.lock").read_text())
    assert data["version"] == 1
    import hashlib
    assert data["overlays"] == [{"name": "overlays/a.nix",
                                 "sha256": hashlib.sha256(b"final: prev: { }\n").hexdigest()}]
    assert data["settings"] == {"source": "hostpkgs", "path": None, "overlays": ["overlays/*.nix"],
                                "nixbuild-overlays": True}
    assert lock.read(project) == written
    assert lock.staleness(project, written) == []


def test_overlay_edit_and_settings_change_make_the_lock_stale(tmp_path: Path) -> None:
    root = project_with_overlay(tmp_path)
    project = config.load(root)
    lock.write(project, lock.current(project, None))
    (root / "overlays" / "a.nix").write_text("final: prev: { x = 1; }\n")
    with pytest.raises(LockError) as info:
        lock.require_fresh(config.load(root))
    assert info.value.exit_code == EXIT_LOCK == 7
    assert "overlays/a.nix changed: expected sha256:" in info.value.message and "actual sha256:" in info.value.message
    (root / "overlays" / "a.nix").write_text("final: prev: { }\n")
    lock.require_fresh(config.load(root))
    toml = root / "nixbuild.toml"
    toml.write_text(toml.read_text().replace("[nixpkgs]", "[nixpkgs]\nnixbuild-overlays = false"))
    with pytest.raises(LockError, match="settings.nixbuild-overlays"):
        lock.require_fresh(config.load(root))


def test_missing_lock_is_refused_and_source_lock_needs_a_pin(tmp_path: Path) -> None:
    root = project_with_overlay(tmp_path, source="lock")
    project = config.load(root)
    with pytest.raises(LockError, match="does not exist"):
        lock.require_fresh(project)
    with pytest.raises(LockError, match="needs a nixpkgs pin"):
        render.plan_files(project)
    lock.write(project, lock.current(project, None))
    with pytest.raises(LockError, match="nixpkgs: added"):
        lock.require_fresh(project)


@pytest.mark.parametrize("content, fragment", [
    ("{", "not valid JSON"),
    ('{"version": 2}', "unsupported lock version"),
    ('{"version": 1, "settings": {}, "nixpkgs": {"type": "tarball", "url": "u", "sha256": "abc"}, "overlays": []}',
     "not a Nix base-32 sha256"),
    ('{"version": 1, "settings": {}, "nixpkgs": null, "overlays": [{"name": "x", "sha256": "zz"}]}', "overlays"),
    ('{"version": 1, "settings": {}, "nixpkgs": {"type": "tarball", "url": "http://a\\nb", "sha256": "' + SHA
     + '"}, "overlays": []}', "whitespace or control"),
])
def test_malformed_lock_is_a_lock_error(tmp_path: Path, content: str, fragment: str) -> None:
    root = project_with_overlay(tmp_path)
    (root / "nixbuild.lock").write_text(content)
    with pytest.raises(LockError, match=fragment) as info:
        lock.read(config.load(root))
    assert "nixbuild lock" in (info.value.hint or "")


def test_pinned_expression_is_fetch_tarball_or_builtins_path(tmp_path: Path) -> None:
    root = project_with_overlay(tmp_path, source="lock")
    project = config.load(root)
    lock.write(project, lock.current(project, lock.Pin("tarball", "https://e.org/n.tar.gz?a=${x}", SHA)))
    nixpkgs = render.plan_files(config.load(root))["nixpkgs.nix"].decode()
    assert 'builtins.fetchTarball {\n  url = "https://e.org/n.tar.gz?a=\\${x}";\n  sha256 = "' + SHA in nixpkgs
    assert lock.pin_expr(lock.Pin("path", "/src/nixpkgs", SHA)).startswith(
        'builtins.path {\n  name = "nixpkgs";\n  path = /src/nixpkgs;')


@pytest.mark.parametrize("value, expected", [("", False), ("0", False), ("false", False), ("true", True), ("1", True)])
def test_locked_is_the_default_under_ci(value: str, expected: bool) -> None:
    assert lock.locked_default({"CI": value}) is expected
    assert lock.locked_default({}) is False


def test_fetch_mismatch_becomes_a_lock_error_with_both_hashes(tmp_path: Path) -> None:
    project = config.load(project_with_overlay(tmp_path))
    # Nix 2.8's message, as _failure() splits it into message and details
    exc = NixFailedError(
        "nix-build -A image failed: error: hash mismatch in file downloaded from 'file:///x/n.tar.gz':",
        details="         specified: sha256:0kls0lngxr7zfzc7qfpfgy2504myvwrm3bja1gcnzrbg4n6bx3kx\n"
                "         got:       sha256:1kls0lngxr7zfzc7qfpfgy2504myvwrm3bja1gcnzrbg4n6bx3kx")
    err = lock.mismatch_error(project, exc)
    assert err is not None and err.exit_code == 7
    assert "expected sha256:0kls" in err.message and "actual sha256:1kls" in err.message
    assert "nixbuild update" in (err.hint or "")
    assert lock.mismatch_error(project, NixFailedError("nix-build -A image failed: builder failed")) is None
