"""`nixbuild doctor`."""

from __future__ import annotations

from pathlib import Path

import click

from nixbuild import doctor as doctor_mod
from nixbuild.commands._common import emit, json_option, log
from nixbuild.nix import Nix


@click.command()
@json_option
@click.option("-C", "--directory", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True,
              help="Project directory: with a nixbuild.toml there, also check its nixpkgs against this Nix.")
@click.option("-v", "--verbose", is_flag=True, help="Echo every command.")
@click.option("--probe", is_flag=True,
              help="Only prove that Nix can build here (a trivial sandboxed build): silent on success, "
                   "else one line and exit 3.")
def doctor(as_json: bool, directory: Path, verbose: bool, probe: bool) -> None:
    """Show Nix's version and settings, the builders, and which targets this host can build."""
    if probe:
        doctor_mod.probe(Nix(verbose=verbose, log=log))
        return
    r = doctor_mod.diagnose(Nix(verbose=verbose, log=log), project_dir=directory)
    w, np = r.window, r.nixpkgs
    facts = np.facts if np else None
    data = {
        "version": 1,
        "nixbuild": r.nixbuild_version,
        "host": r.host,
        "nix": r.nix_version,
        "builds": r.builds is None,
        "sandbox": r.settings.get("sandbox"),
        "substituters": r.settings.get("substituters", "").split(),
        "builders": [{"uri": b.uri, "systems": list(b.systems)} for b in r.builders],
        "targets": [
            {"target": t.target, "how": t.plan.how if t.plan else None,
             "build_system": t.plan.build_system if t.plan else None,
             "reason": t.plan.reason if t.plan else t.problem}
            for t in r.targets
        ],
        "tools": r.tools,
        "window": {"oldest": w.oldest, "newest": w.newest, "nixbuild_minimum_nix": w.nixbuild_minimum_nix,
                   "releases": {k: {"minimum_nix": v} for k, v in w.releases.items()}},
        "nixpkgs": None if np is None else {
            "source": np.source,
            "release": facts.release if facts else None,
            "minimum_nix": facts.minimum_nix if facts else None,
            "missing_features": list(facts.missing_features) if facts else [],
            "problem": np.problem,
        },
        "missing": list(r.missing),
    }
    lines = [
        f"nixbuild {r.nixbuild_version} on {r.host}",
        f"nix:          {r.nix_version or 'NOT INSTALLED'}",
        f"builds:       {'yes (a trivial sandboxed build)' if r.builds is None else 'NO: ' + r.builds}",
        f"sandbox:      {r.settings.get('sandbox', '?')}",
        f"substituters: {r.settings.get('substituters', '') or '(none)'}",
        f"window:       nixpkgs {w.oldest} … {w.newest} ("
        + ", ".join(f"{k}: Nix ≥ {v}" for k, v in w.releases.items()) + f"; nixbuild itself: Nix ≥ {w.nixbuild_minimum_nix})",
        "nixpkgs:      " + _nixpkgs_line(np),
        "builders:     " + (", ".join(f"{b.uri} ({','.join(b.systems)})" for b in r.builders) or "(none)"),
        "targets:",
    ]
    for t in r.targets:
        lines.append(f"  {t.target:22} " + (f"{t.plan.how:7} {t.plan.reason}" if t.plan else f"NO      {t.problem}"))
    lines.append("tools:        " + ", ".join(f"{k}{'' if v else ' (missing)'}" for k, v in r.tools.items()))
    lines.append("missing:      " + ("; ".join(r.missing) if r.missing else "nothing"))
    emit(as_json, data, "\n".join(lines))


def _nixpkgs_line(np: doctor_mod.NixpkgsStatus | None) -> str:
    if np is None:
        return "(no nixbuild.toml here; -C DIR checks a project's)"
    where = f"[nixpkgs] source = {np.source}"
    if np.facts is None:
        return f"{where}: {np.problem}"
    release = np.facts.release or "unknown release"
    state = "OK with this Nix" if np.problem is None else f"NO: {np.problem}"
    return f"{release} ({where}), needs Nix ≥ {np.facts.minimum_nix}: {state}"

