"""Templates → .nixbuild/: deterministic, self-contained, written atomically.

``plan_files`` computes every generated file in memory (same Project ⇒ same
bytes); ``write`` swaps the new directory into place with renames, so a
reader never sees a half-written ``.nixbuild/`` and two concurrent runs each
leave a complete one.

A render is skipped when it would give the files already there: ``.rendered``
records the key of the last render (nixbuild's version, every template's source,
and the ``repr`` of every value the templates receive) and the sha256 of each
file it made. When the key is the same and every templated file still has its
recorded hash, those files are taken as they are (jinja2 is not even imported:
most of a no-op rebuild's own time was rendering); a file edited by hand, or
any other value, renders again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nixbuild import __version__, nixexpr, platforms, sourcedate
from nixbuild import lock, overlays, pkgset
from nixbuild.builders import all as builders
from nixbuild.atomicfile import claimed_temp, replace_dir
from nixbuild.builders.base import inputs_expr
from nixbuild.config import CONFIG_NAME, Project
from nixbuild.nixexpr import Raw
from nixbuild.resources import nix_dir

if TYPE_CHECKING:
    import jinja2

GENERATED_DIR = ".nixbuild"
RENDER_RECORD = ".rendered"  # in .nixbuild/: the key of the last render and the hash of each file it made
TEMPLATES = Path(__file__).resolve().parent / "templates"
RESULT_DIR = "nixbuild-result"  # images, result links and build logs, per target
LOCK_NAME = lock.LOCK_NAME


@dataclass(frozen=True)
class FileChange:
    path: str  # relative to .nixbuild/
    status: str  # "created" | "changed" | "unchanged" | "removed"


@dataclass(frozen=True)
class RenderReport:
    directory: Path
    changes: tuple[FileChange, ...]

    @property
    def changed(self) -> bool:
        return any(c.status != "unchanged" for c in self.changes)


def jinja_env(**delimiters: str) -> jinja2.Environment:
    """The one jinja2 environment of nixbuild's templates (``delimiters``: other
    markers for templates whose output uses ``{{ }}`` itself, e.g. workflows)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("nixbuild", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        **delimiters,  # type: ignore[arg-type]
    )
    env.filters["nix"] = lambda value, indent=0: nixexpr.value(value, indent)
    return env


def _nixpkgs_expr(project: Project) -> tuple[str, str]:
    source = project.nixpkgs.source
    if source == "hostpkgs":
        return "./hostpkgs", "nixbuild's offline hostpkgs (an impure stand-in for tests)"
    if source == "channel":
        return "<nixpkgs>", "<nixpkgs> from NIX_PATH"
    if source == "path":
        assert project.nixpkgs.path is not None
        return nixexpr.absolute_path(project.nixpkgs.path), "a local nixpkgs checkout"
    pin = lock.required_pin(project)
    return lock.pin_expr(pin), f"nixpkgs pinned in {LOCK_NAME} ({pin.uri})"


def _image_args(project: Project) -> dict[str, object]:
    pkg, img = project.package, project.image
    primary = pkg.outputs[0]
    outputs = [Raw(f"(lib.getOutput {nixexpr.string(o)} package)") for o in pkg.outputs]
    if primary == "bin":
        program_path = Raw(f"(lib.getExe' package {nixexpr.string(pkg.program)})")
    else:
        program_path = Raw(f'("${{lib.getOutput {nixexpr.string(primary)} package}}/bin/" + {nixexpr.string(pkg.program)})')
    if img.entrypoint is None:
        entrypoint: list[object] = [program_path]
    else:
        first, *rest = img.entrypoint
        if "/" in first:
            entrypoint = [first, *rest]
        else:
            named = Raw(f'("${{lib.getOutput {nixexpr.string(primary)} package}}/bin/" + {nixexpr.string(first)})')
            entrypoint = [named, *rest]
    user = None if img.user.uid == 0 else {"name": img.user.name, "uid": img.user.uid, "gid": img.user.gid}
    return {
        "name": img.name,
        "tag": Raw(f"if debug then {nixexpr.string(img.tag + '-debug')} else {nixexpr.string(img.tag)}"),
        "outputs": outputs,
        "extraContents": [Raw(f"({nixexpr.attr_select('pkgs', e)})") for e in img.extra],
        "entrypoint": entrypoint,
        "cmd": list(img.cmd),
        "env": dict(img.env),
        "workdir": img.workdir,
        "user": user,
        "ports": list(img.ports),
        "labels": dict(img.labels),
        "certs": img.certs,
        "withTzdata": img.tzdata,
        "maxLayers": img.max_layers,
        # Explicit, so that a cross-built image is labelled right even where the
        # package set's dockerTools would use the build machine's architecture.
        "architecture": Raw("architecture"),
        "forbidden": Raw("policy.forbidden pkgs package (if debug then debugForbid else forbid)"),
        "osRelease": os_release(project),
        "debugShell": Raw("if debug then pkgs.busybox else null"),
        "created": sourcedate.from_environment(),
    }


