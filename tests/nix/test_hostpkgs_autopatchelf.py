"""hostpkgs' autoPatchelfHook, patchelf shrink and cc-wrapper RUNPATH behave
like nixpkgs' (tests/data/nixpkgs-interface.json, "setupHooks").

Binaries are built with the host's own gcc (interpreter /lib64/…, RUNPATH
into a directory outside the store) and then taken into the store by a
derivation with autoPatchelfHook, as shell mode does; the results are read
with readelf and run.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.nix.conftest import Nix

pytestmark = pytest.mark.nix

INTERFACE = json.loads((Path(__file__).resolve().parents[1] / "data" / "nixpkgs-interface.json").read_text())

ZLIB_PROGRAM = r"""#include <stdio.h>
#include <zlib.h>
int main(void) { printf("zlib %s\n", zlibVersion()); return 0; }
"""
PLAIN_PROGRAM = 'int main(void) { return 0; }\n'
LIB_SOURCE = 'int answer(void) { return 42; }\n'
LIB_USER = r"""#include <stdio.h>
int answer(void);
int main(void) { printf("answer %d\n", answer()); return 0; }
"""


def host_cc(workdir: Path, out: str, source: str, *flags: str) -> Path:
    """A binary built by the host's gcc, outside any Nix environment."""
    src = workdir / (out + ".c")
    src.write_text(source)
    subprocess.run(["gcc", "-O1", "-o", str(workdir / out), str(src), *flags], check=True, capture_output=True)
    return workdir / out


def readelf(path: Path) -> dict[str, object]:
    dyn = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    prog = subprocess.run(["readelf", "-l", str(path)], capture_output=True, text=True).stdout
    runpath = [line.split("[", 1)[1].rstrip("]") for line in dyn.splitlines() if "(RUNPATH)" in line or "(RPATH)" in line]
    interp = [line.split(": ", 1)[1].rstrip("]") for line in prog.splitlines() if "program interpreter" in line]
    entries = [p for p in runpath[0].split(":") if p] if runpath else []  # shrink may leave an empty one
    return {"runpath": entries, "interpreter": interp[0] if interp else None}


def store_path(nix: Nix, attr: str) -> str:
    return nix.eval_json(f'let pkgs = import <hostpkgs> {{ }}; in "${{pkgs.{attr}}}"')


def package(files: dict[str, str], *, extra: str = "", inputs: str = "") -> str:
    """A derivation installing host-built files (name → destination) with autoPatchelfHook."""
    installs = "\n".join(f"install -D -m 0755 ${{./{name}}} $out/{dest}" for name, dest in files.items())
    return f"""let pkgs = import <hostpkgs> {{ }}; in
pkgs.stdenv.mkDerivation {{
  name = "fixed";
  dontUnpack = true;
  nativeBuildInputs = [ pkgs.autoPatchelfHook ];
  buildInputs = [ {inputs} ];
  installPhase = ''
    {installs}
  '';
  {extra}
}}
"""


def test_foreign_binary_gets_the_store_loader_and_exactly_its_store_libraries(nix: Nix) -> None:
    host_cc(nix.workdir, "zprog", ZLIB_PROGRAM, "-lz", f"-Wl,-rpath,{nix.workdir}/build")
    before = readelf(nix.workdir / "zprog")
    assert before["interpreter"] == "/lib64/ld-linux-x86-64.so.2" and before["runpath"] == [f"{nix.workdir}/build"]
    nix.write("default.nix", package({"zprog": "bin/zprog"}, inputs="pkgs.zlib"))
    out = nix.build("default.nix")[0]
    glibc, zlib = store_path(nix, "glibc"), store_path(nix, "zlib.out")
    after = readelf(out / "bin/zprog")
    assert after["interpreter"] == f"{glibc}/lib/ld-linux-x86-64.so.2"
    # zlib where it was found; glibc's lib/ because hostpkgs' loader is the host's (README).
    assert after["runpath"] == [f"{zlib}/lib", f"{glibc}/lib"]
    assert nix.closure(out) == {str(out), glibc, zlib}
    version = store_path(nix, "zlib.out").split("-zlib-", 1)[1]
    assert subprocess.run([str(out / "bin/zprog")], capture_output=True, text=True).stdout == f"zlib {version}\n"


