"""hostpkgs' imported libraries (nix/hostpkgs/pkgs/libraries.json) against
nixpkgs' facts (outputs per platform: tests/data/nixpkgs-interface.json;
file placement: tests/data/nixpkgs-libraries.json), built for every target
the table supports, each linked into a probe program
(tests/projects/libprobes/<attr>.c) that calls it and checks the result, run
with nothing but its closure visible: bwrap for x86_64, qemu-user inside
bwrap for aarch64 and armv7l, and statically linked for pkgsStatic where the
table offers it. Targets and static variants the table cannot serve must be
refused at evaluation time with one line naming the target and the reason."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.nix.conftest import HOSTPKGS, REPO

pytestmark = pytest.mark.nix

TABLE = json.loads((HOSTPKGS / "pkgs" / "libraries.json").read_text())["libraries"]
FACTS_FILE = json.loads((REPO / "tests" / "data" / "nixpkgs-libraries.json").read_text())
FACTS = FACTS_FILE["libraries"]
INTERFACE = json.loads((REPO / "tests" / "data" / "nixpkgs-interface.json").read_text())


def _nixpkgs_outputs(attr: str, platform: str = "x86_64-linux") -> list[str]:
    return INTERFACE["outputs"][attr]["platforms"][platform]


PROBES = REPO / "tests" / "projects" / "libprobes"
NAMES = sorted(TABLE)

# hostpkgs CPU -> pkgsCross name ("" is the native set) and the qemu-user
# program that runs its binaries here.
TARGETS = {"x86_64": "", "aarch64": "aarch64-multiplatform", "armv7l": "armv7l-hf-multiplatform"}
QEMU = {"aarch64": "qemu-aarch64-static", "armv7l": "qemu-arm-static"}
STATIC = sorted(n for n, e in TABLE.items() if "unavailable" not in e.get("static", {"unavailable": ""}))
NOT_STATIC = sorted(set(NAMES) - set(STATIC))

OUTPUT_VARIABLES = ("outputBin", "outputDev", "outputInclude", "outputLib", "outputDoc", "outputMan", "outputDevman", "outputInfo")


def _set_expr(cpu: str, static: bool = False) -> str:
    cross = TARGETS[cpu]
    pkgs = "(import <hostpkgs> { })" + (f".pkgsCross.{cross}" if cross else "")
    return pkgs + (".pkgsStatic" if static else "")


def _link_flags(attr: str) -> str:
    first = (PROBES / f"{attr}.c").read_text().splitlines()[0]
    m = re.fullmatch(r"/\* link: (.*) \*/", first)
    assert m, f"{attr}.c must start with /* link: … */"
    return m.group(1)


def _probes_nix(cpu: str, static: bool, names: list[str]) -> str:
    """A package set of probe programs, one per library."""
    entries = "\n".join(
        f'  {n} = probe "{n}" {json.dumps(_link_flags(n))};' for n in names
    )
    return f"""let
  pkgs = {_set_expr(cpu, static)};
  probe = name: flags: pkgs.stdenv.mkDerivation {{
    pname = "probe-${{name}}";
    version = "1";
    src = ./src;
    buildInputs = [ pkgs.${{name}} ];
    buildPhase = "$CC -O1 -o probe-${{name}} ${{name}}.c ${{flags}}";
    installPhase = "mkdir -p $out/bin && cp probe-${{name}} $out/bin/";
  }};
