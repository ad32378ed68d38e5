"""The steps of `nixbuild generate | build | shell | image`, as plain functions.

Each step takes a Project and a Nix runner and returns a typed result; the CLI
only parses flags and prints these results.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from nixbuild import config as config_mod
from nixbuild import imagerecord, pkgset, platforms, projectlock, render
from nixbuild import plan as plan_mod
from nixbuild.builders import all as builders
from nixbuild.atomicfile import claimed_temp, replace_dir, staged
from nixbuild.config import Project
from nixbuild.errors import BuildCommandError, ImageRefusedError, NixbuildError, NixFailedError, UsageError
from nixbuild import nix as nix_mod
from nixbuild.nix import HOSTPKGS_NIX_CONFIG, DisallowedReferenceError, Log, Nix

# Modules that only a build (not a rebuild that finds its image current) needs are
# imported where they are used: a no-op `nixbuild image` is mostly Python's start-up.
if TYPE_CHECKING:
    from nixbuild import fixup as fixup_mod
    from nixbuild import image as image_mod
    from nixbuild import layers as layers_mod
    from nixbuild import oci
    from nixbuild.builders.base import Builder
    from nixbuild import proof as proof_mod
    from nixbuild import smoke as smoke_mod

RESULT_DIR = render.RESULT_DIR


@dataclass(frozen=True)
class StorePath:
    path: str
    size: int  # NAR size in bytes


@dataclass(frozen=True)
class BuildOutcome:
    target: str
    builder: str
    out_paths: tuple[str, ...]  # hermetic: the package's outputs
    artifact: tuple[Path, ...] | None  # shell: the files and directories the build command produced


@dataclass(frozen=True)
class ImageOutcome:
    target: str
    file: Path  # the OCI image layout (``oci:FILE:TAG``)
    stream_script: str | None  # the build-platform stream script (None: streamed on a remote builder)
    stream_conf: str | None  # its argument, the image's conf (None: remote)
    info: image_mod.ImageInfo
    store_paths: tuple[StorePath, ...]
    manifest_digest: str = ""  # the OCI manifest's, in the layout
    archive: Path | None = None  # the docker-archive, when one was asked for
    debug_file: Path | None = None  # the -debug variant's layout ([image] debug = true)
    debug_archive: Path | None = None
    plan: plan_mod.Plan | None = None  # how it was built (native, cross, remote)
    proof: proof_mod.Proof | None = None  # the closure proof (None: skipped with --no-check)
    tests: tuple[smoke_mod.Result, ...] | None = None  # [test] results (None: no [test], or skipped)
    fixup: tuple[fixup_mod.FixedFile, ...] | None = None  # prebuilt artifacts: what the fix-up changed per ELF file
    streamed: tuple[str, ...] = ()  # digests of the layers the stream script made in this run (others: cached)
    unchanged: bool = False  # the image in nixbuild-result already was this one: nothing was written

    @property
    def reference(self) -> str:
        return self.info.repo_tags[0] if self.info.repo_tags else ""


def load_project(project_dir: Path, log: Log = lambda line: None) -> Project:
    """The project, held for the rest of this run (one nixbuild at a time per project;
    ``log`` says so when this one waits)."""
    project = config_mod.load(project_dir)
    projectlock.hold(project.root, log)
    return project


def make_nix(project: Project, *, verbose: bool = False, log: Log = lambda line: None) -> Nix:
    extra = HOSTPKGS_NIX_CONFIG if project.nixpkgs.source == "hostpkgs" else ()
    return Nix(extra_config=extra, verbose=verbose, log=log, root=project.root)


def resolve_target(project: Project, target: str | None) -> str:
    """A configured target name (the default target when None)."""
    name = target or project.default_target
    platforms.get(name)  # unknown names: an error listing the valid ones
    if name not in project.target.platforms:
        raise UsageError(
            f"target {name!r} is not in [target] platforms of {config_mod.CONFIG_NAME}",
            hint="configured: " + ", ".join(project.target.platforms),
        )
    return name


def resolve_targets(project: Project, targets: tuple[str, ...]) -> tuple[str, ...]:
    """`--target` values: none → the default; "all" → every configured target."""
    if not targets:
        return (project.default_target,)
    names: list[str] = []
    for t in targets:
        names.extend(project.target.platforms if t == "all" else [resolve_target(project, t)])
    return tuple(dict.fromkeys(names))


def plan_target(nix: Nix, target: str, host: str | None = None) -> plan_mod.Plan:
    host = host or platforms.host_system()
    remote: tuple[plan_mod.Builder, ...] = ()
    if not host.endswith("-linux"):
        remote = plan_mod.parse_builders(nix.show_config().get("builders", ""))
    return plan_mod.plan(host, platforms.get(target), remote)


def generate(project: Project, *, dry_run: bool = False) -> render.RenderReport:
    return render.write(project, dry_run=dry_run)


def _generated(project: Project) -> Path:
    return project.root / render.GENERATED_DIR


def result_dir(project: Project, target: str) -> Path:
    return project.root / RESULT_DIR / target


def argstrs(plan: plan_mod.Plan) -> dict[str, str]:
    return {"target": plan.target, "buildSystem": plan.build_system}


class PolicyViolationError(NixFailedError):
    """A forbidden path is in the image's closure; the message has the chain."""