def _os_release_value(value: str) -> str:
    escaped = "".join("\\" + ch if ch in '"\\$`' else ch for ch in value.replace("\n", " "))
    return f'"{escaped}"'


def os_release(project: Project) -> str:
    """/etc/os-release naming the image (freedesktop os-release format)."""
    img = project.image
    fields = [
        ("NAME", img.name),
        ("ID", "nixbuild"),
        ("VERSION_ID", img.tag),
        ("PRETTY_NAME", f"{img.name} {img.tag} (nixbuild, distroless)"),
        ("BUILD_ID", f"{project.package.name}-{project.package.version}"),
    ]
    return "".join(f"{key}={_os_release_value(value)}\n" for key, value in fields)


def _target_entry(p: platforms.Platform) -> dict[str, object]:
    return {
        "system": p.system,
        "config": p.cross_config,
        "static": p.static,
        "architecture": p.oci_arch,
        "triple": p.config,
        "shellEnv": platforms.shell_env(p),
        "cargoLinkerVar": "CARGO_TARGET_" + p.rust_target.upper().replace("-", "_") + "_LINKER",
    }


def plan_files(project: Project, existing: dict[str, bytes | None] | None = None) -> dict[str, bytes]:
    """Every file of .nixbuild/, relative path → content. ``existing``: the files there now
    (their templated files are reused when the last render had the same key)."""
    pkg = project.package
    builder = builders.of(pkg)
    nixpkgs_expr, source_comment = _nixpkgs_expr(project)
    plats = {name: _target_entry(platforms.get(name)) for name in project.target.platforms}
    ctx: dict[str, object] = {
        "version": __version__,
        "config_name": CONFIG_NAME,
        "default_target": project.default_target,
        "targets": list(project.target.platforms),
        "platforms": plats,
        "nixpkgs_expr": nixpkgs_expr,
        "overlays_expr": overlays.pkgs_overlays_expr(project),
        "source_comment": source_comment,
        "package": pkg,
        "shell_name": f"{pkg.name}-shell",
        "outputs_comment": "(" + ", ".join(pkg.outputs) + ")",
        "package_args": builder.package_args(pkg),
        "inputs_expr": inputs_expr(pkg, 3),
        "pkgset_asked": pkgset.asked_paths(project),
    }
    jobs: list[tuple[str, str, dict[str, object]]] = [
        ("default.nix.j2", "default.nix", {}),
        ("targets.nix.j2", "targets.nix", {}),
        ("nixpkgs.nix.j2", "nixpkgs.nix", {}),
        ("pkgs.nix.j2", "pkgs.nix", {}),
        ("shell.nix.j2", "shell.nix", {}),
        (builder.TEMPLATE, "package.nix", builder.render_context(project)),
        ("image.nix.j2", "image.nix", {
            "image_args": _image_args(project),
            "forbid": list(project.image.forbid),
            "debug_forbid": [e for e in project.image.forbid if e != "busybox"],
        }),
    ]
    key = _render_key(ctx, jobs)
    files = _reused(existing, key, [out for _, out, _ in jobs])
    if files is None:
        env = jinja_env()
        files = {out: env.get_template(template).render(**ctx, **extra).encode() for template, out, extra in jobs}
    files[RENDER_RECORD] = _render_record(key, files)
    nix = nix_dir()
    _copy_tree(nix / "lib", "lib", files)
    if project.nixpkgs.source == "hostpkgs":
        _copy_tree(nix / "hostpkgs", "hostpkgs", files)
    files.update(overlays.generated_files(project))
    return dict(sorted(files.items()))


