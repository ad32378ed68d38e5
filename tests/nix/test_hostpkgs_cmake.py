"""hostpkgs' cmake behaves as nixpkgs' cmake setup hook: the recorded functions,
variables and hooks exist; the configure phase is cmake's with the outputs'
install directories and Release; find_package sees [inputs] and never the host's
/usr; a cross set passes nixpkgs' CMAKE_SYSTEM_* flags and the target's
compilers; a program finds its package's own shared library (the self RUNPATH
of nixpkgs' multiple-outputs.sh) and nothing else is left in its RUNPATH."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import REPO
from tests.nix.conftest import Nix

pytestmark = pytest.mark.nix

INTERFACE = json.loads((REPO / "tests" / "data" / "nixpkgs-interface.json").read_text())

CMAKE_LISTS = """cmake_minimum_required(VERSION 3.16)
project(zver C)
find_package(ZLIB REQUIRED)
add_library(ver SHARED ver.c)
set_target_properties(ver PROPERTIES VERSION 1.0.0 SOVERSION 1)
add_executable(zver main.c)
target_link_libraries(zver ver ZLIB::ZLIB)
install(TARGETS zver ver)
"""
MAIN = '#include <stdio.h>\n#include <zlib.h>\nconst char *ver(void);\n' \
       'int main(void) { printf("%s zlib %s\\n", ver(), zlibVersion()); return 0; }\n'
VER = 'const char *ver(void) { return "ver"; }\n'


def project(nix: Nix, zlib: bool = True) -> None:
    """The zlib-using tree; without zlib (cross: hostpkgs' zlib is the host's, x86_64 only),
    the same program with its own library alone."""
    lists, main = CMAKE_LISTS, MAIN
    if not zlib:
        lists = lists.replace("find_package(ZLIB REQUIRED)\n", "").replace(" ZLIB::ZLIB", "")
        main = main.replace("#include <zlib.h>\n", "").replace(' zlib %s\\n", ver(), zlibVersion()', '\\n", ver()')
    nix.write("src/CMakeLists.txt", lists)
    nix.write("src/main.c", main)
    nix.write("src/ver.c", VER)


def package(set_expr: str = "pkgs", inputs: str = "[ pkgs.zlib ]") -> str:
    return f"""let pkgs = import <hostpkgs> {{ }}; p = {set_expr}; in
  p.stdenv.mkDerivation {{
    pname = "zver"; version = "1";
    src = ./src;
    outputs = [ "out" "lib" ];
    nativeBuildInputs = [ p.buildPackages.cmake ];
    buildInputs = {inputs.replace("pkgs.", "p.")};
  }}"""


def test_hook_offers_the_recorded_interface(nix: Nix) -> None:
    spec = INTERFACE["setupHooks"]["cmake"]
    nix.write("cmake.nix", "let pkgs = import <hostpkgs> { }; in pkgs.cmake")
    (built,) = nix.build("cmake.nix", link="cmake")
    hook = built / "nix-support/setup-hook"
    probe = subprocess.run(
        ["bash", "-c", 'envHooks=(); addEnvHooks() { shift; envHooks+=("$@"); }; postHooks=(); source "$1"; '
                       'declare -F; printf "env %s\\n" "${envHooks[@]}"; printf "post %s\\n" "${postHooks[@]}"; '
                       'echo "configurePhase=$configurePhase"', "probe", str(hook)],
        capture_output=True, text=True, check=True).stdout
    for function in spec["functions"]:
        assert f"declare -f {function}" in probe, function
    assert f"env {spec['hooks']['envHooks']}" in probe and f"post {spec['hooks']['postHooks']}" in probe
    assert "configurePhase=cmakeConfigurePhase" in probe
    text = hook.read_text()
    for name in spec["variables"] + spec["arrays"] + spec["exports"] + spec["defaultFlags"]:
        assert name in text, name
    assert (built / "bin/cmake").exists()


def test_find_package_sees_the_inputs_and_the_program_finds_its_own_library(nix: Nix) -> None:
    project(nix)
    nix.write("default.nix", package())
    out, lib = nix.build("default.nix", extra=["-A", "out", "-A", "lib"])
    program = out / "bin/zver"
    assert nix._run([str(program)]).stdout.startswith("ver zlib 1.")
    runpath = nix._run(["patchelf", "--print-rpath", str(program)]).stdout.strip().split(":")
    assert f"{lib}/lib" in runpath  # the package's own library, by the self RUNPATH
    assert all(p.startswith("/nix/store/") for p in runpath)
    assert any("-zlib-" in p for p in runpath)
    assert (lib / "lib/libver.so.1").exists() and not (out / "lib").exists()


def test_without_the_input_the_hosts_zlib_is_not_found(nix: Nix) -> None:
    project(nix)
    nix.write("default.nix", package(inputs="[ ]"))
    assert "Could NOT find ZLIB" in nix.build_fails("default.nix")


def test_a_cross_build_gets_the_targets_compilers_and_system(nix: Nix) -> None:
    project(nix, zlib=False)
    nix.write("default.nix", package("pkgs.pkgsCross.aarch64-multiplatform", inputs="[ ]"))
    out, _lib = nix.build("default.nix", extra=["-A", "out", "-A", "lib"])
    assert "ARM aarch64" in nix._run(["file", "-L", str(out / "bin/zver")]).stdout
    ran = nix._run(["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu", str(out / "bin/zver")], check=False)
    assert ran.stdout == "ver\n", ran.stderr
    drv = nix.eval_json("""let pkgs = import <hostpkgs> { }; in
      (import ./default.nix).cmakeFlags""")
    assert "-DCMAKE_SYSTEM_NAME=Linux" in drv and "-DCMAKE_SYSTEM_PROCESSOR=aarch64" in drv
    assert "-DCMAKE_HOST_SYSTEM_NAME=Linux" in drv and "-DCMAKE_HOST_SYSTEM_PROCESSOR=x86_64" in drv