def _matching_entries(nix: Nix, project: Project, plan: plan_mod.Plan, path: str) -> list[str]:
    resolved = nix.eval_json(_generated(project), "image.nixbuildPolicy", argstrs=argstrs(plan))
    return [item["entry"] for item in resolved if path in item["paths"]]


def policy_violation(project: Project, nix: Nix, plan: plan_mod.Plan, exc: DisallowedReferenceError) -> NixbuildError:
    """Explain a closure-policy failure: the forbidden path and the chain that pulled it in."""
    from nixbuild import closure

    roots = nix.eval_json(_generated(project), "image.nixbuild.roots", argstrs=argstrs(plan))
    graph = closure.Graph.of(nix, roots)
    chains = []
    for path in exc.paths:
        chain = graph.chain(roots, path)
        chains.append(" → ".join(closure.short(p) for p in chain) if chain else closure.short(path))
    first = exc.paths[0]
    entries = _matching_entries(nix, project, plan, first)
    allow = " ".join(f"--allow {e}" for e in entries) or "--allow ENTRY"
    return PolicyViolationError(
        f"closure policy: {closure.short(first)} must not be in the image ([image] forbid); pulled in by: {chains[0]}",
        hint=f"remove that dependency, or accept it with `nixbuild image {allow}` or by editing [image] forbid",
        details="\n".join(f"forbidden: {p}\n  chain: {c}" for p, c in zip(exc.paths, chains, strict=True)),
    )


def allow(project: Project, entries: tuple[str, ...]) -> Project:
    """The project with some closure-policy entries lifted for this run."""
    for entry in entries:
        if entry not in project.image.forbid:
            raise UsageError(f"--allow {entry}: not an entry of [image] forbid",
                             hint="entries: " + ", ".join(project.image.forbid))
    image = dataclasses.replace(project.image, forbid=tuple(e for e in project.image.forbid if e not in entries))
    return dataclasses.replace(project, image=image)


def build(project: Project, nix: Nix, target: str, output: object = None) -> BuildOutcome:
    generate(project)
    plan = plan_target(nix, target)
    builder = builders.of(project.package)
    check_first(project, nix, plan, builder, run=True)
    artifact = builder.produce(project, nix, plan, _generated(project), run=True, output=output)
    if artifact is not None:
        return BuildOutcome(target=target, builder=builder.NAME, out_paths=(), artifact=artifact)
    try:
        result = nix.build(
            _generated(project),
            "package",
            out_link=result_dir(project, target) / "package",
            argstrs=argstrs(plan),
        )
    except NixbuildError as exc:
        raise pkgset.explained(project, nix, plan, exc) from None
    return BuildOutcome(target=target, builder=builder.NAME, out_paths=result.out_paths, artifact=None)


