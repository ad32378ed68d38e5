"""hostpkgs must offer nixpkgs' names with nixpkgs' argument lists.

tests/data/nixpkgs-interface.json records, from nixpkgs sources, the
arguments (and whether each has a default) of every destructured function
hostpkgs offers, and every attribute path generated code may use.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

INTERFACE = json.loads((Path(__file__).resolve().parents[1] / "data" / "nixpkgs-interface.json").read_text())

# callPackage'd functions: the value in the set is their result (a
# derivation), so the function's arguments are read from its file.
CALLPACKAGE_FILES = {
    "fakeNss": "build-support/fake-nss.nix",
    "cacert": "build-support/cacert.nix",
}


def _args_expr(path: str) -> str:
    if path == "import":
        return "builtins.functionArgs (import <hostpkgs>)"
    if path in CALLPACKAGE_FILES:
        return f"builtins.functionArgs (import <hostpkgs/{CALLPACKAGE_FILES[path]}>)"
    attr_path = " ".join(json.dumps(p) for p in path.split("."))
    return f"pkgs.lib.functionArgs (pkgs.lib.attrByPath [ {attr_path} ] null pkgs)"


@pytest.fixture(scope="module")
def hostpkgs_args(module_nix) -> dict[str, dict[str, bool]]:
    nix = module_nix
    entries = " ".join(f"{json.dumps(name)} = {_args_expr(name)};" for name in INTERFACE["functions"])
    return nix.eval_json(f"let pkgs = import <hostpkgs> {{ }}; in {{ {entries} }}")


def test_interface_file_is_well_formed() -> None:
    assert INTERFACE["version"] == 1
    for name, spec in INTERFACE["functions"].items():
        assert spec["check"] in ("exact", "subset"), name
        assert spec["source"].startswith("pkgs/"), name
        assert all(isinstance(v, bool) for v in spec["args"].values()), name
    assert len(set(INTERFACE["attributes"])) == len(INTERFACE["attributes"])


@pytest.mark.parametrize("name", sorted(INTERFACE["functions"]))
def test_function_arguments_match_nixpkgs(name: str, hostpkgs_args: dict[str, dict[str, bool]]) -> None:
    spec = INTERFACE["functions"][name]
    ours = hostpkgs_args[name]
    if spec["check"] == "exact":
        assert ours == spec["args"], f"{name}: hostpkgs {ours} != nixpkgs {spec['args']}"
    else:
        missing = {a: d for a, d in spec["args"].items() if ours.get(a) != d}
        assert not missing, f"{name}: arguments missing or with other defaultness in hostpkgs: {missing}"


def test_every_listed_attribute_exists(module_nix) -> None:
    nix = module_nix
    paths = INTERFACE["attributes"]
    lists = " ".join("[ " + " ".join(json.dumps(p) for p in path.split(".")) + " ]" for path in paths)
    present = nix.eval_json(
        f"let pkgs = import <hostpkgs> {{ }}; in map (p: pkgs.lib.hasAttrByPath p pkgs) [ {lists} ]"
    )
    missing = [p for p, ok in zip(paths, present, strict=True) if not ok]
    assert not missing, f"attributes missing from hostpkgs: {missing}"


def test_hostpkgs_dir_exists(hostpkgs_dir: Path) -> None:
    assert (hostpkgs_dir / "default.nix").is_file()
