"""[image] extra names outputs explicitly: "zlib.out" goes in, a bare
"zlib" is an error listing zlib's outputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import copy_example, nixbuild

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