def check_first(project: Project, nix: Nix, plan: plan_mod.Plan, builder: Builder, *, run: bool) -> None:
    """The package-set entries, checked before a build command runs outside Nix (a prebuilt
    artifact's builder: the command may take minutes). Hermetic builds need no step of their
    own: the evaluation refuses a wrong entry (pkgset.py), and ``pkgset.explained`` says which."""
    if run and builder.FIXUP_OUTPUT is not None:
        pkgset.check(project, nix, plan)


def image(
    project: Project, nix: Nix, target: str, *, build_first: bool = True, output: object = None,
    generated: bool = False, check: bool = True, archive: bool = False,
) -> ImageOutcome:
    """Build the image of ``target`` into nixbuild-result/TARGET/: an OCI layout whose
    layers are hard links into the layer cache (layers.py), and the docker-archive too with
    ``archive`` (or ``[image] archive``). With ``check``, the layout gets its final name only
    after the closure proof and the [test] smoke tests passed; a refused image leaves no
    image of the target behind. When the project evaluates to the image nixbuild-result
    already holds (imagerecord.py), nothing is streamed or written."""
    archive = archive or project.image.archive
    if not generated:
        generate(project)
    plan = plan_target(nix, target)
    builder = builders.of(project.package)
    check_first(project, nix, plan, builder, run=build_first)
    builder.produce(project, nix, plan, _generated(project), run=build_first, output=output)
    try:
        if plan.how == "remote":
            # The stream script is Linux code this host may not run: the builder
            # writes the archive into the store and Nix copies it back.
            try:
                built = nix.build(_generated(project), "imageArchive",
                                  out_link=result_dir(project, target) / "archive", argstrs=argstrs(plan))
            except DisallowedReferenceError as exc:
                raise policy_violation(project, nix, plan, exc) from None
            from nixbuild import layers as layers_mod

            assembled = layers_mod.from_archive(Path(built.out_paths[0]))
            script, conf, outputs = None, None, None
            recorded = imagerecord.read(project, target)
        else:
            inputs = build_stream_inputs(project, nix, plan, "image", outputs=check,
                                         meanwhile=lambda: _preload(_RECORD_MODULES))
            script, conf, outputs = inputs.script, inputs.conf, inputs.outputs
            recorded = imagerecord.read(project, target)
            done = imagerecord.current(project, target, conf, check=check, data=recorded)
            if done is not None:
                return _unchanged(project, done, archive=archive)
            from nixbuild import layers as layers_mod

            assembled = layers_mod.assemble(nix, script, conf)
        from nixbuild import image as image_mod
        from nixbuild import oci

        layout = image_file(project, target)
        with claimed_temp(layout.parent, f".{layout.name}.", ".tmp", directory=True) as tmp:
            written = oci.fill_layout(assembled, tmp, project.image.tag)
            info = dataclasses.replace(image_mod.read_layout(tmp), path=layout)
            proven = prove(project, nix, plan, tmp, info, outputs) if check else None
            tested = smoke_test(project, nix, plan, tmp, info) if check else None
            replace_dir(tmp, layout)
    except ImageRefusedError:
        withdraw(project, target)
        raise
    except NixbuildError as exc:  # building the package: its fix-up may have found a library nowhere
        raise (missing_library_error(builder.FIXUP_OUTPUT, exc) or pkgset.explained(project, nix, plan, exc)) from None
    archive_file = _archive(project, target, assembled, archive)
    fixed = read_fixup(project, nix, plan, builder.FIXUP_OUTPUT) if builder.FIXUP_OUTPUT else None
    sizes = imagerecord.known_sizes(recorded)
    sizes.update(nix.sizes([p for p in info.store_paths if p not in sizes]))
    store_paths = tuple(StorePath(p, sizes[p]) for p in info.store_paths)
    debug_file = debug_archive = None
    streamed = assembled.streamed
    if project.image.debug:
        debug_file = image_file(project, target, debug=True)
        if plan.how == "remote":
            raise UsageError("[image] debug on a remote plan is not supported",
                             hint="build the debug variant on a Linux host")
        debug_inputs = build_stream_inputs(project, nix, plan, "imageDebug")
        debug = layers_mod.assemble(nix, debug_inputs.script, debug_inputs.conf)
        oci.write_layout(debug, debug_file, f"{project.image.tag}-debug")
        debug_archive = _archive(project, target, debug, archive, debug=True)
        streamed += debug.streamed
    outcome = ImageOutcome(target=target, file=layout, stream_script=script, stream_conf=conf, info=info,
                           store_paths=store_paths, manifest_digest=written.manifest_digest, archive=archive_file,
                           debug_file=debug_file, debug_archive=debug_archive, plan=plan, proof=proven,
                           tests=tested, fixup=fixed, streamed=streamed)
    if conf is not None:
        imagerecord.write(project, outcome, check=check)
    return outcome


