"""CI configuration generated from the project: a GitHub Actions workflow.

One job per configured target (a matrix), each: install Nix and nixbuild,
``nixbuild image --locked``, ``nixbuild verify``, ``nixbuild sbom``,
``nixbuild provenance``, upload the results, and push on tags. Rendered
from ``templates/github-workflow.yml.j2`` with ``[[ ]]``/``[% %]`` delimiters so
that GitHub's own ``${{ }}`` expressions pass through untouched; every value
from the config is written as a JSON string, which is valid YAML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import jinja2

from nixbuild import __version__, platforms, render
from nixbuild.config import Project

DEFAULT_PATH = ".github/workflows/nixbuild.yml"
# GitHub-hosted runners by the target's system; other systems cross-compile on x86_64.
RUNNERS = {"aarch64-linux": "ubuntu-24.04-arm"}
DEFAULT_RUNNER = "ubuntu-latest"


@dataclass(frozen=True)
class MatrixEntry:
    name: str
    runner: str


def _env() -> jinja2.Environment:
    # GitHub's own `${{ }}` must pass through, so this template uses [[ ]] / [% %].
    env = render.jinja_env(
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        comment_start_string="[#",
        comment_end_string="#]",
    )
    env.filters["yaml"] = lambda value: json.dumps(str(value), ensure_ascii=True)
    return env


def matrix(project: Project) -> tuple[MatrixEntry, ...]:
    return tuple(MatrixEntry(name, RUNNERS.get(platforms.get(name).system, DEFAULT_RUNNER))
                 for name in project.target.platforms)


def github_workflow(project: Project, *, install: str | None = None, repository: str = "") -> bytes:
    """The workflow file's bytes (same project and options ⇒ same bytes)."""
    text = _env().get_template("github-workflow.yml.j2").render(
        version=__version__,
        targets=matrix(project),
        install=install or f"nixbuild=={__version__}",
        repository=repository,
        image_name=project.image.name,
    )
    return text.encode()
