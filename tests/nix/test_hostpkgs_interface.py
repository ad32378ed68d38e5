"""hostpkgs must offer nixpkgs' names with nixpkgs' argument lists, results
and outputs.

tests/data/nixpkgs-interface.json records, from nixpkgs sources (each fact
with the revision it was read from; tests/data/README.md), the arguments (and
whether each has a default) of every function hostpkgs offers, the passthru
of results nixbuild reads, the outputs of packages per platform, and every
attribute path generated code may use.
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
# nixbuild target → the package set hostpkgs offers for it.
SETS = {
    "x86_64-linux": "pkgs",
    "x86_64-linux-static": "pkgs.pkgsStatic",
    "aarch64-linux": "pkgs.pkgsCross.aarch64-multiplatform",
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
    assert INTERFACE["version"] == 2
    revisions = INTERFACE["revisions"]
    assert revisions and all({"release", "read", "how"} <= set(r) for r in revisions.values())
    for kind in ("functions", "results", "outputs", "facts"):
        for name, spec in INTERFACE[kind].items():
            assert spec["revision"] in revisions, f"{kind}.{name}"
            assert spec["source"].startswith("pkgs/"), f"{kind}.{name}"
    for name, spec in INTERFACE["functions"].items():
        assert spec["check"] in ("exact", "subset", "defaults"), name
        assert all(isinstance(v, bool) for v in spec["args"].values()), name
    for name, spec in INTERFACE["outputs"].items():
        assert set(spec["platforms"]) <= set(SETS), name
    attributes = INTERFACE["attributes"]
    assert attributes["revision"] in revisions
    assert len(set(attributes["paths"])) == len(attributes["paths"])


@pytest.mark.parametrize("name", sorted(INTERFACE["functions"]))
def test_function_arguments_match_nixpkgs(name: str, hostpkgs_args: dict[str, dict[str, bool]]) -> None:
    spec = INTERFACE["functions"][name]
    ours = hostpkgs_args[name]
    if spec["check"] == "exact":
        assert ours == spec["args"], f"{name}: hostpkgs {ours} != nixpkgs {spec['args']}"
        return
    wanted = {a: d for a, d in spec["args"].items() if spec["check"] == "subset" or d}
    missing = {a: d for a, d in wanted.items() if ours.get(a) != d}
    assert not missing, f"{name}: arguments missing or with other defaultness in hostpkgs: {missing}"


@pytest.mark.parametrize("name", sorted(INTERFACE["results"]))
def test_results_have_nixpkgs_passthru(name: str, module_nix) -> None:
    spec = INTERFACE["results"][name]
    attr_path = " ".join(json.dumps(p) for p in name.split("."))
    got = module_nix.eval_json(
        f"let pkgs = import <hostpkgs> {{ }}; f = pkgs.lib.attrByPath [ {attr_path} ] null pkgs; in "
        f"builtins.attrNames (f (builtins.fromJSON {json.dumps(json.dumps(spec['call']))})).passthru"
    )
    assert sorted(got) == spec["passthru"]
    assert set(spec["reads"]) <= set(got)


@pytest.mark.parametrize("name", sorted(INTERFACE["outputs"]))
def test_outputs_per_platform_match_nixpkgs(name: str, module_nix) -> None:
    spec = INTERFACE["outputs"][name]
    got = module_nix.eval_json(
        "let pkgs = import <hostpkgs> { }; in { "
        + " ".join(f"{json.dumps(p)} = {SETS[p]}.{name}.outputs;" for p in spec["platforms"]) + " }"
    )
    for platform, outputs in spec["platforms"].items():
        if "hostpkgs" in spec:  # a recorded difference: a subset of nixpkgs' outputs, in order
            assert got[platform] == [o for o in outputs if o in got[platform]], (platform, got[platform])
        else:
            assert got[platform] == outputs, f"{name} for {platform}: hostpkgs {got[platform]} != nixpkgs {outputs}"


def test_every_listed_attribute_exists(module_nix) -> None:
    nix = module_nix
    paths = INTERFACE["attributes"]["paths"]
    lists = " ".join("[ " + " ".join(json.dumps(p) for p in path.split(".")) + " ]" for path in paths)
    present = nix.eval_json(
        f"let pkgs = import <hostpkgs> {{ }}; in map (p: pkgs.lib.hasAttrByPath p pkgs) [ {lists} ]"
    )
    missing = [p for p, ok in zip(paths, present, strict=True) if not ok]
    assert not missing, f"attributes missing from hostpkgs: {missing}"


def test_hostpkgs_dir_exists(hostpkgs_dir: Path) -> None:
    assert (hostpkgs_dir / "default.nix").is_file()