# What reading the image record (imagerecord.current) and reporting it import, then what a build does.
_RECORD_MODULES = ("nixbuild.fixup", "nixbuild.image", "nixbuild.proof", "nixbuild.smoke", "nixbuild.report",
                   "nixbuild.layers", "nixbuild.oci")


def _preload(modules: Sequence[str]) -> None:
    """Import ``modules`` in a thread while Nix evaluates (started once ``nix-build`` runs, so
    that it does not hold up its start): a rebuild that finds its image current is mostly
    Python's start-up, and this takes the imports it needs after the evaluation off its
    path. Imported in the order the main thread imports them, so neither waits on a lock
    the other holds in reverse."""
    import importlib
    import threading

    def run() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # the main thread's own import reports it
                return

    threading.Thread(target=run, name="nixbuild-preload", daemon=True).start()


def _archive(project: Project, target: str, image: layers_mod.Assembled, wanted: bool, *,
             debug: bool = False) -> Path | None:
    """The docker-archive of ``image`` when ``wanted``; otherwise an earlier one is removed
    (it would show an older image under the current name)."""
    from nixbuild import oci

    path = archive_file(project, target, debug=debug)
    if not wanted:
        if path.is_file() and not path.is_symlink():
            path.unlink()
        return None
    with staged(path) as tmp:
        oci.write_docker_archive(image.config, image.layers, image.repo_tag, tmp)
    return path


def _unchanged(project: Project, outcome: ImageOutcome, *, archive: bool) -> ImageOutcome:
    """The recorded image, reported again; a docker-archive asked for now is written from its layout."""
    if archive and outcome.archive is None:
        from nixbuild import layers as layers_mod
        from nixbuild import oci

        for debug, layout in ((False, outcome.file), (True, outcome.debug_file)):
            if layout is None:
                continue
            written = oci.read_layout(layout)
            path = _archive(project, outcome.target, layers_mod.Assembled(
                written.config, written.layers, written.repo_tag, (), full=False), True, debug=debug)
            outcome = dataclasses.replace(outcome, **{"debug_archive" if debug else "archive": path})
        imagerecord.write(project, outcome, check=outcome.proof is not None)
    return dataclasses.replace(outcome, streamed=(), unchanged=True)


STREAM_LINKS = {"image": "stream", "imageDebug": "stream-debug"}


@dataclass(frozen=True)
class StreamInputs:
    conf: str  # passthru.conf: the JSON naming every layer
    script: str  # passthru.streamScript, for the build platform
    outputs: tuple[str, ...] | None  # the package's outputs in the image (None: not asked for)


def build_stream_inputs(project: Project, nix: Nix, plan: plan_mod.Plan, attr: str, *,
                        outputs: bool = False, meanwhile: Callable[[], None] | None = None) -> StreamInputs:
    """One ``nix-build`` (one evaluation) of the image's ``passthru.conf`` (building it builds
    the package and enforces the closure policy), its ``passthru.streamScript`` and, with
    ``outputs``, the package's outputs the closure proof checks. Linked at
    ``nixbuild-result/TARGET/<link>-conf`` and ``<link>-script`` (left as they are when
    they already point there).

    ``streamLayeredImage``'s own result, the ``stream-<name>`` wrapper, is
    never built nor run: before nixpkgs PR 536230 a cross set's wrapper has
    the target's shell as its ``#!``. Its ``passthru.streamScript`` is built
    for the build platform, and ``passthru.conf`` names every layer; this
    works on every nixpkgs of the supported window, cross and native."""
    link = result_dir(project, plan.target) / STREAM_LINKS[attr]
    attrs = [f"{attr}.conf", f"{attr}.streamScript", *([f"{attr}.nixbuild.outputDrvs"] if outputs else [])]
    try:
        built = nix.build_linked(_generated(project), attrs, {0: Path(f"{link}-conf"), 1: Path(f"{link}-script")},
                                 argstrs=argstrs(plan), meanwhile=meanwhile)
    except DisallowedReferenceError as exc:
        raise policy_violation(project, nix, plan, exc) from None
    conf, script, *rest = built.out_paths
    return StreamInputs(conf, script, tuple(rest) if outputs else None)