def test_the_outputs_own_library_comes_first(nix: Nix) -> None:
    """A library shipped in the output wins over an input with the same name (nixpkgs
    searches the paths being patched before --libs)."""
    lib = nix.workdir / "libanswer.so.1"
    subprocess.run(["gcc", "-shared", "-fPIC", "-Wl,-soname,libanswer.so.1", "-o", str(lib), "-x", "c", "-"],
                   input=LIB_SOURCE, text=True, check=True)
    host_cc(nix.workdir, "asker", LIB_USER, str(lib))
    nix.write("default.nix", package({"asker": "bin/asker", "libanswer.so.1": "lib/libanswer.so.1"}))
    out = nix.build("default.nix")[0]
    glibc = store_path(nix, "glibc")
    assert readelf(out / "bin/asker")["runpath"] == [f"{out}/lib", f"{glibc}/lib"]
    run = subprocess.run([str(out / "bin/asker")], capture_output=True, text=True)
    assert run.stdout == "answer 42\n"


def test_a_missing_library_fails_unless_ignored(nix: Nix) -> None:
    host_cc(nix.workdir, "zprog", ZLIB_PROGRAM, "-lz")
    nix.write("default.nix", package({"zprog": "bin/zprog"}))
    log = nix.build_fails("default.nix")
    assert "error: auto-patchelf could not satisfy dependency libz.so.1 wanted by" in log
    nix.write("ignored.nix", package({"zprog": "bin/zprog"}, extra='autoPatchelfIgnoreMissingDeps = [ "libz.so.*" ];'))
    out = nix.build("ignored.nix", link="ignored")[0]
    assert readelf(out / "bin/zprog")["interpreter"].startswith("/nix/store/")


def test_runtime_dependencies_append_runpaths_and_dont(nix: Nix) -> None:
    host_cc(nix.workdir, "plain", PLAIN_PROGRAM)
    lib = nix.workdir / "libanswer.so.1"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(lib), "-x", "c", "-"], input=LIB_SOURCE, text=True, check=True)
    files = {"plain": "bin/plain", "libanswer.so.1": "lib/libanswer.so.1"}
    extra = 'runtimeDependencies = [ pkgs.zlib.out ];\n  appendRunpaths = [ "/run/opengl-driver/lib" ];'
    nix.write("default.nix", package(files, extra=extra))
    out = nix.build("default.nix")[0]
    zlib, glibc = store_path(nix, "zlib.out"), store_path(nix, "glibc")
    # runtimeDependencies: executables only, first; appendRunpaths: everything, after what
    # was found (and here, last, the C library's directory; see the README).
    assert readelf(out / "bin/plain")["runpath"] == [f"{zlib}/lib", "/run/opengl-driver/lib", f"{glibc}/lib"]
    # (the library needs nothing: Debian's gcc links --as-needed)
    assert readelf(out / "lib/libanswer.so.1")["runpath"] == ["/run/opengl-driver/lib"]
    nix.write("dont.nix", package({"plain": "bin/plain"}, extra="dontAutoPatchelf = true;"))
    untouched = nix.build("dont.nix", link="dont")[0]
    assert readelf(untouched / "bin/plain")["interpreter"] == "/lib64/ld-linux-x86-64.so.2"


def test_static_and_foreign_architecture_files_are_left_alone(nix: Nix) -> None:
    host_cc(nix.workdir, "static", PLAIN_PROGRAM, "-static")
    arm = nix.workdir / "arm"
    subprocess.run(["aarch64-linux-gnu-gcc", "-o", str(arm), "-x", "c", "-"], input=PLAIN_PROGRAM, text=True, check=True)
    nix.write("default.nix", package({"static": "bin/static", "arm": "bin/arm"}))
    out = nix.build("default.nix")[0]
    assert readelf(out / "bin/static")["interpreter"] is None
    assert readelf(out / "bin/arm")["interpreter"] == "/lib/ld-linux-aarch64.so.1"
    log = subprocess.run(["nix-store", "-l", nix.eval_json(
        f'(import {nix.workdir}/default.nix).drvPath')], capture_output=True, text=True).stdout
    assert "because it is statically linked" in log
    assert "because its architecture (AArch64) differs from target (x64)" in log


def test_stdenv_shrinks_runpaths_unless_dont_patch_elf(nix: Nix) -> None:
    """nixpkgs' patchelf setup hook: directories that hold no needed library (here
    one that does not exist in the sandbox) leave the RUNPATH."""
    host_cc(nix.workdir, "plain", PLAIN_PROGRAM, f"-Wl,-rpath,{nix.workdir}/nowhere")
    body = 'let pkgs = import <hostpkgs> { }; in pkgs.stdenv.mkDerivation { name = "s"; dontUnpack = true; @x@\n' \
           '  installPhase = "install -D -m 0755 ${./plain} $out/bin/plain"; }\n'
    nix.write("shrink.nix", body.replace("@x@", ""))
    nix.write("keep.nix", body.replace("@x@", "dontPatchELF = true;"))
    assert readelf(nix.build("shrink.nix", link="s")[0] / "bin/plain")["runpath"] == []
    assert readelf(nix.build("keep.nix", link="k")[0] / "bin/plain")["runpath"] == [f"{nix.workdir}/nowhere"]


