"""Overlays against hostpkgs: applied to the image, stale and broken ones
found by `nixbuild overlay check`, ordering, list/why/new/prune, and
nixbuild's own overlay (cross-shared-cacert)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_example, nixbuild, run
from tests.e2e.test_errors import assert_one_error_line

pytestmark = pytest.mark.nix

# Changes a build variable of cacert (which the image holds through dockerTools.caCertificates).
EXTRA_CERT = """final: prev: {
  cacert = prev.cacert.overrideAttrs (old: {
    extraCertificateStrings = "# an extra line in the bundle";
  });
}
"""
STALE = "final: prev: { zlib = prev.zlib.overrideAttrs (old: { doCheck = false; }); }\n"


def project(tmp_path: Path, files: dict[str, str], platforms: str = '"x86_64-linux", "aarch64-linux"') -> Path:
    root = copy_example("hello-c", tmp_path)
    toml = root / "nixbuild.toml"
    text = toml.read_text().replace('source = "hostpkgs"', 'source = "hostpkgs"\noverlays = ["overlays/*.nix"]')
    text = "\n".join(f"platforms = [{platforms}]" if line.startswith("platforms = ") else line
                     for line in text.splitlines()) + "\n"
    toml.write_text(text)
    (root / "overlays").mkdir()
    for name, content in files.items():
        (root / "overlays" / name).write_text(content)
    return root


def by_name(report: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {o["name"]: o for o in report["overlays"]}


@pytest.mark.e2e
def test_an_overlay_changes_the_image_and_why_finds_it_in_the_closure(tmp_path: Path) -> None:
    root = project(tmp_path, {}, platforms='"x86_64-linux"')
    plain = nixbuild("image", "--json", "-C", str(root))
    assert plain.returncode == 0, plain.stderr
    (root / "overlays" / "extra-cert.nix").write_text(EXTRA_CERT)
    patched = nixbuild("image", "--json", "-C", str(root))
    assert patched.returncode == 0, patched.stderr
    assert plain.json()["config_digest"] != patched.json()["config_digest"]
    bundle = run(["nix-build", str(root / ".nixbuild"), "-A", "pkgs.cacert", "--no-out-link"]).stdout.strip()
    assert "# an extra line in the bundle" in (Path(bundle) / "etc/ssl/certs/ca-bundle.crt").read_text()
    check = nixbuild("overlay", "check", "--json", "-C", str(root))
    assert check.returncode == 0, check.stderr
    assert by_name(check.json())["overlays/extra-cert.nix"]["status"] == "active"
    why = nixbuild("overlay", "why", "cacert", "--json", "-C", str(root))
    assert why.returncode == 0, why.stderr
    (row,) = why.json()["targets"]
    assert row["overlays"] == ["overlays/extra-cert.nix"] and row["in_image"] is True
    assert bundle in row["outputs"]
    zlib = nixbuild("overlay", "why", "zlib", "--json", "-C", str(root)).json()["targets"][0]
    assert zlib["overlays"] == [] and zlib["in_image"] is False


def test_stale_and_broken_overlays_are_reported(tmp_path: Path) -> None:
    broken = "# broken on purpose\nfinal: prev: {\n  cacert = prev.cacert.override { blacklist = notDefined; };\n}\n"
    root = project(tmp_path, {"a-stale.nix": STALE, "b-extra.nix": EXTRA_CERT, "c-broken.nix": broken})
    result = nixbuild("overlay", "check", "--json", "-C", str(root))
    assert result.returncode == 1
    line = assert_one_error_line(result.stderr)
    assert "overlays/c-broken.nix:3:" in line and "undefined variable 'notDefined'" in line
    report = by_name(result.json())
    assert report["overlays/a-stale.nix"]["status"] == "stale"
    assert report["overlays/a-stale.nix"]["attrs"] == ["zlib"]
    assert report["overlays/b-extra.nix"]["status"] == "active"
    assert report["overlays/c-broken.nix"]["broken"]["line"] == 3
    # A throw when the attribute is evaluated is broken too, with Nix's message.
    (root / "overlays" / "c-broken.nix").write_text('final: prev: {\n  cacert = throw "cacert is gone";\n}\n')
    result = nixbuild("overlay", "check", "--json", "-C", str(root))
    assert result.returncode == 1 and "cacert is gone" in assert_one_error_line(result.stderr)
    (root / "overlays" / "c-broken.nix").unlink()
    # prune: needs --yes without a terminal; removes only the stale one.
    refused = nixbuild("overlay", "prune", "-C", str(root))
    assert refused.returncode == 2 and "--yes" in assert_one_error_line(refused.stderr)
    pruned = nixbuild("overlay", "prune", "--yes", "--json", "-C", str(root))
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.json()["removed"] == ["overlays/a-stale.nix"]
    assert sorted(p.name for p in (root / "overlays").iterdir()) == ["b-extra.nix"]


def test_overlays_apply_in_sorted_order_after_nixbuilds_own(tmp_path: Path) -> None:
    def tagger(tag: str) -> str:
        return ("final: prev: { cacert = prev.cacert.overrideAttrs (old: { order = (old.order or \"\") + "
                f'"{tag}"; }}); }}\n')

    root = project(tmp_path, {"20-b.nix": tagger("b"), "10-a.nix": tagger("a")})
    assert nixbuild("generate", "-C", str(root)).returncode == 0

    def order(target: str) -> str:
        return run(["nix-instantiate", "--eval", str(root / ".nixbuild"), "-A", "pkgs.cacert.order",
                    "--argstr", "target", target]).stdout.strip()

    assert order("x86_64-linux") == '"ab"'
    # nixpkgs applies `overlays` to every stage: on aarch64, nixbuild's cross-shared-cacert (first)
    # takes buildPackages.cacert, which a and b already tagged, and a and b then apply again.
    assert order("aarch64-linux") == '"abab"'
    (root / "overlays" / "20-b.nix").rename(root / "overlays" / "00-b.nix")
    assert nixbuild("generate", "-C", str(root)).returncode == 0
    assert order("x86_64-linux") == '"ba"'
    listing = nixbuild("overlay", "list", "--json", "-C", str(root))
    assert listing.returncode == 0, listing.stderr
    names = [o["name"] for o in listing.json()["overlays"]]
    assert names == ["nixbuild/cross-shared-cacert.nix", "overlays/00-b.nix", "overlays/10-a.nix"]


def test_nixbuilds_cross_shared_cacert_overlay(tmp_path: Path) -> None:
    root = project(tmp_path, {}, platforms='"x86_64-linux", "aarch64-linux", "x86_64-linux-static"')
    assert nixbuild("generate", "-C", str(root)).returncode == 0

    def cacert(target: str, *extra: str) -> str:
        return run(["nix-instantiate", "--eval", str(root / ".nixbuild"), "-A", "pkgs.cacert.drvPath",
                    "--argstr", "target", target, *extra]).stdout.strip()

    native = cacert("x86_64-linux")
    assert cacert("aarch64-linux") == native == cacert("x86_64-linux-static")
    listing = nixbuild("overlay", "list", "--json", "-C", str(root)).json()
    own = by_name(listing)["nixbuild/cross-shared-cacert.nix"]
    assert own["attrs"] == ["cacert"] and own["targets"] == ["aarch64-linux", "x86_64-linux-static"]
    check = by_name(nixbuild("overlay", "check", "--json", "-C", str(root)).json())
    assert check["nixbuild/cross-shared-cacert.nix"]["status"] == "active"
    # Switched off: each cross/static set builds its own cacert again.
    toml = root / "nixbuild.toml"
    toml.write_text(toml.read_text().replace("[nixpkgs]", "[nixpkgs]\nnixbuild-overlays = false"))
    assert nixbuild("generate", "-C", str(root)).returncode == 0
    assert cacert("aarch64-linux") != native and cacert("x86_64-linux") == native
    assert not (root / ".nixbuild" / "overlays").exists()


def test_overlay_new_scaffolds_an_overlay_and_its_test(tmp_path: Path) -> None:
    root = project(tmp_path, {}, platforms='"x86_64-linux"')
    made = nixbuild("overlay", "new", "extra-cert", "--attr", "cacert", "--json", "-C", str(root))
    assert made.returncode == 0, made.stderr
    overlay, test = Path(made.json()["overlay"]), Path(made.json()["test"])
    assert made.json()["applied"] is True
    header = overlay.read_text()
    assert "# What it fixes:" in header and "# Targets:" in header and "# Upstream:" in header
    assert test == root / "overlays" / "tests" / "extra-cert.nix"
    # The untouched scaffold changes nothing: stale, and its test stub fails (exit 1).
    first = nixbuild("overlay", "check", "--json", "-C", str(root))
    assert first.returncode == 1
    entry = by_name(first.json())["overlays/extra-cert.nix"]
    assert entry["status"] == "stale" and entry["test"].startswith("failed")
    overlay.write_text(EXTRA_CERT)
    second = nixbuild("overlay", "check", "--json", "-C", str(root))
    assert second.returncode == 0, second.stderr
    entry = by_name(second.json())["overlays/extra-cert.nix"]
    assert entry["status"] == "active" and entry["test"] == "passed"
    again = nixbuild("overlay", "new", "extra-cert", "--attr", "cacert", "-C", str(root))
    assert again.returncode == 2 and "already exists" in assert_one_error_line(again.stderr)
