"""[image] debug = true: a <tag>-debug variant with busybox at /busybox/sh,
while the main image stays shell-free."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixbuild.image import read as read_image
from tests.conftest import copy_example, nixbuild, run
from tests.e2e.tools import skopeo_inspect, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


def test_debug_variant_has_a_shell_and_the_main_image_has_none(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('tag = "1.0.0"', 'tag = "1.0.0"\ndebug = true'))
    result = nixbuild("image", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    main, debug = Path(report["image"]), Path(report["debug_image"])
    assert debug.name == "hello-1.0.0-debug.oci"

    main_root = unpack(main, tmp_path / "main")
    assert not (main_root / "busybox").exists() and not (main_root / "bin/sh").exists()
    assert not any("busybox" in p["path"] for p in report["store_paths"])

    info = skopeo_inspect(debug, config=True)["config"]
    assert "PATH=/bin:/busybox" in info["Env"]
    assert read_image(debug).repo_tags == ("hello:1.0.0-debug",)
    debug_root = unpack(debug, tmp_path / "debug")
    out = run(["bwrap", "--bind", str(debug_root), "/", "--proc", "/proc", "--dev", "/dev", "--unshare-all",
               "--die-with-parent", "--clearenv", "--setenv", "PATH", "/bin:/busybox",
               "/busybox/sh", "-c", "echo shell-ok; hello"]).stdout
    assert out.splitlines() == ["shell-ok", "Hello from nixbuild!"]


def test_human_report_names_the_debug_variant(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('tag = "1.0.0"', 'tag = "1.0.0"\ndebug = true'))
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 0, result.stderr
    (line,) = [l for l in result.stdout.splitlines() if l.startswith("debug:")]
    assert line.endswith("hello-1.0.0-debug.oci (tag 1.0.0-debug, busybox at /busybox/sh)")
