"""Closure policy: a forbidden dependency fails the build at build time
(disallowedRequisites) with the offending path and the chain that pulled it
in; --allow lifts one entry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import copy_example, nixbuild, run

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


@pytest.fixture
def shell_dependent(tmp_path: Path) -> Path:
    """hello-c whose installed output records the path of bash (a real reference)."""
    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('builder = "c"', 'builder = "c"\ninputs = ["bash"]'))
    makefile = project / "Makefile"
    makefile.write_text(makefile.read_text().replace(
        "\tinstall -D -m 0755 hello $(PREFIX)/bin/hello\n",
        "\tinstall -D -m 0755 hello $(PREFIX)/bin/hello\n\tcommand -v bash > $(PREFIX)/bin/.shell\n",
    ))
    return project


def test_forbidden_dependency_fails_with_the_chain(shell_dependent: Path) -> None:
    result = nixbuild("image", "-C", str(shell_dependent))
    assert result.returncode == 4, result.stderr
    (line,) = [l for l in result.stderr.splitlines() if l.startswith("nixbuild: error:")]
    assert re.search(r"closure policy: bash-[^ ]* must not be in the image", line), line
    assert re.search(r"pulled in by: hello-1\.0\.0-bin → bash-", line), line
    assert "--allow bash" in line
    assert not list((shell_dependent / "nixbuild-result").rglob("*.oci"))


def test_allow_lifts_the_entries(shell_dependent: Path) -> None:
    result = nixbuild("image", "--json", "--allow", "bash", "--allow", "bashInteractive", "-C", str(shell_dependent))
    assert result.returncode == 0, result.stderr
    assert any(re.search(r"-bash-[\d.]+$", p["path"]) for p in result.json()["store_paths"])


def test_allow_of_an_unknown_entry_is_a_usage_error(tmp_path: Path) -> None:
    result = nixbuild("image", "--allow", "python3", "-C", str(copy_example("hello-c", tmp_path)))
    assert result.returncode == 2
    assert "--allow python3: not an entry of [image] forbid" in result.stderr


def test_dev_outputs_of_inputs_are_forbidden(tmp_path: Path) -> None:
    """"@dev" stands for the dev outputs of the package (a make-style package has one: it
    propagates the others) and of its inputs (here glibc.dev)."""
    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('builder = "c"', 'builder = "c"\ninputs = ["glibc"]'))
    assert nixbuild("generate", "-C", str(project)).returncode == 0
    resolved = json.loads(run(["nix-instantiate", "--eval", "--strict", "--json", str(project / ".nixbuild"),
                               "-A", "image.nixbuildPolicy"]).stdout)
    by_entry = {item["entry"]: item["paths"] for item in resolved}
    glibc_dev = run(["nix-instantiate", "--eval", "--json", str(project / ".nixbuild"),
                     "-A", "pkgs.glibc.dev.outPath"]).stdout.strip().strip('"')
    own_dev = run(["nix-instantiate", "--eval", "--json", str(project / ".nixbuild"),
                   "-A", "package.dev.outPath"]).stdout.strip().strip('"')
    assert sorted(by_entry["@dev"]) == sorted([own_dev, glibc_dev]) and own_dev.endswith("-hello-1.0.0-dev")
    zsh = run(["nix-instantiate", "--eval", "--json", str(project / ".nixbuild"), "-A", "pkgs.zsh.outPath"]).stdout
    assert by_entry["@man"] == [] and by_entry["zsh"] == [zsh.strip().strip('"')]


@pytest.mark.parametrize(("attr", "program", "name"), [
    ("dash", "dash", "dash"), ("zsh", "zsh", "zsh"), ("bashInteractive", "bash", "bash-interactive"),
])
def test_every_default_shell_entry_is_enforced(tmp_path: Path, attr: str, program: str, name: str) -> None:
    """The default forbid list names dash, zsh and bashInteractive; each is a
    package of its own (bashInteractive is not bash), so each entry catches it."""
    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('builder = "c"', f'builder = "c"\ninputs = ["{attr}"]'))
    makefile = project / "Makefile"
    makefile.write_text(makefile.read_text().replace(
        "\tinstall -D -m 0755 hello $(PREFIX)/bin/hello\n",
        f"\tinstall -D -m 0755 hello $(PREFIX)/bin/hello\n\tcommand -v {program} > $(PREFIX)/bin/.shell\n",
    ))
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 4, result.stderr
    (line,) = [l for l in result.stderr.splitlines() if l.startswith("nixbuild: error:")]
    assert re.search(rf"closure policy: {name}-[^ ]* must not be in the image", line), line
    assert f"--allow {attr}" in line


def test_a_forbidden_package_is_never_built(tmp_path: Path) -> None:
    """As nixpkgs, the policy names forbidden paths without building them: a
    forbidden package that cannot even be built does not stop a clean image."""
    project = copy_example("hello-c", tmp_path)
    (project / "overlays").mkdir()
    (project / "overlays" / "unbuildable.nix").write_text(
        'final: prev: { unbuildable = prev.runCommand "unbuildable-' + tmp_path.name + '" { } "exit 1"; }\n')
    toml = project / "nixbuild.toml"
    text = toml.read_text().replace("[nixpkgs]\n", '[nixpkgs]\noverlays = ["overlays/*.nix"]\n')
    toml.write_text(text.replace("[image]\n", '[image]\nforbid = ["bash", "unbuildable", "@dev"]\n', 1))
    result = nixbuild("image", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    path = run(["nix-instantiate", "--eval", "--json", str(project / ".nixbuild"), "-A",
                "pkgs.unbuildable.outPath"]).stdout.strip().strip('"')
    assert path.startswith("/nix/store/") and not Path(path).exists()