def _render_key(ctx: dict[str, object], jobs: list[tuple[str, str, dict[str, object]]]) -> str:
    """What decides the templated files: nixbuild's version, the templates' sources (all of
    them: they include each other), and every value they receive."""
    digest = hashlib.sha256(f"{__version__}\n{ctx!r}\n{jobs!r}\n".encode())
    for template in sorted(TEMPLATES.glob("*.j2")):
        source = template.read_bytes()
        digest.update(f"{template.name}\n{len(source)}\n".encode() + source)
    return digest.hexdigest()


def _render_record(key: str, files: dict[str, bytes]) -> bytes:
    hashes = {out: hashlib.sha256(content).hexdigest() for out, content in sorted(files.items())}
    return json.dumps({"key": key, "sha256": hashes}, indent=1, sort_keys=True).encode() + b"\n"


def _reused(existing: dict[str, bytes | None] | None, key: str, outs: list[str]) -> dict[str, bytes] | None:
    """The templated files as they are in ``existing``, when the last render had ``key`` and
    none of them changed since; else None (render them)."""
    if not existing or not existing.get(RENDER_RECORD):
        return None
    try:
        record = json.loads(existing[RENDER_RECORD])  # type: ignore[arg-type]
        if record["key"] != key or sorted(record["sha256"]) != sorted(outs):
            return None
        files = {}
        for out in outs:
            content = existing.get(out)
            if content is None or hashlib.sha256(content).hexdigest() != record["sha256"][out]:
                return None
            files[out] = content
        return files
    except (ValueError, KeyError, TypeError):
        return None


def _copy_tree(src: Path, prefix: str, files: dict[str, bytes]) -> None:
    for path in sorted(src.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[f"{prefix}/{path.relative_to(src).as_posix()}"] = path.read_bytes()


def _existing(directory: Path) -> dict[str, bytes | None]:
    """The current files of ``directory``; retried when a concurrent run swaps it meanwhile.
    A file that cannot be read is None (it counts as changed)."""
    def read(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise
        except OSError:
            return None

    for _ in range(20):
        if not directory.is_dir():
            return {}
        try:
            return {p.relative_to(directory).as_posix(): read(p)
                    for p in sorted(directory.rglob("*")) if p.is_file()}
        except FileNotFoundError:
            continue
    return {}


def diff(directory: Path, files: dict[str, bytes], old: dict[str, bytes | None] | None = None) -> tuple[FileChange, ...]:
    old = _existing(directory) if old is None else old
    changes = []
    for path, content in files.items():
        status = "created" if path not in old else ("unchanged" if old[path] == content else "changed")
        changes.append(FileChange(path, status))
    changes.extend(FileChange(path, "removed") for path in old if path not in files)
    return tuple(sorted(changes, key=lambda c: c.path))


def write(project: Project, dry_run: bool = False) -> RenderReport:
    """Render .nixbuild/ for ``project``; replace it only if something changed."""
    directory = project.root / GENERATED_DIR
    old = _existing(directory)
    files = plan_files(project, old)
    changes = diff(directory, files, old)
    report = RenderReport(directory=directory, changes=changes)
    if dry_run or not report.changed:
        return report
    with claimed_temp(project.root, ".nixbuild.new-", directory=True) as tmp:
        for rel, content in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        os.chmod(tmp, 0o755)
        replace_dir(tmp, directory)
    return report
