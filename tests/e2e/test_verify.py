"""Reproducibility end to end: two builds of examples/hello-c from different
directories with different TMPDIR give the same image, and `nixbuild verify`
passes on it; a package that embeds the build time or random bytes, and a shell
build that embeds its working directory, make `verify` fail and name the
derivation or layer and the file."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from nixbuild.image import read as read_image
from tests.conftest import copy_example, nix_env, nixbuild

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

NONDETERMINISTIC = {
    # The installed file of the bin output changes on every build.
    "time": "date +%s%N > $(PREFIX)/bin/build-stamp",
    "random": "head -c 16 /dev/urandom | od -An -tx1 > $(PREFIX)/bin/build-stamp",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("nixbuild: error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def test_two_directories_and_tmpdirs_give_the_same_image(tmp_path: Path) -> None:
    reports = []
    for where in ("first", "second/deeper"):
        project = copy_example("hello-c", tmp_path / where)
        tmpdir = tmp_path / f"tmp-{where.replace('/', '-')}"
        tmpdir.mkdir()
        result = nixbuild("image", "--json", "--format", "docker-archive", "-C", str(project),
                          env=nix_env(TMPDIR=str(tmpdir)))
        assert result.returncode == 0, result.stderr
        reports.append(result.json())
    a, b = (Path(r["image"]) for r in reports)
    assert a.parent.parent.parent != b.parent.parent.parent
    assert _sha256(Path(reports[0]["archive"])) == _sha256(Path(reports[1]["archive"]))  # bit-identical archives
    assert (a / "index.json").read_bytes() == (b / "index.json").read_bytes()
    info_a, info_b = read_image(a), read_image(b)
    assert info_a.config_digest == info_b.config_digest
    assert [layer.digest for layer in info_a.layers] == [layer.digest for layer in info_b.layers]


def test_verify_passes_on_hello_c(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    result = nixbuild("verify", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    assert report["version"] == 1 and report["identical"] is True
    (target,) = report["targets"]
    assert target["target"] == "x86_64-linux"
    roles = [c["role"] for c in target["checks"]]
    assert roles == ["package", "customisation layer", "conf", "stream script"]
    assert all(c["identical"] and re.fullmatch(r"/nix/store/[a-z0-9]{32}-.+\.drv", c["derivation"])
               for c in target["checks"])
    second = target["second_build"]
    assert second["identical"] is True and second["layers"] == []
    assert second["config_digest"][0] == second["config_digest"][1] == read_image(
        Path(target["image"])).config_digest
    assert not Path(second["directory"]).exists()  # the copy is removed afterwards
    text = nixbuild("verify", "-C", str(project))
    assert text.returncode == 0 and "x86_64-linux: identical" in text.stdout


def _nondeterministic_hello(tmp_path: Path, recipe: str) -> Path:
    project = copy_example("hello-c", tmp_path)
    makefile = project / "Makefile"
    lines = makefile.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if "install -D -m 0755 hello" in line)
    lines.insert(at + 1, "\t" + recipe)
    makefile.write_text("\n".join(lines) + "\n")
    return project


@pytest.mark.parametrize("kind", sorted(NONDETERMINISTIC))
def test_verify_names_a_nondeterministic_package_and_file(tmp_path: Path, kind: str) -> None:
    project = _nondeterministic_hello(tmp_path, NONDETERMINISTIC[kind])
    result = nixbuild("verify", "--json", "-C", str(project))
    assert result.returncode == 1, result.stderr
    target = result.json()["targets"][0]
    assert target["identical"] is False
    package = target["checks"][0]
    assert package["role"] == "package" and package["identical"] is False
    assert package["derivation"].endswith("-hello-1.0.0.drv")
    (output,) = package["outputs"]
    assert output["output"].endswith("-hello-1.0.0-bin") and output["rebuild"] == output["output"] + ".check"
    assert [(f["path"], f["differs"]) for f in output["files"]] == [("bin/build-stamp", ["content"])]
    # The layer named is the one that holds the package's bin output.
    layers = read_image(Path(target["image"])).layers
    assert output["output"] in layers[output["layer"]].store_paths
    # The image's own derivations rebuild identically; the package is a cache hit
    # in the second directory, so only --check can see this.
    assert all(c["identical"] for c in target["checks"][1:])
    assert target["second_build"]["identical"] is True
    error = _error_line(result.stderr)
    assert package["derivation"] in error and "bin/build-stamp" in error and f"layer {output['layer']}" in error


def test_verify_names_a_layer_that_depends_on_the_project_location(tmp_path: Path) -> None:
    """A shell build that writes its working directory into the binary."""
    project = copy_example("hello-c-shell", tmp_path)
    (project / "where.c").write_text('#include <stdio.h>\nint main(void) { puts("built in " BUILT_IN); return 0; }\n')
    makefile = project / "Makefile"
    text = makefile.read_text()
    assert "-o $@ hello.c" in text
    makefile.write_text(text.replace("-o $@ hello.c", '-DBUILT_IN=\\"$(CURDIR)\\" -o $@ where.c')
                        .replace(": hello.c", ": where.c"))
    result = nixbuild("verify", "--json", "-C", str(project))
    assert result.returncode == 1, result.stderr
    target = result.json()["targets"][0]
    assert all(c["identical"] for c in target["checks"])
    second = target["second_build"]
    assert second["identical"] is False
    assert any(field.startswith("config.Entrypoint") for field in second["config_differs"])
    program = [layer for layer in second["layers"]
               if any(f["path"].endswith("-hello-1.0.0/bin/hello") and "content" in f["differs"] for f in layer["files"])]
    assert len(program) == 1, json.dumps(second["layers"])
    layer = program[0]
    assert len(layer["store_paths"]) == 2 and all(p.endswith("-hello-1.0.0") for p in layer["store_paths"])
    error = _error_line(result.stderr)
    assert f"layer {layer['index'][0]}" in error and "/bin/hello" in error and "another directory" in error


def test_verify_unknown_target_is_a_usage_error(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    result = nixbuild("verify", "-C", str(project), "--target", "sparc-linux")
    assert result.returncode == 2
    assert "sparc-linux" in _error_line(result.stderr)


# A build script that behaves like CMake with an in-tree build directory: the
# first run records where it ran in build/cache.txt, and a later run elsewhere
# refuses that cache ("CMakeCache.txt directory … is different").
CACHE_CHECKING_BUILD = """#!/bin/sh
set -e
mkdir -p build
if [ -f build/cache.txt ] && [ "$(cat build/cache.txt)" != "$PWD/build" ]; then
  echo "error: build/cache.txt was created in $(cat build/cache.txt), not in $PWD/build" >&2
  exit 1