in {{
{entries}
}}
"""


def _run_isolated(nix, program: Path, roots: list[Path], cpu: str) -> subprocess.CompletedProcess[str]:
    """Run program in bwrap with only the closures of roots mounted (no /usr,
    an empty environment, a fresh /tmp); a foreign program under qemu-user."""
    if shutil.which("bwrap") is None:
        pytest.fail("bwrap is needed to run the probes isolated")
    binds: list[str] = []
    for p in sorted(set().union(*(nix.closure(r) for r in roots))):
        binds += ["--ro-bind", p, p]
    argv = [str(program)]
    if cpu in QEMU:
        qemu = shutil.which(QEMU[cpu])
        assert qemu, f"{QEMU[cpu]} is needed to run {cpu} probes (make setup installs qemu-user-static)"
        binds += ["--ro-bind", qemu, "/qemu"]
        argv = ["/qemu", *argv]
    return subprocess.run(
        ["bwrap", *binds, "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev",
         "--unshare-all", "--die-with-parent", "--clearenv", *argv],
        check=False, capture_output=True, text=True, timeout=120,
    )


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir() or p.is_symlink()}


def _is_elf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


# --------------------------------------------------------------- the table --

def test_every_library_has_facts_and_a_probe() -> None:
    assert sorted(FACTS) == NAMES
    assert sorted(p.stem for p in PROBES.glob("*.c") if p.stem != "main") == NAMES
    required = {"libxcrypt", "sqlite", "ncurses", "readline", "libevent", "pcre2", "zstd", "xz", "bzip2", "lz4",
                "libffi", "expat", "libyaml", "libuv", "curl", "libcap", "icu", "openssl", "zlib"}
    assert required <= set(NAMES)


@pytest.mark.parametrize("attr", NAMES)
def test_table_entry_follows_nixpkgs(attr: str) -> None:
    entry, facts = TABLE[attr], FACTS[attr]
    assert entry["nixpkgs"] == facts["source"]
    assert facts["revision"] == INTERFACE["outputs"][attr]["revision"] in INTERFACE["revisions"]
    # mkDerivation appends `debug` for separateDebugInfo, as nixpkgs'.
    debug = ["debug"] if entry.get("separateDebugInfo") else []
    assert entry["outputs"] + debug == _nixpkgs_outputs(attr)
    assert entry.get("pname", attr) == facts.get("pname", attr)
    # Output variables nixpkgs sets are set the same way.
    for var, value in facts.get("set", {}).items():
        if var in OUTPUT_VARIABLES or var == "propagatedBuildOutputs":
            assert entry.get("set", {}).get(var) == value, var
    # Every moveToOutput nixpkgs does is in the entry, in the same direction.
    moves = {src: out for src, out in entry.get("move", [])}
    for src, out in facts.get("moveToOutput", {}).items():
        if src == "lib/libz.a":
            assert entry.get("archives") == out
        else:
            assert moves.get(src) == out, src
    static = entry["static"]
    static_debug = ["debug"] if static.get("separateDebugInfo", entry.get("separateDebugInfo")) else []
    assert static.get("outputs", entry["outputs"]) + static_debug == _nixpkgs_outputs(attr, "x86_64-linux-static")
    if "static" in facts:
        assert "unavailable" not in static
    for key in ("mainProgram", "pkgConfigModules"):
        if key in facts:
            assert entry["meta"].get(key) == facts[key], key


@pytest.fixture(scope="module")
def package_attrs(module_nix) -> dict:
    return module_nix.eval_json(
        "let pkgs = import <hostpkgs> { }; in pkgs.lib.genAttrs "
        f"[ {' '.join(json.dumps(n) for n in NAMES)} ] (n: {{ "
        "inherit (pkgs.${n}) outputs pname version; "
        "mainProgram = pkgs.${n}.meta.mainProgram or null; "
        "pkgConfigModules = pkgs.${n}.meta.pkgConfigModules or null; "
        "debianPackages = pkgs.${n}.hostpkgsImport.debianPackages; })"
    )


@pytest.mark.parametrize("attr", NAMES)
def test_package_has_nixpkgs_outputs_and_meta(package_attrs, attr: str) -> None:
    got, facts = package_attrs[attr], FACTS[attr]
    assert got["outputs"] == _nixpkgs_outputs(attr)
    assert got["pname"] == facts.get("pname", attr)
    assert re.fullmatch(r"[0-9][0-9a-z.]*", got["version"]), got["version"]
    for key in ("mainProgram", "pkgConfigModules"):
        if key in facts:
            assert got[key] == facts[key]
    assert got["debianPackages"] == [f"{p}:amd64" for p in TABLE[attr]["debian"]["packages"]]


def test_cross_and_static_names_carry_the_host_suffix(module_nix) -> None:
    """nixpkgs builds these libraries with a C compiler, so a cross or static
    set's derivations are named pname[-static]-<config>-version."""
    got = module_nix.eval_json(
        "let pkgs = import <hostpkgs> { }; in { "
        "native = pkgs.sqlite.name; cross = pkgs.pkgsCross.armv7l-hf-multiplatform.sqlite.name; "
        "static = pkgs.pkgsStatic.zlib.name; version = pkgs.sqlite.version; zv = pkgs.zlib.version; }"
    )
    v, zv = got["version"], got["zv"]
    assert got["native"] == f"sqlite-{v}"
    assert got["cross"] == f"sqlite-armv7l-unknown-linux-gnueabihf-{v}"
    assert got["static"] == f"zlib-static-x86_64-unknown-linux-musl-{zv}"