def image_file(project: Project, target: str, *, debug: bool = False) -> Path:
    """The target's OCI image layout: nixbuild-result/TARGET/NAME-TAG.oci."""
    return archive_file(project, target, debug=debug).with_suffix(".oci")


def archive_file(project: Project, target: str, *, debug: bool = False) -> Path:
    """The target's docker-archive, when asked for: nixbuild-result/TARGET/NAME-TAG.tar."""
    name = f"{project.image.name.replace('/', '-')}-{project.image.tag}{'-debug' if debug else ''}.tar"
    return result_dir(project, target) / name


def prove(project: Project, nix: Nix, plan: plan_mod.Plan, archive: Path, info: image_mod.ImageInfo,
          outputs: Sequence[str] | None = None) -> proof_mod.Proof:
    """The closure proof of a written image: its entrypoint and the package's ELF files (of
    ``outputs``, else evaluated here) can start."""
    from nixbuild import imagefs
    from nixbuild import proof as proof_mod

    if outputs is None:
        outputs = nix.eval_json(_generated(project), "image.nixbuild.outputs", argstrs=argstrs(plan))
    tree = imagefs.ImageTree.read(archive)
    return proof_mod.prove(tree, platform=platforms.get(plan.target), outputs=outputs, config=info.config)


def smoke_test(project: Project, nix: Nix, plan: plan_mod.Plan, archive: Path,
               info: image_mod.ImageInfo) -> tuple[smoke_mod.Result, ...] | None:
    """[test]: run the smoke tests in the written archive (None when there are none, or when
    this host cannot run Linux programs: it says so)."""
    from nixbuild import smoke

    if not project.tests:
        return None
    if not platforms.host_system().endswith("-linux"):
        nix.log(f"nixbuild: warning: [test] skipped: {platforms.host_system()} cannot run the image's programs "
                "(run `nixbuild test` on Linux)")
        return None
    return smoke.run_tests(project.tests, archive, platforms.get(plan.target), info.config, verbose=nix.verbose,
                           log=nix.log)


def withdraw(project: Project, target: str) -> None:
    """Remove the target's image (layouts, archives, stream links, record): it was refused."""
    outdir = result_dir(project, target)
    imagerecord.remove(project, target)
    links = [outdir / f"{name}-{part}" for name in STREAM_LINKS.values() for part in ("script", "conf")]
    for debug in (False, True):
        layout = image_file(project, target, debug=debug)
        if layout.is_dir() and not layout.is_symlink():
            shutil.rmtree(layout)
    for path in (archive_file(project, target), archive_file(project, target, debug=True), *links):
        if path.is_symlink() or path.is_file():
            path.unlink()


def existing_image(project: Project, nix: Nix, target: str) -> Path | None:
    """The image (OCI layout) nixbuild-result already holds for ``target`` when it is the one
    the project builds now, else None; nothing is built: the conf the project evaluates to is
    the one its record names (imagerecord.current), and the layout is intact."""
    try:
        recorded = imagerecord.read(project, target)
        if recorded is None:
            return None
        generate(project)
        plan = plan_target(nix, target)
        if plan.how == "remote":
            return None
        expected = nix.eval_json(_generated(project), "image.conf.outPath", argstrs=argstrs(plan))
    except (NixbuildError, OSError):
        return None
    outcome = imagerecord.current(project, target, expected, check=False, data=recorded)
    return outcome.file if outcome is not None else None