fi
echo "$PWD/build" > build/cache.txt
$CC -O2 -o build/hello hello.c
"""


def _git(project: Path, *args: str) -> None:
    import subprocess
    subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True,
                   env={"PATH": "/usr/bin:/bin", "HOME": str(project), "GIT_AUTHOR_NAME": "t",
                        "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})


@pytest.mark.parametrize("git", [True, False], ids=["git", "plain"])
def test_verify_builds_from_a_clean_copy_without_in_tree_caches(tmp_path: Path, git: bool) -> None:
    """In a git work tree the second build gets the tracked files only, so the first
    build's in-tree cache (untracked, not even ignored) does not break it; in a plain
    tree the cache is copied and the second build fails as CMake would."""
    project = copy_example("hello-c-shell", tmp_path)
    (project / "build.sh").write_text(CACHE_CHECKING_BUILD)
    config = (project / "nixbuild.toml").read_text()
    config = re.sub(r'(?m)^build = .*$', 'build = "sh build.sh"', config)
    config = re.sub(r'(?m)^artifact = .*$', 'artifact = "build/hello"', config)
    (project / "nixbuild.toml").write_text(config)
    if git:
        _git(project, "init", "-q")
        _git(project, "add", "-A")
        _git(project, "commit", "-q", "-m", "import")
    result = nixbuild("verify", "--json", "-C", str(project))
    assert (project / "build" / "cache.txt").is_file()  # the first build left its cache in the tree
    if git:
        assert result.returncode == 0, result.stderr
        assert result.json()["identical"] is True
    else:
        assert result.returncode != 0  # the build's failure (its exit code is the build-failure tests' business)
        assert "build/cache.txt was created in" in result.stderr


@pytest.mark.parametrize("target", ["x86_64-linux", "aarch64-linux"])
def test_verify_finds_the_customisation_layer_of_every_target(tmp_path: Path, target: str) -> None:
    """verify rebuilds the image's customisation layer; in a cross set its name
    has no host suffix (a stdenvNoCC derivation, as in nixpkgs), so it is found
    there too."""
    from nixbuild import pipeline, verify

    project = pipeline.load_project(copy_example("hello-c", tmp_path))
    pipeline.generate(project)
    # verify runs after a build: the derivations are in the store.
    subprocess.run(["nix-instantiate", str(project.root / ".nixbuild"), "-A", "image.conf", "--argstr", "target",
                    target, "--add-root", str(tmp_path / "conf.drv"), "--indirect"],
                   env=nix_env(), check=True, capture_output=True)
    nix = pipeline.make_nix(project)
    roles = verify._image_derivations(project, nix, target)
    layers = [drv for role, drv in roles if role == "customisation layer"]
    assert len(layers) == 1 and layers[0].endswith("-hello-customisation-layer.drv"), roles
    assert {"package", "conf", "stream script"} <= {role for role, _ in roles}