# ---------------------------------------------------- native build, placement --

@pytest.fixture(scope="module")
def built(module_nix) -> dict[str, dict[str, Path]]:
    """attr -> output -> store path, every table library built natively."""
    nix = module_nix
    outputs = nix.eval_json(
        "let pkgs = import <hostpkgs> { }; in pkgs.lib.genAttrs "
        f"[ {' '.join(json.dumps(n) for n in NAMES)} ] "
        "(n: pkgs.lib.genAttrs pkgs.${n}.outputs (o: pkgs.${n}.${o}.outPath))"
    )
    nix.write(
        "libs.nix",
        "let pkgs = import <hostpkgs> { }; in builtins.concatLists (map (n: pkgs.${n}.all) "
        f"[ {' '.join(json.dumps(n) for n in NAMES)} ])\n",
    )
    nix.build("libs.nix", link="result-libs", extra=["--max-jobs", "2"])
    return {a: {o: Path(p) for o, p in outs.items()} for a, outs in outputs.items()}


@pytest.mark.parametrize("attr", NAMES)
def test_files_are_where_nixpkgs_puts_them(built, attr: str) -> None:
    outs = built[attr]
    assert sorted(outs) == sorted(_nixpkgs_outputs(attr))
    for output, globs in FACTS[attr]["files"].items():
        present = _files(outs[output])
        for pattern in globs:
            assert fnmatch.filter(present, pattern), f"{attr}.{output} has no {pattern}: {sorted(present)[:40]}"
    # No shared output holds static archives unless nixpkgs keeps them there.
    archives_output = TABLE[attr].get("archives")
    for output, path in outs.items():
        if output != archives_output:
            assert not [f for f in _files(path) if f.endswith(".a")], (attr, output)


@pytest.mark.parametrize("attr", NAMES)
def test_dev_output_names_only_store_paths(built, attr: str) -> None:
    outs = built[attr]
    dev = outs.get("dev", outs["out"])
    pcs = [*dev.glob("lib/pkgconfig/*.pc"), *dev.glob("share/pkgconfig/*.pc")]
    if FACTS[attr].get("pkgConfigModules"):
        assert pcs, attr
    for pc in pcs:
        if pc.is_symlink():
            continue
        text = pc.read_text()
        assert "/usr" not in text, (pc, text)
        libdir = re.search(r"^libdir\s*=\s*(\S+)", text, re.M)
        if libdir:
            assert libdir.group(1).startswith("/nix/store/") or libdir.group(1).startswith("${"), text
    # The dev output propagates what nixpkgs' multiple-outputs.sh makes it
    # propagate (or the package's own propagatedBuildOutputs), plus the
    # package's propagatedBuildInputs.
    if "dev" not in outs:
        return
    propagated = set((dev / "nix-support" / "propagated-build-inputs").read_text().split())
    variables = {"outputBin": "bin" if "bin" in outs else "out", "outputLib": "lib" if "lib" in outs else "out"}
    variables.update({k: v for k, v in TABLE[attr].get("set", {}).items() if k in OUTPUT_VARIABLES})
    wanted = TABLE[attr].get("set", {}).get("propagatedBuildOutputs") or {variables["outputBin"], variables["outputLib"]} - {"dev"}
    own = {str(p) for p in outs.values()}
    assert propagated & own == {str(outs[o]) for o in wanted}, attr
    for dep in TABLE[attr].get("propagate", []):
        assert str(built[dep]["dev"]) in propagated or str(built[dep]["out"]) in propagated, dep


def test_no_library_is_copied_into_another(built) -> None:
    """A library another table entry provides is referenced from there, never
    bundled: each shared object (by file name) is in one package only."""
    owner: dict[str, str] = {}
    for attr, outs in built.items():
        for path in outs.values():
            for f in (path / "lib").glob("*.so*") if (path / "lib").is_dir() else []:
                if f.is_symlink() or not _is_elf(f):
                    continue
                assert owner.setdefault(f.name, attr) == attr, f"{f.name} is in {owner[f.name]} and {attr}"


