"""Command-line interface: parses flags, calls the library, prints results.

Results go to stdout (``--json``: one JSON object); progress and logs go to
stderr. Every expected failure is one line on stderr with a hint, and a
documented exit code (README, "Exit codes").
"""

from __future__ import annotations

import os
import signal
import sys
import traceback

import click

import importlib

from nixbuild import __version__
from nixbuild.errors import EXIT_CONFIG, EXIT_INTERNAL, EXIT_INTERRUPTED, NixbuildError, printable

# Subcommand name → its one-line summary (the first line of its help). Each
# name is a module in nixbuild.commands defining a click command of that name.
# Modules are imported only when their command runs, so `nixbuild image` does
# not pay for every other command's imports and `nixbuild --help` lists them
# from this table without importing any (a test keeps the summaries true).
COMMANDS = {
    "generate": "Write the Nix expressions of .nixbuild/ from nixbuild.toml.",
    "build": "Build the package: nix-build (hermetic) or the build command in nix-shell (shell).",
    "shell": "Enter the build environment (nix-shell) for a target.",
    "image": "Build the image and print where it is and what is in it.",
    "doctor": "Show Nix's version and settings, the builders, and which targets this host can build.",
    "inspect": "Show every store path of an image: NAR size, layer, package output; totals.",
    "why": "Why PATH is in the image: the reference chain from the entrypoint to it.",
    "diff": "Compare two images: store paths added, removed and changed, with byte deltas, and the layers they share.",
    "sbom": "Build the image and write its SBOM: one package per store path in the image.",
    "provenance": "Build the image and write its SLSA v1 provenance (an in-toto Statement).",
    "test": "Build the image and run its [test] smoke tests in it (bubblewrap; qemu-user for foreign targets).",
    "verify": "Rebuild the image and prove it bit-identical (exit 1 and the differences when it is not).",
    "push": "Build the image and push it to a registry: REF is HOST[:PORT]/NAME[:TAG] (uses skopeo).",
    "load": "Build the image and load it into podman (--podman) or Docker (--docker).",
    "ci": "Generate CI configuration for the project.",
    "lock": 'Write nixbuild.lock: the nixpkgs pin (source = "lock") and the hash of every overlay.',
    "update": "Move the nixpkgs pin (re-fetch the locked URL, or pin --url/--from) and show what changed.",
    "overlay": "List, scaffold, check and prune the overlays applied to the package set.",
    "init": "Write nixbuild.toml for an existing source tree, saying what it detected and why.",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"nixbuild.commands.{cmd_name}")
        command: click.Command = getattr(module, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, from the table: no subcommand module is imported."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, click.utils.make_default_short_help(COMMANDS[name], limit)) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="nixbuild")
def cli() -> None:
    """Minimal, reproducible container images from a binary's Nix closure."""


def _print_error(message: str, hint: str | None, details: str | None = None) -> None:
    line = f"nixbuild: error: {printable(message)}"
    if hint:
        line += f" (hint: {printable(hint)})"
    click.echo(line, err=True)
    if details:
        for detail in details.splitlines():
            click.echo(f"  | {detail}", err=True)


class _Interrupted(BaseException):
    """Ctrl-C (SIGINT). Not a KeyboardInterrupt, which click turns into a blank line and Abort."""


def _on_sigint(signum: int, frame: object) -> None:
    running = sys.modules.get("nixbuild.nix")
    if running is not None:
        running.stop_all()  # also the commands other threads run (image -t all -j N)
    raise _Interrupted()


def main(argv: list[str] | None = None) -> None:
    """Run nixbuild with ``argv`` and exit (SystemExit with the exit code). Without ``argv``
    (the console script, ``python -m nixbuild``) this is the whole process: it flushes its
    output and leaves without tearing the interpreter down (``os._exit``), which is
    ~10 ms of a rebuild with nothing to do."""
    code = _run(argv)
    if argv is None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe (`nixbuild … | head`): nothing more to say
                pass
        os._exit(code)
    sys.exit(code)


def _run(argv: list[str] | None) -> int:
    """The exit code of one command (README, "Exit codes")."""
    signal.signal(signal.SIGINT, _on_sigint)
    try:
        cli.main(args=argv, prog_name="nixbuild", standalone_mode=False)
    except _Interrupted:
        if sys.stderr.isatty():
            click.echo(err=True)  # end the line the terminal shows ^C on
        _print_error("interrupted", None)
        return EXIT_INTERRUPTED
    except NixbuildError as exc:
        _print_error(exc.message, exc.hint, exc.details)
        return exc.exit_code
    except click.exceptions.Abort:
        _print_error("interrupted", None)
        return EXIT_INTERRUPTED
    except click.exceptions.Exit as exc:  # --help, --version
        return exc.exit_code
    except click.ClickException as exc:
        _print_error(exc.format_message(), "see nixbuild --help")
        return EXIT_CONFIG if exc.exit_code == 2 else exc.exit_code
    except KeyboardInterrupt:
        _print_error("interrupted", None)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug in nixbuild: say so, without a traceback unless asked
        if os.environ.get("NIXBUILD_DEBUG"):
            traceback.print_exc()
        _print_error(f"internal error: {type(exc).__name__}: {exc}",
                     "this is a bug in nixbuild; re-run with NIXBUILD_DEBUG=1 for the traceback and report it")
        return EXIT_INTERNAL
    return 0
