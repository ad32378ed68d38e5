"""`nixbuild shell`."""

from __future__ import annotations

from pathlib import Path

import click

from nixbuild import pipeline
from nixbuild.commands._common import common, log, target_option


@click.command()
@common
@target_option
@click.option("--run", "command", default=None, metavar="CMD", help="Run CMD in the shell instead of an interactive shell.")
def shell(directory: Path, verbose: bool, target: str | None, command: str | None) -> None:
    """Enter the build environment (nix-shell) for a target."""
    project = pipeline.load_project(directory, log)
    nix = pipeline.make_nix(project, verbose=verbose, log=log)
    nix.check_installed()
    name = pipeline.resolve_target(project, target)
    pipeline.generate(project)
    file, argstrs = project.root / ".nixbuild" / "shell.nix", {"target": name}
    nix.realise_shell(file, argstrs=argstrs)  # Nix's errors as one line, before nix-shell takes over the terminal
    nix.exec_shell(file, command, cwd=project.root, argstrs=argstrs)
