"""builder = "c": a make-based C project built hermetically by ``stdenv.mkDerivation``.

make, then ``make install PREFIX=$out``; the program moves to the ``bin``
output so that ``out`` (docs, …) stays out of the image.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nixbuild import nixexpr
from nixbuild.nixexpr import Raw

if TYPE_CHECKING:
    from nixbuild import plan as plan_mod
    from nixbuild.config import Package, Project, Reader
    from nixbuild.nix import Nix

NAME = "c"
KEYS = frozenset({"make-flags"})
DEFAULT_OUTPUTS = ("bin",)
TEMPLATE = "package-c.nix.j2"
OUTPUTS = ("bin", "lib", "out")  # the outputs this builder makes


@dataclass(frozen=True)
class Options:
    make_flags: tuple[str, ...] = ()


def options(r: Reader, table: dict[str, Any], root: Path, outputs: tuple[str, ...]) -> Options:
    make_flags = r.str_list("package", table, "make-flags", ()) or ()
    for out in outputs:
        if out not in OUTPUTS:
            raise r.error(("package", "outputs"), f"builder \"c\" makes the outputs bin, lib and out, not {out!r}")
    return Options(make_flags=tuple(make_flags))


def package_args(pkg: Package) -> str:
    # Always explicit: callPackage would otherwise fill `inputs` from the
    # package set if it ever had an attribute of that name.
    inputs = [Raw(nixexpr.attr_select("pkgs", i)) for i in pkg.inputs]
    return "{\n    inputs = " + nixexpr.value(inputs, 2) + ";\n  }"


def render_context(project: Project) -> dict[str, object]:
    pkg = project.package
    drv_outputs = list(dict.fromkeys([*pkg.outputs, "out"]))
    return {
        "src_expr": nixexpr.project_path(pkg.src),
        "source_name": f"{pkg.name}-{pkg.version}-source",
        "drv_outputs": drv_outputs,
        "make_flags": ["PREFIX=$(out)", *pkg.options.make_flags],
        "move_outputs": [o for o in drv_outputs if o != "out"],
    }


def produce(project: Project, nix: Nix, plan: plan_mod.Plan, generated: Path, *,
            run: bool, output: object = None) -> Path | None:
    return None  # everything happens in nix-build


def serial_targets(pkg: Package) -> bool:
    return False


def clean_copy(project: Project, copy: Path, target: str) -> None:
    pass  # nix-build writes nothing into the project
