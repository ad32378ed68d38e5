#!/usr/bin/env python3
"""Regenerate tests/data/nixpkgs-interface.json from a nixpkgs checkout.

    scripts/nixpkgs-interface.py CHECKOUT --revision NAME [--read REF] [--data FILE] [--check]

Every entry of the data file names the file it is read from (``source``,
relative to the checkout) and how to reach the value in it: ``select``, an
attribute path in what the file gives when called (absent: the file's own
function); ``call``, arguments for a function whose result is read; ``with``,
what all-packages.nix passes to the file. This script evaluates each entry of
revision NAME with Nix against CHECKOUT and writes the facts back:

- ``functions``: ``lib.functionArgs`` (argument → has a default);
- ``results``: the ``passthru`` attribute names of the function's result;
- ``outputs``: the package's ``outputs`` per platform.

Package files are called with stub arguments: the checkout's own ``lib``, a
``stdenv`` whose ``mkDerivation`` returns its attributes (with nixpkgs' rule
that ``separateDebugInfo`` adds a ``debug`` output on Linux) for the platform
asked (``lib.systems.elaborate``), ``runCommand`` returning its environment,
and, for every other argument without a default, a value that throws when
used. Nothing is built; this works with Nix 2.8. ``--check`` only compares
and exits 1 when a recorded fact differs. See tests/data/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nixbuild import nixexpr  # noqa: E402
from nixbuild.errors import NixbuildError  # noqa: E402
from nixbuild.nix import Nix  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "nixpkgs-interface.json"

# nixbuild target → lib.systems.elaborate argument (pkgsStatic: musl + isStatic).
PLATFORMS = {
    "x86_64-linux": {"config": "x86_64-unknown-linux-gnu"},
    "x86_64-linux-static": {"config": "x86_64-unknown-linux-musl", "isStatic": True},
    "aarch64-linux": {"config": "aarch64-unknown-linux-gnu"},
}

PRELUDE = """
checkout: platformArgs: source: select: callArgs: withArgs:
let
  lib = import (checkout + "/lib");
  build = lib.systems.elaborate { config = "x86_64-unknown-linux-gnu"; };
  host = lib.systems.elaborate platformArgs;
  stubStdenv = {
    hostPlatform = host;
    buildPlatform = build;
    targetPlatform = host;
    inherit (host) isLinux isDarwin system;
    hasCC = true;
    cc = { isGNU = true; isClang = false; targetPrefix = ""; };
    shell = "/bin/sh";
    mkDerivation =
      fpargs:
      let
        attrs = if builtins.isFunction fpargs then lib.fix (self: fpargs (self // { finalPackage = attrs; })) else fpargs;
      in
      attrs
      // {
        outputs =
          (attrs.outputs or [ "out" ])
          ++ lib.optional ((attrs.separateDebugInfo or false) && host.isLinux) "debug";
      };
  };
  stubs = {
    inherit lib;
    stdenv = stubStdenv;
    stdenvNoCC = stubStdenv // { hasCC = false; cc = null; };
    runCommand = name: env: buildCommand: env // { inherit name; };
  };
  file = import (checkout + "/${source}");
  formals = lib.functionArgs file;
  args = builtins.mapAttrs (
    name: hasDefault: stubs.${name} or (throw "nixpkgs-interface: stub ${name} was used")
  ) (lib.filterAttrs (name: hasDefault: !hasDefault || stubs ? ${name}) formals) // withArgs;
  called = if builtins.isFunction file && formals != { } then file args else file;
  # select: an attribute path in what the file gives; null: what it gives itself.
  value =
    if select == null then called
    else lib.attrByPath select (throw "nixpkgs-interface: ${source} has no ${toString select}") called;
  result = if callArgs == null then value else value callArgs;
in
"""

EXPRESSIONS = {
    # Without select: the file's own function (a callPackage'd file's arguments).
    "functions": PRELUDE + "lib.functionArgs (if select == null then file else value)",
    "results": PRELUDE + "builtins.attrNames (result.passthru or { })",
    "outputs": PRELUDE + "result.outputs",
}


def evaluate(nix: Nix, kind: str, checkout: Path, entry: dict[str, Any], platform: str = "x86_64-linux") -> Any:
    expr = "(" + EXPRESSIONS[kind] + ") " + " ".join([
        nixexpr.absolute_path(str(checkout)),
        nixexpr.value(PLATFORMS[platform]),
        nixexpr.string(entry["source"]),
        nixexpr.value(entry["select"]) if "select" in entry else "null",
        nixexpr.value(entry["call"]) if "call" in entry else "null",
        nixexpr.value(entry.get("with", {})),
    ])
    return nix.eval_expr_json(expr)


def regenerate(data: dict[str, Any], checkout: Path, revision: str, nix: Nix) -> list[str]:
    """Re-read every entry of ``revision``; returns what changed, one line each."""
    changes: list[str] = []

    def update(where: str, entry: dict[str, Any], key: str, value: Any) -> None:
        if entry.get(key) != value:
            changes.append(f"{where}: {key}: {json.dumps(entry.get(key))} -> {json.dumps(value)}")
            entry[key] = value

    for name, entry in data["functions"].items():
        if entry.get("revision") == revision:
            args = evaluate(nix, "functions", checkout, entry)
            update(f"functions.{name}", entry, "args", dict(sorted(args.items())))
    for name, entry in data["results"].items():
        if entry.get("revision") == revision:
            update(f"results.{name}", entry, "passthru", sorted(evaluate(nix, "results", checkout, entry)))
    for name, entry in data["outputs"].items():
        if entry.get("revision") == revision:
            per = {p: evaluate(nix, "outputs", checkout, entry, p) for p in entry["platforms"]}
            update(f"outputs.{name}", entry, "platforms", per)
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="a nixpkgs checkout (the tree of the revision)")
    parser.add_argument("--revision", required=True, help='the revision key in the data file, e.g. "nixos-26.05"')
    parser.add_argument("--read", help="where the checkout came from (recorded as the revision's `read`)")
    parser.add_argument("--data", type=Path, default=DATA, help="the data file (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when a fact differs")
    args = parser.parse_args(argv)
    if not (args.checkout / "lib" / "default.nix").is_file():
        print(f"nixpkgs-interface: error: {args.checkout} is not a nixpkgs checkout (no lib/default.nix)",
              file=sys.stderr)
        return 2
    data = json.loads(args.data.read_text())
    if args.revision not in data["revisions"]:
        print(f"nixpkgs-interface: error: no revision {args.revision!r} in {args.data} "
              f"(hint: add it under \"revisions\" first)", file=sys.stderr)
        return 2
    try:
        changes = regenerate(data, args.checkout.resolve(), args.revision, Nix())
    except NixbuildError as exc:
        print(f"nixpkgs-interface: error: {exc.message}" + (f" (hint: {exc.hint})" if exc.hint else ""),
              file=sys.stderr)
        return 1
    for line in changes:
        print(line)
    if args.check:
        return 1 if changes else 0
    if args.read:
        data["revisions"][args.revision]["read"] = args.read
    args.data.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
