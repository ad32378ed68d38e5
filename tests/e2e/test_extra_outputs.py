"""[image] extra names outputs explicitly: "zlib.out" goes in, a bare
"zlib" is an error listing zlib's outputs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import copy_example, nix_env, nixbuild

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


def with_extra(tmp_path: Path, extra: str) -> Path:
    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('tag = "1.0.0"', f'tag = "1.0.0"\nextra = [{extra}]'))
    return project


def test_an_explicit_output_is_imaged(tmp_path: Path) -> None:
    result = nixbuild("image", "--json", "-C", str(with_extra(tmp_path, '"zlib.out"')))
    assert result.returncode == 0, result.stderr
    paths = [p["path"] for p in result.json()["store_paths"]]
    assert [p for p in paths if re.search(r"-zlib-[\d.]+$", p)]
    assert not [p for p in paths if p.endswith("-dev") or p.endswith("-static")]


def test_a_bare_package_lists_its_outputs(tmp_path: Path) -> None:
    result = nixbuild("image", "-C", str(with_extra(tmp_path, '"zlib"')))
    assert result.returncode == 2
    assert "image.extra: 'zlib' is a package, not an output" in result.stderr
    assert "zlib.out, zlib.static" in result.stderr and "zlib.dev" not in result.stderr


def test_a_missing_output_lists_the_real_ones(tmp_path: Path) -> None:
    result = nixbuild("image", "-C", str(with_extra(tmp_path, '"zlib.lib"')))
    assert result.returncode == 2
    assert "zlib has no output 'lib'" in result.stderr and "out, dev, static" in result.stderr


def test_the_entries_are_checked_by_the_build_evaluation_itself(tmp_path: Path) -> None:
    """No evaluation of its own when the entries are right (-v shows every Nix command)."""
    result = nixbuild("image", "-v", "-C", str(with_extra(tmp_path, '"zlib.out"')))
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stderr.splitlines() if line.startswith("+ nix")]
    assert commands and not [c for c in commands if c.startswith("+ nix-instantiate --eval")], commands


@pytest.mark.parametrize("extra", ['"zlib"', '"zlib.lib"', '"nosuchpkg.out"'])
def test_the_generated_expression_refuses_a_wrong_entry_by_hand(tmp_path: Path, extra: str) -> None:
    """`nix-build .nixbuild -A image` without nixbuild refuses it too, naming the check."""
    project = with_extra(tmp_path, extra)
    assert nixbuild("generate", "-C", str(project)).returncode == 0
    by_hand = subprocess.run(["nix-build", ".nixbuild", "-A", "image.conf", "--no-out-link"], cwd=project,
                             env=nix_env(), capture_output=True, text=True)
    assert by_hand.returncode != 0
    assert "nixbuild.toml names a package-set attribute" in by_hand.stderr or "nosuchpkg" in by_hand.stderr
    assert "will be built" not in by_hand.stderr, "nothing is built for a wrong entry"
