"""The CI workflow that builds every example against a pinned real nixpkgs
(.github/workflows/real-nixpkgs.yml) is valid and covers every example and
each of its targets. It needs network, so it cannot run here (README)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from nixbuild import config
from tests.conftest import EXAMPLES, REPO, check_github_workflow

WORKFLOW = REPO / ".github" / "workflows" / "real-nixpkgs.yml"


def _load() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(WORKFLOW.read_text())


def _examples(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, ...]]:
    """Every example with its targets (on the workflow's x86_64 Linux runner)."""
    monkeypatch.setenv("NIXBUILD_HOST_SYSTEM", "x86_64-linux")
    return {p.parent.name: config.load(p.parent).target.platforms for p in sorted(EXAMPLES.glob("*/nixbuild.toml"))}


def test_workflow_is_valid() -> None:
    checked = check_github_workflow(WORKFLOW)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_workflow_builds_every_example_for_every_target(monkeypatch: pytest.MonkeyPatch) -> None:
    include = _load()["jobs"]["example"]["strategy"]["matrix"]["include"]
    entries = [(e["example"], e["target"]) for e in include]
    expected = [(name, target) for name, targets in _examples(monkeypatch).items() for target in targets]
    assert expected, "no examples found"
    missing = sorted(set(expected) - set(entries))
    assert not missing, f"examples/targets without an entry in {WORKFLOW.name}: {missing}"
    assert sorted(entries) == sorted(expected), f"entries for no example/target, or twice: {sorted(entries)}"
    assert all(e.get("expect") for e in include), "every entry names the first line its image must print"


def test_workflow_pins_nixpkgs_and_runs_each_image() -> None:
    data = _load()
    assert re.fullmatch(r"[0-9a-f]{40}", data["env"]["NIXPKGS_REV"])
    assert re.fullmatch(r"sha256-[A-Za-z0-9+/]{43}=", data["env"]["NIXPKGS_NAR_HASH"])
    runs = "\n".join(step.get("run", "") for step in data["jobs"]["example"]["steps"])
    for needed in ('["source"] = "lock"', 'nixbuild lock --url "https://github.com/NixOS/nixpkgs/archive/$NIXPKGS_REV.tar.gz"',
                   '"$NIXPKGS_NAR_HASH"', 'nixbuild image --locked --target "$TARGET"', "docker load -i",
                   'docker run --rm --platform "$platform"', '"$EXPECT"'):
        assert needed in runs, needed


def test_a_new_example_without_an_entry_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The coverage check reads the examples directory, so an added example counts."""
    import tests.unit.test_real_nixpkgs_workflow as me

    examples = tmp_path / "examples"
    shutil.copytree(EXAMPLES, examples)  # whole: a builder's config check reads the tree (go.mod, Cargo.toml)
    shutil.copytree(EXAMPLES / "hello-c", examples / "hello-new")
    monkeypatch.setattr(me, "EXAMPLES", examples)
    with pytest.raises(AssertionError, match="hello-new"):
        test_workflow_builds_every_example_for_every_target(monkeypatch)
