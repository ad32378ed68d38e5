"""The escaping module, property-tested against Nix itself."""

from __future__ import annotations

import json
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nixbuild import nixexpr
from tests.conftest import nix_env

# Any Unicode text Nix can hold: no NUL, no lone surrogates (TOML cannot hold them either).
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
tricky = st.sampled_from(["${x}", "$${", "\\${", "''", "'''${", "\\", '"', "$", "\n", "\r\n", "\t", "\x01", "\x7f", "or", "if", "a-b", "1a", "é", "🦀"])
strings = st.one_of(texts, tricky, st.lists(tricky, max_size=6).map("".join))

pytestmark = pytest.mark.nix


def nix_eval(source: str) -> object:
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "-E", source],
                          env=nix_env(), capture_output=True, text=True)
    assert proc.returncode == 0, f"{source}\n{proc.stderr}"
    return json.loads(proc.stdout)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(strings, min_size=1, max_size=15))
def test_strings_read_back_identical(values: list[str]) -> None:
    assert nix_eval(nixexpr.value(values)) == values


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(strings, strings, min_size=1, max_size=8))
def test_attribute_names_read_back_identical(values: dict[str, str]) -> None:
    assert nix_eval(nixexpr.value(values)) == values


@settings(max_examples=30, deadline=None)
@given(st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), strings),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(strings, inner, max_size=4)),
    max_leaves=12,
))
def test_nested_values_read_back_identical(value: object) -> None:
    assert nix_eval(nixexpr.value(value)) == value


def test_nul_is_rejected() -> None:
    with pytest.raises(nixexpr.NixValueError):
        nixexpr.string("a\x00b")


def test_project_paths_stay_inside_the_project() -> None:
    assert nixexpr.project_path(".") == "../."
    assert nixexpr.project_path("build/my app") == '(../. + "/build/my app")'
    for bad in ("../x", "/etc/passwd", "a/../../b"):
        with pytest.raises(nixexpr.NixValueError):
            nixexpr.project_path(bad)


@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/"), min_size=1, max_size=12), min_size=1, max_size=3))
@settings(max_examples=30, deadline=None)
def test_absolute_paths_read_back_identical(parts: list[str]) -> None:
    parts = [p for p in parts if p not in (".", "..")]
    if not parts:
        return
    path = "/" + "/".join(parts)
    assert nix_eval(f"toString {nixexpr.absolute_path(path)}") == path
