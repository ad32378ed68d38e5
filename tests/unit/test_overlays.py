"""Which overlays apply and in which order, their config, nixbuild's own
overlays' headers, and how pkgs.nix imports them (no Nix needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixbuild import config, overlays, render
from nixbuild.errors import ConfigError
from tests.conftest import copy_example


def project(tmp_path: Path, nixpkgs_extra: str) -> Path:
    root = copy_example("hello-c", tmp_path)
    toml = root / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('source = "hostpkgs"', 'source = "hostpkgs"\n' + nixpkgs_extra))
    return root


def test_order_is_nixbuilds_own_then_project_files_sorted_across_globs(tmp_path: Path) -> None:
    root = project(tmp_path, 'overlays = ["more/*.nix", "overlays/*.nix"]')
    for rel in ("overlays/20-b.nix", "overlays/10-a.nix", "more/00-c.nix", "overlays/notes.txt"):
        (root / rel).parent.mkdir(exist_ok=True)
        (root / rel).write_text("final: prev: { }\n")
    names = [o.name for o in overlays.applied(config.load(root))]
    own = [o.name for o in overlays.own_overlays()]
    assert own and names == own + ["more/00-c.nix", "overlays/10-a.nix", "overlays/20-b.nix"]
    pkgs = render.plan_files(config.load(root))["pkgs.nix"].decode()
    imports = [line.strip() for line in pkgs.splitlines() if line.strip().startswith("(import ")]
    assert imports[-3:] == ['(import (../. + "/more/00-c.nix"))', '(import (../. + "/overlays/10-a.nix"))',
                            '(import (../. + "/overlays/20-b.nix"))']


def test_nixbuild_overlays_can_be_switched_off(tmp_path: Path) -> None:
    on = render.plan_files(config.load(project(tmp_path / "on", "")))
    off = render.plan_files(config.load(project(tmp_path / "off", "nixbuild-overlays = false")))
    own = {f"overlays/{o.file.name}" for o in overlays.own_overlays()}
    assert own <= set(on) and not own & set(off)
    assert "overlays ? [ ]," in off["pkgs.nix"].decode()


@pytest.mark.parametrize("value", ['["/etc/*.nix"]', '["../x/*.nix"]', '["a/../../b.nix"]', '[""]', '"x.nix"'])
def test_overlay_globs_must_stay_inside_the_project(tmp_path: Path, value: str) -> None:
    root = project(tmp_path, f"overlays = {value}")
    with pytest.raises(ConfigError, match="nixpkgs.overlays"):
        overlays.applied(config.load(root))


def test_a_symlink_out_of_the_project_and_a_missing_literal_file_are_refused(tmp_path: Path) -> None:
    root = project(tmp_path, 'overlays = ["overlays/*.nix"]')
    (root / "overlays").mkdir()
    outside = tmp_path / "evil.nix"
    outside.write_text("final: prev: { }\n")
    (root / "overlays" / "evil.nix").symlink_to(outside)
    with pytest.raises(ConfigError, match="outside the project"):
        overlays.applied(config.load(root))
    root2 = project(tmp_path / "b", 'overlays = ["fix.nix"]')
    with pytest.raises(ConfigError, match="does not exist"):
        overlays.applied(config.load(root2))


def test_every_shipped_overlay_has_the_documented_header() -> None:
    own = overlays.own_overlays()
    assert own, "nixbuild ships at least one overlay"
    for overlay in own:
        fields = overlays.header(overlay.file.read_text())
        assert {"summary", "targets", "upstream"} <= set(fields), (overlay.name, fields)
        assert "final: prev:" in overlay.file.read_text()


def test_shipped_overlays_use_only_recorded_nixpkgs_attributes() -> None:
    """Written for real nixpkgs: every `prev.`/`final.` path is in nixpkgs-interface.json (a path
    under buildPackages, itself a package set, is checked without that prefix)."""
    import json
    import re

    from tests.conftest import REPO

    recorded = set(json.loads((REPO / "tests/data/nixpkgs-interface.json").read_text())["attributes"]["paths"])
    ref = re.compile(r"\b(?:prev|final)((?:\.[A-Za-z_][A-Za-z0-9_'-]*)+)")
    for overlay in overlays.own_overlays():
        code = "\n".join(l.split("#", 1)[0] for l in overlay.file.read_text().splitlines())
        paths = {m.group(1).lstrip(".") for m in ref.finditer(code)}
        assert paths, overlay.name
        for path in paths:
            checked = path.removeprefix("buildPackages.") if path != "buildPackages" else path
            assert checked in recorded or path in recorded, f"{overlay.name}: {path}"
