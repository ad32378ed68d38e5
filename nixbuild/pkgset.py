"""What the package set has: the config's package-set attribute paths
(``package.inputs``, ``image.extra``, ``image.forbid``) checked before anything
is built.

The check is part of every evaluation: the generated default.nix wraps
``package`` and ``image`` in nix/lib/pkgset.nix's ``check``, so a wrong entry
fails the evaluation of the build itself, at no cost of its own (a separate
evaluation was a fifth of a no-op rebuild). ``explained`` turns such a failure
into the error naming the entry, from the ``facts`` of one more evaluation. A
build that runs a command first (shell mode) still checks up front, so that a
wrong entry is refused before the command runs.

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
from nixbuild.errors import ConfigError, NixbuildError
from nixbuild.nix import Nix

# The facts of each attribute path (nix/lib/pkgset.nix, in the generated directory).
_CHECK = """
let
  d = import GENERATED { target = TARGET; buildSystem = BUILD_SYSTEM; };
  facts = (import (GENERATED + "/lib/pkgset.nix") { inherit (d) pkgs; }).facts;
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


def asked(project: Project) -> list[tuple[tuple[str, str], str]]:
    """The entries checked, each with its key: every input and extra output, and the forbid
    entries that are neither groups (``@dev``) nor nixbuild's defaults."""
    pkg, img = project.package, project.image
    entries: list[tuple[tuple[str, str], str]] = [(("package", "inputs"), i) for i in pkg.inputs]
    entries += [(("image", "extra"), e) for e in img.extra]
    entries += [(("image", "forbid"), f) for f in img.forbid
                if not f.startswith("@") and f not in config.DEFAULT_FORBID]
    return entries


def asked_paths(project: Project) -> dict[str, list[list[str]]]:
    """``asked`` as nix/lib/pkgset.nix's ``check`` takes it (the generated default.nix)."""
    paths: dict[str, list[list[str]]] = {"inputs": [], "extra": [], "forbid": []}
    for (_, key), entry in asked(project):
        paths[key].append(entry.split("."))
    return paths


def check(project: Project, nix: Nix, plan: plan_mod.Plan) -> None:
    """Refuse (ConfigError, exit 2) an input, extra output or forbid entry the package set lacks."""
    asked_entries = asked(project)
    if not asked_entries:
        return
    for (key, entry), facts in zip(asked_entries, query(project, nix, plan, [e for _, e in asked_entries]),
                                   strict=True):
        if key == ("image", "extra"):
            _check_extra(project, entry, facts)
        elif facts.found is False:
            _missing(project, key, entry, facts)


def explained(project: Project, nix: Nix, plan: plan_mod.Plan, exc: NixbuildError) -> NixbuildError:
    """The config error behind ``exc`` (a failed evaluation or build) when an entry is wrong; else ``exc``."""
    if isinstance(exc, ConfigError) or not asked(project):
        return exc
    try:
        check(project, nix, plan)
    except ConfigError as error:
        return error
    except NixbuildError:
        pass
    return exc


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
