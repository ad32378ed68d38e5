"""`nixbuild doctor`."""

from __future__ import annotations

import click

from nixbuild import doctor as doctor_mod
from nixbuild.commands._common import emit, json_option, log
from nixbuild.nix import Nix


@click.command()
@json_option
@click.option("-v", "--verbose", is_flag=True, help="Echo every command.")
@click.option("--probe", is_flag=True,
              help="Only prove that Nix can build here (a trivial sandboxed build): silent on success, "
                   "else one line and exit 3.")
def doctor(as_json: bool, verbose: bool, probe: bool) -> None:
    """Show Nix's version and settings, the builders, and which targets this host can build."""
    if probe:
        doctor_mod.probe(Nix(verbose=verbose, log=log))
        return
    r = doctor_mod.diagnose(Nix(verbose=verbose, log=log))
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
        "missing": list(r.missing),
    }
    lines = [
        f"nixbuild {r.nixbuild_version} on {r.host}",
        f"nix:          {r.nix_version or 'NOT INSTALLED'}",
        f"builds:       {'yes (a trivial sandboxed build)' if r.builds is None else 'NO: ' + r.builds}",
        f"sandbox:      {r.settings.get('sandbox', '?')}",
        f"substituters: {r.settings.get('substituters', '') or '(none)'}",
        "builders:     " + (", ".join(f"{b.uri} ({','.join(b.systems)})" for b in r.builders) or "(none)"),
        "targets:",
    ]
    for t in r.targets:
        lines.append(f"  {t.target:22} " + (f"{t.plan.how:7} {t.plan.reason}" if t.plan else f"NO      {t.problem}"))
    lines.append("tools:        " + ", ".join(f"{k}{'' if v else ' (missing)'}" for k, v in r.tools.items()))
    lines.append("missing:      " + ("; ".join(r.missing) if r.missing else "nothing"))
    emit(as_json, data, "\n".join(lines))
