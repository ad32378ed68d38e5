"""The supported nixpkgs window, end to end: a project whose pinned nixpkgs is
outside it, or needs a newer Nix than this one, or lacks an argument nixbuild
passes, gets one line naming the window (never Nix's output) before anything
is built; `nixbuild doctor -C` says what to upgrade. The nixpkgs here is a copy
of nix/hostpkgs with the files real nixpkgs has for this: lib/.version,
lib/minver.nix (up to 25.05), lib/minfeatures.nix (25.11 on)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nixbuild import window
from tests.conftest import REPO, copy_example, nixbuild, run
from tests.e2e.test_errors import assert_one_error_line

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

# lib/minfeatures.nix as nixpkgs 25.11 and later have it (its conditions and
# result names; the descriptions are the ones nixpkgs prints).
MINFEATURES = """
let
  features = [
    { description = "the `nixVersion` builtin"; condition = builtins ? nixVersion; }
    {
      description = "`builtins.nixVersion` reports at least 2.18";
      condition = builtins ? nixVersion && builtins.compareVersions "2.18" builtins.nixVersion != 1;
    }
  ];
  evaluated = builtins.partition ({ condition, ... }: condition) features;
in
{
  all = features;
  supported = evaluated.right;
  missing = evaluated.wrong;
}
"""


def nix_version() -> str:
    return run(["nix-instantiate", "--eval", "--expr", "builtins.nixVersion"]).stdout.strip().strip('"')


def project_with(tmp_path: Path, release: str, *, minver: str | None = None, minfeatures: bool = False) -> Path:
    nixpkgs = tmp_path / "nixpkgs"
    shutil.copytree(REPO / "nix" / "hostpkgs", nixpkgs, ignore=shutil.ignore_patterns("__pycache__"))
    (nixpkgs / "lib").mkdir(exist_ok=True)
    (nixpkgs / "lib" / ".version").write_text(release + "\n")
    (nixpkgs / "lib" / "minver.nix").unlink(missing_ok=True)
    if minver is not None:
        (nixpkgs / "lib" / "minver.nix").write_text(f'"{minver}"\n')
    if minfeatures:
        (nixpkgs / "lib" / "minfeatures.nix").write_text(MINFEATURES)
    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('source = "hostpkgs"', 'source = "path:../nixpkgs"'))
    return project


def test_an_older_nixpkgs_is_refused_in_one_line_before_any_build(tmp_path: Path) -> None:
    project = project_with(tmp_path, "23.11", minver="2.3.17")
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 2, result.stderr
    error = assert_one_error_line(result.stderr)
    assert result.stderr.strip() == error  # nothing of Nix's output
    w = window.window()
    assert error == (
        f"nixbuild: error: unsupported nixpkgs: nixpkgs 23.11 is older than nixbuild supports; nixbuild supports "
        f"nixpkgs {w.oldest} … {w.newest} (hint: pin a newer one, e.g. nixbuild lock --url "
        f"https://github.com/NixOS/nixpkgs/archive/nixos-{w.newest}.tar.gz)"
    )
    assert not [p for p in (project / "nixbuild-result").rglob("*") if not p.is_dir()]
    # The generated code says the same without nixbuild.
    by_hand = run(["nix-build", str(project / ".nixbuild"), "-A", "image", "--no-out-link"], check=False)
    assert by_hand.returncode != 0 and "nixbuild: unsupported nixpkgs: nixpkgs 23.11 is older" in by_hand.stderr


def test_a_nixpkgs_that_needs_a_newer_nix_says_what_to_upgrade(tmp_path: Path) -> None:
    older = run(["nix-instantiate", "--eval", "--expr", 'builtins.compareVersions builtins.nixVersion "2.18"'])
    if older.stdout.strip() != "-1":
        pytest.skip("this Nix evaluates nixpkgs 26.05")
    project = project_with(tmp_path, "26.05", minfeatures=True)
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 3, result.stderr
    error = assert_one_error_line(result.stderr)
    assert error.startswith(
        "nixbuild: error: Nix too old: nixpkgs 26.05 needs Nix 2.18 or newer "
        f"(`builtins.nixVersion` reports at least 2.18) and this is Nix {nix_version()}; nixbuild supports nixpkgs "
    ), error
    assert error.endswith("(hint: upgrade Nix to 2.18 or newer, or pin nixpkgs 25.05, the newest release this Nix evaluates)")
    # doctor -C compares this Nix with what the project's nixpkgs asks for.
    doctor = nixbuild("doctor", "--json", "-C", str(project))
    assert doctor.returncode == 0, doctor.stderr
    report = doctor.json()
    assert report["nixpkgs"]["release"] == "26.05" and report["nixpkgs"]["minimum_nix"] == "2.18"
    assert report["nixpkgs"]["missing_features"] == ["`builtins.nixVersion` reports at least 2.18"]
    assert report["nixpkgs"]["problem"].startswith("Nix too old: nixpkgs 26.05 needs Nix 2.18 or newer")
    assert any(m.startswith("nixpkgs: Nix too old") and "upgrade Nix to 2.18" in m for m in report["missing"])
    text = nixbuild("doctor", "-C", str(project)).stdout
    assert "nixpkgs:      26.05 ([nixpkgs] source = path), needs Nix ≥ 2.18: NO: Nix too old" in text


def test_minver_of_an_older_release_is_read_and_met(tmp_path: Path) -> None:
    project = project_with(tmp_path, "25.05", minver="2.3.17")
    doctor = nixbuild("doctor", "--json", "-C", str(project))
    assert doctor.returncode == 0, doctor.stderr
    report = doctor.json()["nixpkgs"]
    # nixpkgs 25.05 asks for 2.3.17; nixbuild's own code needs 2.8.
    assert (report["release"], report["minimum_nix"], report["problem"]) == ("25.05", "2.8", None)


def test_a_nixpkgs_whose_stream_function_lacks_an_argument_is_refused(tmp_path: Path) -> None:
    project = project_with(tmp_path, "26.05", minver="2.8")
    docker = tmp_path / "nixpkgs" / "docker" / "default.nix"
    text = docker.read_text()
    assert '      mtime ? "1970-01-01T00:00:01Z",\n' in text
    # An older streamLayeredImage: no `mtime` argument (its files get `created`).
    assert "    let\n      baseName = baseNameOf name;\n" in text
    docker.write_text(text.replace('      mtime ? "1970-01-01T00:00:01Z",\n', "", 1).replace(
        "    let\n      baseName = baseNameOf name;\n", "    let\n      mtime = created;\n      baseName = baseNameOf name;\n", 1))
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 2, result.stderr
    error = assert_one_error_line(result.stderr)
    assert error.startswith("nixbuild: error: unsupported nixpkgs: its dockerTools.streamLayeredImage takes no "
                            "mtime argument; nixbuild supports nixpkgs "), error


def test_hostpkgs_is_inside_the_window_and_doctor_says_so(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    report = nixbuild("doctor", "--json", "-C", str(project)).json()
    w = window.window()
    assert report["window"]["oldest"] == w.oldest and report["window"]["newest"] == w.newest
    assert report["nixpkgs"] == {"source": "hostpkgs", "release": w.newest, "minimum_nix": "2.8",
                                 "missing_features": [], "problem": None}
    outside = nixbuild("doctor", "--json", "-C", str(tmp_path / "nowhere"))
    assert outside.json()["nixpkgs"] is None


def test_the_window_data_names_the_interface_revision() -> None:
    interface = json.loads((REPO / "tests/data/nixpkgs-interface.json").read_text())
    assert {r["release"] for r in interface["revisions"].values()} == {window.window().newest}
