"""providers' tables name a library's package-set attribute; where hostpkgs' library table
(nix/hostpkgs/pkgs/libraries.json, nixpkgs' attribute names and meta.pkgConfigModules) knows the
library, the tables must agree with it — a wrong guess sends users to the wrong input."""

from __future__ import annotations

import json

import pytest

from nixbuild import providers
from tests.conftest import REPO

LIBRARIES = json.loads((REPO / "nix" / "hostpkgs" / "pkgs" / "libraries.json").read_text())["libraries"]


@pytest.mark.parametrize("module, attr", sorted((m, a) for m, a in providers._PKG_CONFIG.items() if a in LIBRARIES))
def test_a_pkg_config_module_names_the_attribute_that_ships_it(module: str, attr: str) -> None:
    modules = LIBRARIES[attr].get("meta", {}).get("pkgConfigModules")
    owners = [a for a, spec in LIBRARIES.items() if module in (spec.get("meta", {}).get("pkgConfigModules") or ())]
    assert owners in ([attr], []) and (modules is None or module in modules), (module, attr, owners)


def test_every_pkg_config_module_of_the_table_has_a_provider() -> None:
    """The libraries hostpkgs offers are found from configure.ac's PKG_CHECK_MODULES by their
    main module (the first libraries.json lists that is not a sub-library)."""
    missing = [a for a, spec in LIBRARIES.items()
               if (spec.get("meta", {}).get("pkgConfigModules") or [])
               and not any(providers.of_pkg_config_module(m) == a for m in spec["meta"]["pkgConfigModules"])]
    assert missing == []


def test_link_names_and_modules() -> None:
    assert providers.of_link_name("ncursesw") == providers.of_pkg_config_module("ncursesw") == "ncurses"
    assert providers.of_link_name("cap") == "libcap" and providers.of_library("libcap.so.2") == "libcap"
    assert providers.of_pkg_config_module("gtk+-3.0") is None