def missing_library_error(fixup_output: str | None, exc: NixbuildError) -> NixbuildError | None:
    """A prebuilt artifact's fix-up found no library for a needed name: the build
    linked one that is neither in the artifact nor among [package] inputs."""
    if fixup_output is None:
        return None
    from nixbuild import fixup as fixup_mod

    missing = fixup_mod.missing_libraries("\n".join(filter(None, (exc.message, exc.details, exc.log))))
    if not missing:
        return None
    file, library = missing[0]
    known = fixup_mod.provider_hint(library)
    example = f'inputs = ["{known}"]' if known else "the package set's attribute for it"
    more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
    return BuildCommandError(
        f"{file} needs {library}, which neither the artifact nor [package] inputs provide{more}; "
        "the build linked a library from outside the package set",
        hint=f"add the package that provides {library} to [package] inputs in {config_mod.CONFIG_NAME}, "
             f"e.g. {example}; or, if the build makes it, list it in [package] artifact",
        details=exc.details,
        log=exc.log,
    )


def read_fixup(project: Project, nix: Nix, plan: plan_mod.Plan, output: str) -> tuple[fixup_mod.FixedFile, ...]:
    """What the fix-up changed in each ELF file of a prebuilt artifact: the record
    in the package's ``output``, built with the image."""
    from nixbuild import fixup as fixup_mod

    result = nix.build(_generated(project), f"package.{output}", out_link=result_dir(project, plan.target) / "package",
                       argstrs=argstrs(plan))
    return fixup_mod.read(Path(result.out_paths[0]))

@dataclass(frozen=True)
class TargetResult:
    target: str
    outcome: ImageOutcome | None
    error: NixbuildError | None


@dataclass(frozen=True)
class ManyOutcome:
    results: tuple[TargetResult, ...]
    index: oci.IndexResult | None
    left_out: tuple[str, ...] = ()  # targets whose platform another target already has in the index

    @property
    def failed(self) -> tuple[TargetResult, ...]:
        return tuple(r for r in self.results if r.error is not None)


def image_many(
    project: Project,
    targets: tuple[str, ...],
    *,
    jobs: int = 1,
    verbose: bool = False,
    log: Log = lambda line: None,
    build_first: bool = True,
    output: object = None,
    check: bool = True,
    archive: bool = False,
) -> ManyOutcome:
    """Images for several targets, ``jobs`` at a time; one failure does not stop
    the others. With more than one target and no failure, also writes the
    multi-platform OCI index at nixbuild-result/index."""
    import concurrent.futures
    import threading

    from nixbuild import oci

    generate(project)
    # Shell builds that write one artifact path for every target must not overlap.
    shared_artifact = builders.of(project.package).serial_targets(project.package)
    artifact_lock = threading.Lock()

    def one(target: str) -> TargetResult:
        nix = make_nix(project, verbose=verbose, log=lambda line: log(f"[{target}] {line}"))
        try:
            if shared_artifact:
                with artifact_lock:
                    outcome = image(project, nix, target, build_first=build_first, output=output, generated=True,
                                    check=check, archive=archive)
            else:
                outcome = image(project, nix, target, build_first=build_first, output=output, generated=True,
                                check=check, archive=archive)
            return TargetResult(target, outcome, None)
        except NixbuildError as exc:
            if not nix_mod.stopping():  # after Ctrl-C, the one line is the interruption's
                log(f"[{target}] failed: {exc.message}")
            return TargetResult(target, None, exc)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = tuple(pool.map(one, targets))
    index = None
    left_out: list[str] = []
    if len(targets) > 1 and not any(r.error for r in results):
        images: list[tuple[platforms.Platform, Path]] = []
        seen: set[str] = set()
        for r in results:
            plat = platforms.get(r.target)
            if plat.oci_platform in seen:  # one manifest per platform: the first configured wins
                left_out.append(r.target)
                continue
            seen.add(plat.oci_platform)
            assert r.outcome is not None
            images.append((plat, r.outcome.file))
        index = oci.write_index(images, project.root / RESULT_DIR / "index", project.image.tag)
    return ManyOutcome(results=results, index=index, left_out=tuple(left_out))
