"""Build-time step of streamLayeredImage: work out the image's store paths
and their layers, and write the JSON the stream script reads.

Environment (set by the derivation): graphNames (exportReferencesGraph file
names), excludePaths, maxLayers, includeStorePaths, baseJson,
customisationLayer, imageName, imageTag, created, mtime, uid, gid, uname,
gname, out.
"""

from __future__ import annotations

import json
import os
import sys


def read_graph(filename: str) -> dict[str, list[str]]:
    """Parse a (non-structured) exportReferencesGraph file."""
    refs: dict[str, list[str]] = {}
    with open(filename) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines) and lines[i]:
        path, count = lines[i], int(lines[i + 2])
        refs[path] = lines[i + 3 : i + 3 + count]
        i += 3 + count
    return refs


def closure_of(path: str, refs: dict[str, list[str]], memo: dict[str, frozenset[str]]) -> frozenset[str]:
    if path not in memo:
        memo[path] = frozenset()  # guards against self-references
        acc = {path}
        for r in refs.get(path, []):
            if r != path:
                acc |= closure_of(r, refs, memo)
        memo[path] = frozenset(acc)
    return memo[path]


def by_popularity(paths: set[str], refs: dict[str, list[str]]) -> list[str]:
    """Most depended-upon first: a path's popularity is how many image paths
    have it in their closure. Ties are broken by the name without the hash
    (as nixpkgs' referencesByPopularity does), then by the full path, so an
    app-only change keeps every other path at the same layer index."""
    memo: dict[str, frozenset[str]] = {}
    popularity = {p: 0 for p in paths}
    for p in paths:
        for q in closure_of(p, refs, memo):
            if q in popularity:
                popularity[q] += 1
    return sorted(paths, key=lambda p: (-popularity[p], p.rsplit("/", 1)[-1].split("-", 1)[-1], p))


def group_layers(paths: list[str], max_layers: int) -> list[list[str]]:
    """One layer per path; from the (maxLayers-1)th path on, one merged layer
    (the customisation layer is the last of maxLayers)."""
    available = max_layers - 1
    singles = [[p] for p in paths[: available - 1]]
    rest = paths[available - 1 :]
    return singles + ([rest] if rest else [])


def main() -> None:
    env = os.environ
    refs: dict[str, list[str]] = {}
    for name in env["graphNames"].split():
        refs.update(read_graph(name))
    exclude = set(env.get("excludePaths", "").split())
    image_paths = set(refs) - exclude if env.get("includeStorePaths") else set()
    max_layers = int(env["maxLayers"])
    if max_layers < 2:
        sys.exit(f"maxLayers must be at least 2, got {max_layers}")
    layers = group_layers(by_popularity(image_paths, refs), max_layers)

    with open(env["baseJson"]) as f:
        base = json.load(f)
    tag = env.get("imageTag") or os.path.basename(env["out"]).split("-", 1)[0]
    conf = {
        "architecture": base["architecture"],
        "config": base["config"],
        "os": base["os"],
        "created": env["created"],
        "mtime": env["mtime"],
        "uid": int(env["uid"]),
        "gid": int(env["gid"]),
        "uname": env["uname"],
        "gname": env["gname"],
        "repo_tag": f"{env['imageName']}:{tag}",
        "store_layers": layers,
        "customisation_layer": env["customisationLayer"],
        "from_image": None,  # nixpkgs: the base image archive (fromImage), null without one
        "store_dir": os.path.dirname(env["customisationLayer"]),
    }
    with open(env["out"], "w") as f:
        json.dump(conf, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