def test_cc_wrapper_runpath_follows_ld_wrapper(nix: Nix) -> None:
    """Only store directories that hold a shared library the link names go into the
    RUNPATH (a static-only one does not); NIX_DONT_SET_RPATH=1 sets none of them."""
    nix.write("default.nix", """let pkgs = import <hostpkgs> { }; in
pkgs.stdenv.mkDerivation {
  name = "links";
  dontUnpack = true;
  buildInputs = [ pkgs.zlib ];
  buildPhase = ''
    printf '#include <zlib.h>\\nint main(void) { return zlibVersion() == 0; }\\n' > z.c
    $CC -o dyn z.c -lz
    $CC -o stat z.c -L${pkgs.zlib.static}/lib -Wl,-Bstatic -lz -Wl,-Bdynamic
    NIX_DONT_SET_RPATH=1 $CC -o none z.c -lz
  '';
  installPhase = "mkdir -p $out/bin && cp dyn stat none $out/bin/";
  dontPatchELF = true;
}
""")
    out = nix.build("default.nix")[0]
    glibc, zlib, zstatic = store_path(nix, "glibc"), store_path(nix, "zlib.out"), store_path(nix, "zlib.static")
    dyn = readelf(out / "bin/dyn")["runpath"]
    assert f"{zlib}/lib" in dyn and f"{glibc}/lib" in dyn
    # ld-wrapper: every search directory holding a named .so, not only the first.
    stat = readelf(out / "bin/stat")["runpath"]
    assert f"{zstatic}/lib" not in stat and f"{zlib}/lib" in stat
    # NIX_DONT_SET_RPATH stops the wrapper's own RUNPATH; NIX_LDFLAGS' -rpath (the package's
    # own lib/, multiple-outputs.sh's self RUNPATH) still reaches ld, as with nixpkgs'
    # ld-wrapper; dontPatchELF keeps it from being shrunk away.
    assert readelf(out / "bin/none")["runpath"] == [f"{out}/lib"]
    assert f"{out}/lib" in dyn


def test_hook_offers_the_recorded_interface(nix: Nix) -> None:
    spec = INTERFACE["setupHooks"]["autoPatchelfHook"]
    nix.write("hook.nix", "let pkgs = import <hostpkgs> { }; in pkgs.autoPatchelfHook")
    built = nix.build("hook.nix", link="hook")[0]
    text = (built / "nix-support/setup-hook").read_text()
    probe = subprocess.run(
        ["bash", "-c", 'addEnvHooks() { :; }; getAllOutputNames() { :; }; source "$1"; declare -F; '
                       'printf "%s\\n" "${postFixupHooks[@]}"', "probe", str(built / "nix-support/setup-hook")],
        capture_output=True, text=True, check=True).stdout
    for function in spec["functions"]:
        assert f"declare -f {function}" in probe, function
    assert spec["hooks"]["postFixupHooks"] in probe.splitlines()
    for variable in spec["variables"] + spec["arrays"]:
        assert variable in text, variable
    bintools = (built / "nix-support/propagated-native-build-inputs").read_text().split()
    assert bintools == [store_path(nix, "stdenv.cc.bintools")]
    for name in ("dynamic-linker", "orig-libc"):
        assert Path(bintools[0], "nix-support", name).is_file()
    script = next(built.rglob("auto-patchelf.py"))
    usage = subprocess.run(["/usr/bin/python3", str(script), "--help"], capture_output=True, text=True).stdout
    for option in spec["command"]["options"]:
        assert option in usage, option


def test_pkg_config_exports_and_sees_only_the_inputs(nix: Nix) -> None:
    nix.write("shell.nix", """let pkgs = import <hostpkgs> { }; in
pkgs.mkShell { nativeBuildInputs = [ pkgs.pkg-config ]; buildInputs = [ pkgs.zlib ]; }
""")
    got = nix.shell("shell.nix", 'echo "$PKG_CONFIG"; $PKG_CONFIG --libs zlib; $PKG_CONFIG --exists libssl || echo no-libssl')
    lines = got.stdout.splitlines()
    assert "PKG_CONFIG" in INTERFACE["setupHooks"]["pkg-config"]["exports"] and lines[0] == "pkg-config"
    assert lines[1].split() == [f"-L{store_path(nix, 'zlib.out')}/lib", "-lz"]
    # The host has libssl.pc in /usr/lib; nixpkgs' pkg-config would not see it, nor does this one.
    assert lines[2] == "no-libssl"
