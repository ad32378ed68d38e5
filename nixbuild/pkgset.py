"""What the package set has: the config's package-set attribute paths
(``package.inputs``, ``image.extra``, ``image.forbid``) checked in one
evaluation before anything is built.

Only Nix can say whether ``nosuchpkg`` is in the package set, so this is
the one check of the config that needs Nix; a name the set lacks is a
config error (exit 2) naming the key and its line, with the set's close
matches. ``image.forbid`` entries that are nixbuild's defaults are exempt
(older or smaller package sets may lack one, e.g. ``zsh``); a forbid entry
that exists but does not evaluate for the target stays skipped, as the
policy itself skips it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nixbuild import config, nixexpr, render
from nixbuild import plan as plan_mod
from nixbuild.config import Project
from nixbuild.nix import Nix

# For each attribute path: whether the set has it (null: it does not evaluate),
# the names beside the deepest part that exists (for close matches), and the
# outputs of the value and of its parent (for "openssl.out").
_CHECK = """
let
  d = import GENERATED { target = TARGET; buildSystem = BUILD_SYSTEM; };
  pkgs = d.pkgs;
  lib = pkgs.lib;
  outs = v: if lib.isDerivation v then v.outputs or [ "out" ] else null;
  parentOf = p: builtins.genList (builtins.elemAt p) (builtins.length p - 1);
  has = p: builtins.tryEval (lib.hasAttrByPath p pkgs);
  deepest = p: if p == [ ] || (has p).value or false then p else deepest (parentOf p);
  namesAt =
    p:
    let
      v = builtins.tryEval (lib.attrByPath p null pkgs);
    in
    if v.success && builtins.isAttrs v.value then
      (if lib.isDerivation v.value then v.value.outputs or [ "out" ] ++ builtins.attrNames v.value
       else builtins.attrNames v.value)
    else [ ];
  facts =
    p:
    let
      found = has p;
      exists = found.success && found.value;
      deep = deepest p;
      value = builtins.tryEval (outs (lib.attrByPath p null pkgs));
      parent = builtins.tryEval (outs (lib.attrByPath (parentOf p) null pkgs));
    in
    {
      found = if found.success then found.value else null;
      near = if exists then [ ] else map (n: builtins.concatStringsSep "." (deep ++ [ n ])) (namesAt deep);
      outputs = if exists && value.success then value.value else null;
      parentOutputs = if parent.success then parent.value else null;
    };
in
map facts QUERIES
"""


@dataclass(frozen=True)
class Facts:
    found: bool | None  # None: the path does not evaluate for this target
    near: tuple[str, ...]  # attribute paths beside the deepest part that exists
    outputs: tuple[str, ...] | None  # the value's outputs, when it is a derivation
    parent_outputs: tuple[str, ...] | None  # its parent's outputs, when that is a derivation


def _facts(raw: dict[str, Any]) -> Facts:
    def strings(v: Any) -> tuple[str, ...] | None:
        return None if v is None else tuple(v)

    return Facts(found=raw["found"], near=tuple(raw["near"]), outputs=strings(raw["outputs"]),
                 parent_outputs=strings(raw["parentOutputs"]))


def query(project: Project, nix: Nix, plan: plan_mod.Plan, paths: list[str]) -> list[Facts]:
    """Facts about each dotted attribute path in the target's package set (one evaluation)."""
    generated = project.root / render.GENERATED_DIR
    expr = (_CHECK.replace("GENERATED", nixexpr.absolute_path(str(generated)))
            .replace("BUILD_SYSTEM", nixexpr.string(plan.build_system))
            .replace("TARGET", nixexpr.string(plan.target))
            .replace("QUERIES", nixexpr.value([p.split(".") for p in paths])))
    return [_facts(raw) for raw in nix.eval_expr_json(expr)]


def check(project: Project, nix: Nix, plan: plan_mod.Plan) -> None:
    """Refuse (ConfigError, exit 2) an input, extra output or forbid entry the package set lacks."""
    pkg, img = project.package, project.image
    asked: list[tuple[tuple[str, str], str]] = [(("package", "inputs"), i) for i in pkg.inputs]
    asked += [(("image", "extra"), e) for e in img.extra]
    asked += [(("image", "forbid"), f) for f in img.forbid
              if not f.startswith("@") and f not in config.DEFAULT_FORBID]
    if not asked:
        return
    for (key, entry), facts in zip(asked, query(project, nix, plan, [e for _, e in asked]), strict=True):
        if key == ("image", "extra"):
            _check_extra(project, entry, facts)
        elif facts.found is False:
            _missing(project, key, entry, facts)


def _missing(project: Project, key: tuple[str, str], entry: str, facts: Facts) -> None:
    what = {"inputs": "an input", "forbid": "a closure-policy entry (it would forbid nothing)"}[key[1]]
    example = {"inputs": 'e.g. inputs = ["openssl", "zlib"]', "forbid": 'e.g. forbid = ["bash", "@dev"]'}[key[1]]
    raise project.key_error(key, f"{entry!r} is not in the package set, so it cannot be {what}",
                            hint=config.did_you_mean(entry, facts.near, f"name a package-set attribute, {example}"))


def _check_extra(project: Project, entry: str, facts: Facts) -> None:
    """[image] extra must name outputs ("openssl.out"), not packages ("openssl")."""
    key = ("image", "extra")
    leaf = entry.split(".")[-1]
    if facts.parent_outputs is not None and leaf in facts.parent_outputs:
        return
    if facts.outputs is not None:
        choices = ", ".join(f"{entry}.{o}" for o in facts.outputs if o != "dev")
        raise project.key_error(key, f"{entry!r} is a package, not an output",
                                hint=f"name the outputs the image needs: {choices}")
    if facts.parent_outputs is not None:
        parent = entry.rsplit(".", 1)[0]
        raise project.key_error(key, f"{parent} has no output {leaf!r}",
                                hint="its outputs: " + ", ".join(facts.parent_outputs))
    raise project.key_error(key, f"{entry!r} is not in the package set",
                            hint=config.did_you_mean(entry, facts.near,
                                                     'use a package-set attribute path with an output, e.g. "openssl.out"'))
