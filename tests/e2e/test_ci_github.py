"""`nixbuild ci github`: the workflow validates against the GitHub workflow schema
(check-jsonschema's vendored copy) and has one matrix entry per configured target."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.conftest import check_github_workflow, copy_example, nixbuild


def test_workflow_is_valid_and_covers_every_target(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    config = project / "nixbuild.toml"
    config.write_text(re.sub(r"(?m)^platforms = .*$", 'platforms = ["x86_64-linux", "aarch64-linux", "riscv64-linux"]',
                             config.read_text()))
    result = nixbuild("ci", "github", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    workflow = project / ".github" / "workflows" / "nixbuild.yml"
    assert report["file"] == str(workflow) and report["status"] == "created"
    checked = check_github_workflow(workflow)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    data = yaml.safe_load(workflow.read_text())
    job = data["jobs"]["image"]
    include = job["strategy"]["matrix"]["include"]
    assert [e["target"] for e in include] == ["x86_64-linux", "aarch64-linux", "riscv64-linux"]
    assert dict((e["target"], e["runner"]) for e in include)["aarch64-linux"] == "ubuntu-24.04-arm"
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    for command in ("nixbuild image --locked", "nixbuild verify", "nixbuild sbom", "nixbuild provenance",
                    "nixbuild push"):
        assert command in runs
    push = [s for s in job["steps"] if "nixbuild push" in s.get("run", "")][0]
    assert push["if"] == "startsWith(github.ref, 'refs/tags/')"
    # GitHub expressions never reach a shell script directly (script injection).
    assert not re.search(r"\$\{\{", runs)
    assert job["env"]["IMAGE_NAME"] == "hello"
    again = nixbuild("ci", "github", "--json", "-C", str(project))
    assert again.returncode == 0 and again.json()["status"] == "unchanged"


def test_output_path_and_options(tmp_path: Path) -> None:
    project = copy_example("hello-c", tmp_path)
    out = tmp_path / "wf" / "build.yaml"
    result = nixbuild("ci", "github", "-o", str(out), "--repository", 'ghcr.io/me/x"y', "--install",
                      "git+https://example.org/nixbuild", "-C", str(project))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"created: {out}"
    checked = check_github_workflow(out)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    env = yaml.safe_load(out.read_text())["jobs"]["image"]["env"]
    assert env["IMAGE_REPOSITORY"] == 'ghcr.io/me/x"y'  # quoted as data, not YAML syntax
    assert env["NIXBUILD_INSTALL"] == "git+https://example.org/nixbuild"
    assert not (project / ".github").exists()