def test_xz_and_bzip2_are_the_stdenv_tools(module_nix, built) -> None:
    """nixpkgs' final stage inherits xz and bzip2 from the stdenv's bootstrap:
    the programs a native build finds on PATH are the table packages' `bin`."""
    module_nix.write(
        "which.nix",
        'let pkgs = import <hostpkgs> { }; in pkgs.runCommand "which-xz" { } '
        "''command -v xz > $out; command -v bzip2 >> $out; command -v lzma >> $out''\n",
    )
    (result,) = module_nix.build("which.nix", link="result-which")
    assert result.read_text().split() == [
        f"{built['xz']['bin']}/bin/xz",
        f"{built['bzip2']['bin']}/bin/bzip2",
        f"{built['xz']['bin']}/bin/lzma",
    ]


# ------------------------------------------------------------- the probes --

@pytest.fixture(scope="module")
def probes(module_nix):
    """cpu -> attr -> built probe path, built on first use per target."""
    cache: dict[str, dict[str, Path]] = {}
    src = module_nix.workdir / "src"
    if not src.exists():
        shutil.copytree(PROBES, src)

    def get(cpu: str, static: bool = False) -> dict[str, Path]:
        key = cpu + ("-static" if static else "")
        if key not in cache:
            names = STATIC if static else NAMES
            file = f"probes-{key}.nix"
            module_nix.write(file, _probes_nix(cpu, static, names))
            paths = module_nix.eval_json(
                f"let set = import {module_nix.workdir / file}; in builtins.mapAttrs (n: p: p.outPath) set"
            )
            module_nix.build(file, link=f"result-{key}", extra=["--max-jobs", "2"])
            cache[key] = {n: Path(p) for n, p in paths.items()}
        return cache[key]

    return get


@pytest.mark.parametrize("cpu", sorted(TARGETS))
@pytest.mark.parametrize("attr", NAMES)
def test_probe_runs_with_only_its_closure(module_nix, probes, cpu: str, attr: str) -> None:
    prog = probes(cpu)[attr]
    exe = prog / "bin" / f"probe-{attr}"
    proc = _run_isolated(module_nix, exe, [prog], cpu)
    assert proc.returncode == 0 and proc.stdout.startswith(f"ok {attr} "), (cpu, proc.stdout, proc.stderr)
    # The program's closure: itself, the target's glibc, the library's
    # runtime output and what that needs; never a dev or bin output.
    closure = module_nix.closure(prog)
    lib_out = module_nix.eval_json(
        f"let p = {_set_expr(cpu)}.{attr}; in (p.lib or p.out).outPath"
    )
    assert lib_out in closure
    assert not [p for p in closure if p.endswith(("-dev", "-bin", "-man", "-doc"))], closure
    # The binary is for the target's CPU.
    machine = {"x86_64": "Advanced Micro Devices X86-64", "aarch64": "AArch64", "armv7l": "ARM"}[cpu]
    header = subprocess.run(["readelf", "-h", str(exe)], capture_output=True, text=True, check=True).stdout
    assert re.search(rf"Machine:\s+{machine}\n", header), header


@pytest.mark.parametrize("attr", STATIC)
def test_static_probe_is_one_static_file(module_nix, probes, attr: str) -> None:
    prog = probes("x86_64", static=True)[attr]
    exe = prog / "bin" / f"probe-{attr}"
    assert module_nix.closure(prog) == {str(prog)}
    program_headers = subprocess.run(["readelf", "-l", str(exe)], capture_output=True, text=True, check=True).stdout
    assert "INTERP" not in program_headers
    proc = _run_isolated(module_nix, exe, [prog], "x86_64")
    assert proc.returncode == 0 and proc.stdout.startswith(f"ok {attr} "), (proc.stdout, proc.stderr)


