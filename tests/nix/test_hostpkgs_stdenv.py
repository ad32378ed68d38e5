"""hostpkgs' stdenv, toolchains and package-set mechanics, with real builds."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.nix


@pytest.fixture
def hello_file(nix, hello_src: Path, hello_drv: str) -> str:
    nix.write("hello.nix", f"let pkgs = import <hostpkgs> {{ }}; in\n{hello_drv}\n")
    return "hello.nix"


def _elf_interp(path: Path) -> str:
    out = subprocess.run(["readelf", "-l", str(path)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if "Requesting program interpreter" in line:
            return line.split(":", 1)[1].strip(" ]")
    return ""


def test_multi_output_hello_closure_is_bin_and_glibc(nix, hello_file: str) -> None:
    f = hello_file
    (bin_out,) = nix.build(f, "bin", link="bin")
    (out,) = nix.build(f, "out", link="out")
    (glibc,) = nix.build("<hostpkgs>", "glibc.out", link="glibc")
    assert nix.closure(bin_out) == {str(bin_out), str(glibc)}
    hello = bin_out / "bin" / "hello"
    assert subprocess.run([hello], capture_output=True, text=True, check=True).stdout == "Hello, world!\n"
    assert _elf_interp(hello) == f"{glibc}/lib/ld-linux-x86-64.so.2"
    assert (out / "share" / "doc" / "hello" / "README").read_text() == "hello docs\n"
    assert not (out / "bin").exists()


def test_glibc_dev_is_separate_and_out_has_no_references(nix) -> None:
    (out,) = nix.build("<hostpkgs>", "glibc.out", link="g")
    (dev,) = nix.build("<hostpkgs>", "glibc.dev", link="g-dev")
    assert nix.closure(out) == {str(out)}
    assert str(dev) not in nix.closure(out)
    for lib in ("libc.so.6", "ld-linux-x86-64.so.2", "libnss_files.so.2", "libgcc_s.so.1"):
        assert (out / "lib" / lib).is_file(), lib


def test_pkgs_static_hello_closure_is_itself(nix, hello_src: Path) -> None:
    nix.write(
        "static.nix",
        """let pkgs = (import <hostpkgs> { }).pkgsStatic; in
        pkgs.stdenv.mkDerivation {
          pname = "hello"; version = "1.0"; src = ./hello;
          makeFlags = [ "PREFIX=$(out)" ];
          passthru.static = pkgs.stdenv.hostPlatform.isStatic;
        }""",
    )
    (out,) = nix.build("static.nix", link="static")
    assert nix.closure(out) == {str(out)}
    assert subprocess.run([out / "bin" / "hello"], capture_output=True, text=True).stdout == "Hello, world!\n"
    assert _elf_interp(out / "bin" / "hello") == ""
    assert nix.eval_json("(import <hostpkgs> { }).pkgsStatic.stdenv.hostPlatform.config") == "x86_64-unknown-linux-musl"


def test_mkshell_nix_shell_compiles_against_store_glibc(nix, hello_src: Path) -> None:
    nix.write(
        "shell.nix",
        """let pkgs = import <hostpkgs> { }; in
        pkgs.mkShell { packages = [ pkgs.python3 ]; shellHook = "export HOOKED=yes"; }""",
    )
    proc = nix.shell("shell.nix", 'echo "$CC $CXX $STRIP $HOOKED"; cc hello/hello.c -o shell-hello')
    assert proc.stdout.split()[-4:] == ["cc", "c++", "strip", "yes"]
    glibc = nix.eval_json('"${(import <hostpkgs> { }).glibc}"')
    assert _elf_interp(nix.workdir / "shell-hello") == f"{glibc}/lib/ld-linux-x86-64.so.2"


def test_overlays_are_applied_in_order(nix) -> None:
    result = nix.eval_json(
        """let pkgs = import <hostpkgs> { overlays = [
              (final: prev: { greeting = "hello"; who = "world"; })
              (final: prev: { greeting = prev.greeting + ", " + final.who; })
              (final: prev: { who = "overlays"; })
            ]; }; in pkgs.greeting"""
    )
    assert result == "hello, overlays"


def test_overlay_replaces_a_dependency_everywhere(nix) -> None:
    # fakeNss is callPackage'd: its symlinkJoin comes from the fixed point.
    result = nix.eval_json(
        """let pkgs = import <hostpkgs> { overlays = [ (final: prev: {
              symlinkJoin = args: prev.symlinkJoin (args // { name = "patched-" + args.name; });
            }) ]; }; in [ pkgs.fakeNss.name pkgs.pkgsStatic.fakeNss.name ]"""
    )
    # No host suffix in pkgsStatic either: symlinkJoin is a stdenvNoCC build, as in nixpkgs.
    assert result == ["patched-fake-nss", "patched-fake-nss"]


def test_override_and_override_attrs(nix, hello_src: Path) -> None:
    nix.write(
        "o.nix",
        """let
          pkgs = import <hostpkgs> { };
          nss = pkgs.fakeNss.override { extraPasswdLines = [ "app:x:1000:1000::/var/empty:/bin/false" ]; };
          hello = pkgs.stdenv.mkDerivation (finalAttrs: {
            pname = "hello"; version = "1.0"; src = ./hello;
            makeFlags = [ "PREFIX=$(out)" ];
            passthru.v = finalAttrs.version;
          });
          v2 = hello.overrideAttrs (old: { version = "2.0"; });
          v3 = v2.overrideAttrs (final: prev: { version = prev.version + ".1"; postInstall = "echo ${final.version} > $out/version"; });
        in { inherit nss v3; names = [ hello.name v2.name v3.name v3.v ]; }""",
    )
    assert nix.eval_json("(import ./o.nix).names") == ["hello-1.0", "hello-2.0", "hello-2.0.1", "2.0.1"]
    (v3,) = nix.build("o.nix", "v3", link="v3")
    assert (v3 / "version").read_text() == "2.0.1\n"
    (nss,) = nix.build("o.nix", "nss", link="nss")
    assert (nss / "etc" / "passwd").read_text() == (
        "root:x:0:0:root user:/var/empty:/bin/sh\n"
        "app:x:1000:1000::/var/empty:/bin/false\n"
        "nobody:x:65534:65534:nobody:/var/empty:/bin/sh\n"
    )
    assert (nss / "etc" / "group").read_text() == "root:x:0:\nnobody:x:65534:\n"
    assert (nss / "etc" / "nsswitch.conf").read_text() == "hosts: files dns\n"
    assert (nss / "var" / "empty").is_dir()


def test_disallowed_requisites_fail_the_build(nix, hello_src: Path, hello_drv: str) -> None:
    nix.write(
        "d.nix",
        f"""let pkgs = import <hostpkgs> {{ }}; hello = {hello_drv}; in
        pkgs.runCommand "app" {{ disallowedRequisites = [ pkgs.glibc ]; }} "ln -s ${{hello.bin}} $out"
        """,
    )
    stderr = nix.build_fails("d.nix")
    assert "not allowed to refer to" in stderr and "-glibc-host" in stderr


def test_lib_output_helpers(nix) -> None:
    result = nix.eval_json(
        """let pkgs = import <hostpkgs> { }; lib = pkgs.lib;
              d = pkgs.writeShellScriptBin "tool" "echo hi"; in
           [ (lib.getExe d == "${d}/bin/tool")
             (lib.getExe' pkgs.glibc "ldd" == "${pkgs.glibc.out}/bin/ldd")
             (lib.getDev pkgs.glibc == pkgs.glibc.dev)
             (lib.getBin pkgs.glibc.dev == pkgs.glibc.dev)
             (lib.getOutput "static" pkgs.glibc == pkgs.glibc.static)
             (lib.makeBinPath [ d ] == "${d}/bin")
             pkgs.glibc.outputName pkgs.glibc.dev.outputName ]"""
    )
    assert result == [True] * 6 + ["out", "dev"]


def test_build_is_reproducible(nix, hello_file: str) -> None:
    f = hello_file
    nix.build(f, "bin", link="bin")
    proc = nix.build(f, "bin", link="bin", check=False, extra=["--check"])
    assert proc.returncode == 0, proc.stderr[-2000:]
