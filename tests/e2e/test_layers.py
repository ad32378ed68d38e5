"""Layers: after an app-only source change, only the app's own layers and the
customisation layer change; every other layer keeps its digest and its
position (paths of equal popularity are ordered by name without the hash, as
nixpkgs' referencesByPopularity does), and the share of image bytes reused is
printed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import copy_example, nixbuild
from tests.e2e.tools import skopeo_inspect

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


def app_layer_index(report: dict, package_prefix: str) -> int:  # type: ignore[type-arg]
    """Index of the lowest layer holding one of the package's own store paths."""
    for i, layer in enumerate(report["layers"]):
        if any(p.split("-", 1)[1].startswith(package_prefix) for p in layer["store_paths"]):
            return i
    raise AssertionError(f"no layer holds {package_prefix}: {report['layers']}")


@pytest.mark.parametrize("example, source, package", [("hello-c", "hello.c", "hello-1.0.0-"),
                                                       ("hello-tls", "hello-tls.c", "hello-tls-1.0.0-")])
def test_app_only_change_keeps_every_lower_layer(tmp_path: Path, example: str, source: str, package: str) -> None:
    v1 = copy_example(example, tmp_path / "v1")
    v2 = tmp_path / "v2"
    shutil.copytree(v1, v2)
    (v2 / source).write_text((v2 / source).read_text().replace("Hello from nixbuild!", "Hello, version two!"))
    r1, r2 = nixbuild("image", "--json", "-C", str(v1)), nixbuild("image", "--json", "-C", str(v2))
    assert r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr
    a, b = r1.json(), r2.json()
    old = skopeo_inspect(Path(a["image"]))["Layers"]
    new = skopeo_inspect(Path(b["image"]))["Layers"]
    assert old != new
    # The app's layer stays at the same index, and every layer below it is the
    # same digest in the same order.
    below = app_layer_index(a, package)
    assert below == app_layer_index(b, package) >= 1
    assert new[:below] == old[:below]
    # Everywhere: only the app's layers and the customisation layer (its
    # symlinks name the app's store path) are new; every other blob is reused.
    fresh = [i for i, digest in enumerate(new) if digest not in old]
    app_layers = {i for i, layer in enumerate(b["layers"])
                  if any(p.split("-", 1)[1].startswith(package) for p in layer["store_paths"])}
    assert set(fresh) == app_layers | {len(new) - 1}, (fresh, app_layers)
    # Every other layer is also at the same position (same chain of layers).
    assert all(new[i] == old[i] for i in range(len(new)) if i not in app_layers and i != len(new) - 1)
    sizes = {layer["digest"]: layer["size"] for layer in b["layers"]}
    reused = sum(sizes[d] for d in new if d in old)
    total = sum(sizes.values())
    share = reused / total
    print(f"\n{example}: {reused} of {total} layer bytes reused after an app-only change = {share:.1%}")
    diff = nixbuild("diff", a["image"], b["image"], "--json")
    assert diff.returncode == 0, diff.stderr
    assert diff.json()["reused_bytes"] == reused
