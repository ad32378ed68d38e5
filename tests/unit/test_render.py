"""Generated .nixbuild/: golden files, determinism, atomic writes, and every
file parses with nix-instantiate --parse."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nixbuild import config, render
from nixbuild.errors import LockError
from tests.conftest import REPO, copy_example, nix_env

GOLDEN = REPO / "tests" / "golden"
TEMPLATED = ("default.nix", "nixpkgs.nix", "pkgs.nix", "package.nix", "image.nix", "shell.nix", "targets.nix")


@pytest.mark.parametrize("name", ["hello-c", "hello-c-shell", "hello-cmake", "hello-go", "hello-rust"])
def test_generated_files_match_golden(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    project = config.load(copy_example(name, tmp_path))
    files = render.plan_files(project)
    for rel in TEMPLATED:
        golden = GOLDEN / name / rel
        if request.config.getoption("--update-golden"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(files[rel])
        assert files[rel].decode() == golden.read_text(), f"{rel} differs from {golden} (refresh with --update-golden)"


@pytest.mark.parametrize("name", ["hello-c", "hello-c-shell", "hello-cmake"])
def test_rendering_is_deterministic_and_location_independent(name: str, tmp_path: Path) -> None:
    a = render.plan_files(config.load(copy_example(name, tmp_path / "a")))
    b = render.plan_files(config.load(copy_example(name, tmp_path / "b" / "deeper")))
    assert a == b


def test_generated_directory_is_self_contained(tmp_path: Path) -> None:
    project = config.load(copy_example("hello-c", tmp_path))
    files = render.plan_files(project)
    assert "lib/image.nix" in files and "lib/source.nix" in files
    assert "hostpkgs/default.nix" in files
    assert files["lib/image.nix"] == (REPO / "nix/lib/image.nix").read_bytes()


@pytest.mark.nix
@pytest.mark.parametrize("name", ["hello-c", "hello-c-shell", "hello-cmake"])
def test_every_generated_file_parses(name: str, tmp_path: Path) -> None:
    project = config.load(copy_example(name, tmp_path))
    render.write(project)
    nix_files = sorted((project.root / ".nixbuild").rglob("*.nix"))
    assert len(nix_files) >= len(TEMPLATED) + 2
    proc = subprocess.run(["nix-instantiate", "--parse", *map(str, nix_files)], env=nix_env(),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_write_reports_created_then_unchanged_then_changed(tmp_path: Path) -> None:
    root = copy_example("hello-c", tmp_path)
    first = render.write(config.load(root))
    assert {c.status for c in first.changes} == {"created"}
    stat_before = (root / ".nixbuild" / "image.nix").stat().st_mtime_ns
    second = render.write(config.load(root))
    assert not second.changed
    assert (root / ".nixbuild" / "image.nix").stat().st_mtime_ns == stat_before
    toml = root / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('tag = "1.0.0"', 'tag = "1.0.1"'))
    third = render.write(config.load(root))
    statuses = {c.path: c.status for c in third.changes}
    assert statuses["image.nix"] == "changed" and statuses["package.nix"] == "unchanged"
    assert '"1.0.1"' in (root / ".nixbuild" / "image.nix").read_text()
    assert not list(root.glob(".nixbuild.*")), "temporary directories left behind"


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    root = copy_example("hello-c", tmp_path)
    report = render.write(config.load(root), dry_run=True)
    assert report.changed and not (root / ".nixbuild").exists()


def test_failed_generation_leaves_no_directory(tmp_path: Path) -> None:
    root = copy_example("hello-c", tmp_path)
    toml = root / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('source = "hostpkgs"', 'source = "lock"'))
    with pytest.raises(LockError):
        render.write(config.load(root))
    assert not (root / ".nixbuild").exists()
    assert not list(root.glob(".nixbuild*"))


def test_concurrent_writes_leave_one_complete_directory(tmp_path: Path) -> None:
    import concurrent.futures

    root = copy_example("hello-c", tmp_path)
    project = config.load(root)
    expected = render.plan_files(project)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: render.write(project), range(8)))
    written = {p.relative_to(root / ".nixbuild").as_posix(): p.read_bytes()
               for p in (root / ".nixbuild").rglob("*") if p.is_file()}
    assert written == expected
    assert not list(root.glob(".nixbuild.*"))


def _render_in_subprocess(root: Path) -> tuple[bool, str]:
    """Whether a fresh process rendering ``root`` imported jinja2, and the report's statuses."""
    code = ("import sys, json; from pathlib import Path; from nixbuild import config, render;"
            f"r = render.write(config.load(Path({str(root)!r})));"
            "print(json.dumps(['jinja2' in sys.modules, sorted({c.status for c in r.changes})]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout
    imported, statuses = json.loads(out)
    return imported, ",".join(statuses)


def test_an_unchanged_render_reuses_the_files_without_jinja2(tmp_path: Path) -> None:
    root = copy_example("hello-go", tmp_path)
    assert _render_in_subprocess(root) == (True, "created")
    before = {p: p.read_bytes() for p in (root / ".nixbuild").rglob("*") if p.is_file()}
    assert _render_in_subprocess(root) == (False, "unchanged")
    assert {p: p.read_bytes() for p in (root / ".nixbuild").rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("change", ["config", "hand-edit", "source-file", "record"])
def test_a_render_runs_again_when_anything_it_depends_on_changed(change: str, tmp_path: Path) -> None:
    root = copy_example("hello-rust", tmp_path)
    render.write(config.load(root))
    generated = root / ".nixbuild"
    if change == "config":  # a value the templates receive
        toml = root / "nixbuild.toml"
        toml.write_text(toml.read_text().replace('tag = "0.2.0"', 'tag = "0.2.1"'))
    elif change == "hand-edit":  # a generated file edited by hand is put back
        (generated / "image.nix").write_text("{ }: throw \"edited\"\n")
    elif change == "source-file":  # a project file the builder reads: the binary Cargo.toml names
        cargo = root / "Cargo.toml"
        cargo.write_text(cargo.read_text().replace('name = "hello"', 'name = "greeter"'))
    else:  # the render record itself, damaged
        (generated / render.RENDER_RECORD).write_text("{")
    imported, statuses = _render_in_subprocess(root)
    assert imported, "rendered again"
    assert "changed" in statuses
    assert render.plan_files(config.load(root)) == {
        p.relative_to(generated).as_posix(): p.read_bytes() for p in generated.rglob("*") if p.is_file()}
    package, image = (generated / "package.nix").read_text(), (generated / "image.nix").read_text()
    assert {"config": '"0.2.1"' in image, "hand-edit": "edited" not in image,
            "source-file": '"greeter"' in package, "record": True}[change]