@pytest.mark.parametrize("attr", STATIC)
def test_static_variant_has_only_archives(module_nix, attr: str) -> None:
    got = module_nix.eval_json(
        f"let pkgs = import <hostpkgs> {{ }}; p = pkgs.pkgsStatic.{attr}; in "
        "{ inherit (p) outputs; paths = pkgs.lib.genAttrs p.outputs (o: p.${o}.outPath); }"
    )
    assert got["outputs"] == _nixpkgs_outputs(attr, "x86_64-linux-static")
    module_nix.write(f"static-{attr}.nix", f"(import <hostpkgs> {{ }}).pkgsStatic.{attr}.all\n")
    module_nix.build(f"static-{attr}.nix", link=f"result-static-{attr}")
    outs = {o: Path(p) for o, p in got["paths"].items()}
    for output, globs in FACTS[attr]["static"]["files"].items():
        present = _files(outs[output])
        for pattern in globs:
            assert fnmatch.filter(present, pattern), (attr, output, pattern)
    for path in outs.values():
        files = _files(path)
        assert not [f for f in files if ".so" in Path(f).name], files
        # Debian's programs are dynamically linked against glibc: none here.
        assert not [f for f in files if f.startswith(("bin/", "sbin/"))], files


# ------------------------------------------------------------- refusals --

def _eval_error(nix, expr: str) -> str:
    with pytest.raises(AssertionError) as failed:
        nix.eval_json(expr)
    return str(failed.value)


@pytest.mark.parametrize("attr", NOT_STATIC)
def test_static_variant_is_refused_with_the_reason(module_nix, attr: str) -> None:
    message = _eval_error(module_nix, f"(import <hostpkgs> {{ }}).pkgsStatic.{attr}.drvPath")
    assert f"pkgsStatic.{attr} is not available in hostpkgs for x86_64-unknown-linux-musl" in message
    assert TABLE[attr]["static"]["unavailable"] in message
    # The package still evaluates as a value (name, outputs), as in nixpkgs.
    assert module_nix.eval_json(f"(import <hostpkgs> {{ }}).pkgsStatic.{attr}.outputs")


GLIBC_ONLY = re.compile(r"\b(__\w+_chk|__\w+_2|arc4random\w*|fcntl64|getcontext|makecontext|_dl_find_object|__mbrlen|__longjmp_chk)\b")


@pytest.mark.parametrize("attr", [a for a in NOT_STATIC if GLIBC_ONLY.search(TABLE[a]["static"]["unavailable"])])
def test_static_reason_is_true(attr: str) -> None:
    """The symbols a refusal names are undefined in Debian's archive and not
    defined by musl's libc.a: the link really cannot succeed."""
    reason = TABLE[attr]["static"]["unavailable"]
    archive = re.search(r"Debian's (\S+\.a)", reason).group(1)
    undefined = subprocess.run(["nm", "-u", f"/usr/lib/x86_64-linux-gnu/{archive}"], capture_output=True,
                               text=True).stdout.split()
    musl = subprocess.run(["nm", "-g", "--defined-only", "/usr/lib/musl/lib/libc.a"], capture_output=True,
                          text=True).stdout.split()
    for symbol in set(GLIBC_ONLY.findall(reason)):
        assert symbol in undefined, f"{archive} does not need {symbol}"
        assert symbol not in musl, f"musl defines {symbol}"


@pytest.mark.parametrize(
    ("set_expr", "target", "says"),
    [
        ("pkgsCross.riscv64", "riscv64-unknown-linux-gnu", "Debian 12 (bookworm) has no riscv64 architecture"),
        ("pkgsCross.musl64", "x86_64-unknown-linux-musl", "Debian's libraries are built for glibc"),
        ("pkgsCross.aarch64-multiplatform.pkgsStatic", "aarch64-unknown-linux-musl", "no aarch64 musl toolchain"),
    ],
)
def test_targets_without_debian_packages_are_refused(module_nix, set_expr: str, target: str, says: str) -> None:
    for attr in ("sqlite", "zlib"):
        message = _eval_error(module_nix, f"(import <hostpkgs> {{ }}).{set_expr}.{attr}.drvPath")
        assert f"for {target}" in message and says in message, message
        assert message.count("error:") == 1
    assert module_nix.eval_json(f"(import <hostpkgs> {{ }}).{set_expr}.sqlite.outputs") == _nixpkgs_outputs("sqlite")


def test_readme_lists_the_table() -> None:
    """nix/hostpkgs/README.md has a row per table entry with nixpkgs' outputs
    and the Debian packages it comes from."""
    readme = (HOSTPKGS / "README.md").read_text()
    for attr in NAMES:
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{attr}` ")), None)
        assert row, f"no row for {attr}"
        assert " ".join(f"`{o}`" for o in _nixpkgs_outputs(attr)) in row, row
        assert ", ".join(TABLE[attr]["debian"]["packages"]) in row, row
