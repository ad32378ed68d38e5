"""Facts of nixpkgs' lib, recorded from the real lib and compared with hostpkgs.

tests/data/nixpkgs-lib-cases.nix is the table of inputs (every lib function
hostpkgs offers, every lib.systems field hostpkgs implements, over every
target nixbuild offers plus edge cases). ``evaluate`` runs it with a given lib
and returns the outcome of every case. ``python -m tests.libfacts`` (through
scripts/record-nixpkgs-lib-facts.sh, with ``NIXPKGS_LIB`` a checkout of
nix-community/nixpkgs.lib) records the real lib's outcomes in
tests/data/nixpkgs-lib-facts.json; tests/nix/test_hostpkgs_lib_facts.py
requires hostpkgs' outcomes to be the same. Only values are recorded, never
nixpkgs' code.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nixbuild import nixexpr, platforms

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "data" / "nixpkgs-lib-cases.nix"
FACTS = REPO / "tests" / "data" / "nixpkgs-lib-facts.json"
MIRROR = "https://github.com/nix-community/nixpkgs.lib"

EvalJson = Callable[[str], Any]
_LEAF_KEYS = ({"value"}, {"throws"}, {"missing"})


def targets() -> dict[str, dict[str, Any]]:
    """nixbuild's targets as the cases file takes them."""
    return {name: {"system": p.system, "config": p.cross_config, "static": p.static}
            for name, p in platforms.TARGETS.items()}


def cases_sha256() -> str:
    return hashlib.sha256(CASES.read_bytes()).hexdigest()


def _call(lib_expr: str, path: list[str], platform_for: str | None) -> str:
    args = [
        f"lib = {lib_expr};",
        f"targets = builtins.fromJSON {nixexpr.string(json.dumps(targets(), sort_keys=True))};",
        "only = [ " + " ".join(nixexpr.string(p) for p in path) + " ];",
    ]
    if platform_for:
        args.append(f"platformFor = {platform_for};")
    return f"import {nixexpr.absolute_path(str(CASES))} {{ {' '.join(args)} }}"


def evaluate(eval_json: EvalJson, lib_expr: str, platform_for: str | None = None) -> dict[str, Any]:
    """Every case's outcome with the lib ``lib_expr`` (a Nix expression).

    Each section of the table is evaluated at once; where that fails (a case
    that aborts the evaluation), each part again on its own, down to the
    case, which is then ``{"error": True}``."""

    def walk(path: list[str]) -> Any:
        try:
            return eval_json(_call(lib_expr, path, platform_for))
        except Exception:
            pass
        try:
            names = eval_json(f"builtins.attrNames ({_call(lib_expr, path, platform_for)})")
        except Exception:
            return {"error": True}
        if set(names) in _LEAF_KEYS:
            return {"error": True}
        return {name: walk([*path, name]) for name in names}

    sections = eval_json(f"builtins.attrNames ({_call(lib_expr, [], platform_for)})")
    return {section: walk([section]) for section in sections}


def flatten(table: dict[str, Any], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Outcomes by their path in the table (the leaves are outcome objects)."""
    out: dict[tuple[str, ...], Any] = {}
    for name, value in table.items():
        if isinstance(value, dict) and set(value) not in (*_LEAF_KEYS, {"error"}):
            out.update(flatten(value, (*prefix, name)))
        else:
            out[(*prefix, name)] = value
    return out


def dumps(data: Any, indent: str = "") -> str:
    """JSON with one line per outcome (so a re-recording's diff names the case)."""
    if isinstance(data, dict) and data and set(data) not in (*_LEAF_KEYS, {"error"}):
        inner = indent + " "
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {dumps(v, inner)}" for k, v in sorted(data.items())]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def _git(directory: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(directory), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def record(lib_dir: Path, eval_json: EvalJson, nix_version: str) -> dict[str, Any]:
    """The facts file's content for the nixpkgs.lib checkout ``lib_dir``."""
    if not (lib_dir / "lib" / "default.nix").is_file():
        raise SystemExit(f"record-nixpkgs-lib-facts: {lib_dir} is not a checkout of {MIRROR} (no lib/default.nix)")
    try:
        commit = _git(lib_dir, "rev-parse", "HEAD")
        dirty = _git(lib_dir, "status", "--porcelain")
    except (subprocess.CalledProcessError, FileNotFoundError):
        raise SystemExit(f"record-nixpkgs-lib-facts: {lib_dir} is not a git checkout (the facts name its commit); "
                         f"clone the mirror: git clone {MIRROR} DIR") from None
    if dirty:
        raise SystemExit(f"record-nixpkgs-lib-facts: {lib_dir} has local changes; facts are recorded from a commit")
    date = _git(lib_dir, "log", "-1", "--format=%cI")
    facts = evaluate(eval_json, f"import {nixexpr.absolute_path(str(lib_dir / 'lib'))}")
    return {
        "version": 1,
        "source": {"repository": MIRROR, "commit": commit, "date": date,
                   "note": "outcomes of tests/data/nixpkgs-lib-cases.nix with the real lib; values only"},
        "nix": nix_version,
        "cases_sha256": cases_sha256(),
        "facts": facts,
    }


def main() -> int:
    from nixbuild.nix import Nix

    lib_dir = os.environ.get("NIXPKGS_LIB")
    if not lib_dir:
        print("usage: NIXPKGS_LIB=DIR scripts/record-nixpkgs-lib-facts.sh  (DIR: a git checkout of "
              f"{MIRROR})", file=sys.stderr)
        return 2
    nix = Nix()
    data = record(Path(lib_dir).resolve(), nix.eval_expr_json, nix.check_installed())
    FACTS.write_text(dumps(data) + "\n")
    flat = flatten(data["facts"])
    errors = [".".join(k) for k, v in flat.items() if v == {"error": True}]
    print(f"wrote {FACTS.relative_to(REPO)}: {len(flat)} outcomes from {data['source']['commit']}"
          + (f"; {len(errors)} abort the evaluation: {', '.join(errors)}" if errors else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
