"""The packages hostpkgs imports from the host (nix/hostpkgs/pkgs): nixpkgs'
outputs with nixpkgs' contents, every ELF file pointing into the store, and
closures that are complete (the programs run with nothing but their closure
visible, in bwrap) and hold only what is needed (a program linked against
openssl and zlib references openssl.out and zlib.out, never dev or bin)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.nix

PKGS_NIX = """let
  pkgs = import <hostpkgs> { };
in {
  openssl = pkgs.openssl.all;
  zlib = pkgs.zlib.all;
  bash = pkgs.bash.all;
  coreutils = pkgs.coreutils.all;
  busybox = pkgs.busybox;
}
"""

LINK_C = r"""#include <stdio.h>
#include <openssl/ssl.h>
#include <openssl/crypto.h>
#include <zlib.h>
int main(void) {
  if (OPENSSL_init_ssl(0, NULL) != 1) return 1;
  printf("ssl=%s zlib=%s\n", OpenSSL_version(OPENSSL_VERSION), zlibVersion());
  return 0;
}
"""

LINK_NIX = """let
  pkgs = import <hostpkgs> { };
in pkgs.stdenv.mkDerivation {
  pname = "tls-zlib";
  version = "1.0";
  src = ./src;
  buildInputs = [ pkgs.openssl pkgs.zlib ];
  # The headers must come from the dev outputs, not from the host's /usr/include.
  buildPhase = ''
    $CC -M main.c > deps
    grep -qF "${pkgs.openssl.dev}/include/openssl/ssl.h" deps
    grep -qF "${pkgs.zlib.dev}/include/zlib.h" deps
    $CC -O2 -o tls-zlib main.c -lssl -lcrypto -lz
  '';
  installPhase = "mkdir -p $out/bin && cp tls-zlib $out/bin/";
  meta.mainProgram = "tls-zlib";
}
"""


@pytest.fixture(scope="module")
def built(module_nix) -> dict[str, dict[str, Path]]:
    """Output name -> store path, per package."""
    nix = module_nix
    nix.write("pkgs.nix", PKGS_NIX)
    outputs = nix.eval_json(
        "let pkgs = import <hostpkgs> { }; in pkgs.lib.genAttrs "
        '[ "openssl" "zlib" "bash" "coreutils" "busybox" ] '
        "(n: pkgs.lib.genAttrs pkgs.${n}.outputs (o: pkgs.${n}.${o}.outPath))"
    )
    for attr in outputs:
        nix.build("pkgs.nix", attr, link=f"result-{attr}")
    result = {
        pkg: {o: Path(p) for o, p in outs.items()} for pkg, outs in outputs.items()
    }
    for outs in result.values():
        for path in outs.values():
            assert path.exists(), path
    return result


def _meta(nix, attr: str) -> dict:
    return nix.eval_json(
        f"let p = (import <hostpkgs> {{ }}).{attr}; in "
        "{ inherit (p) outputs; mainProgram = p.meta.mainProgram or null; "
        "license = p.meta.license.spdxId or null; name = p.name; }"
    )


def _files(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if not p.is_dir() or p.is_symlink()
    }


def _elf_files(root: Path) -> list[Path]:
    out = []
    for p in root.rglob("*"):
        if p.is_file() and not p.is_symlink():
            with p.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    out.append(p)
    return out


def _patchelf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["patchelf", *args], check=False, capture_output=True, text=True
    )


def _run_isolated(nix, roots: list[Path], argv: list[str]) -> str:
    """Run argv in bwrap with only the closures of roots mounted (no /usr, no
    /lib, an empty environment, a fresh /tmp)."""
    if shutil.which("bwrap") is None:
        pytest.fail("bwrap is needed to run the imported programs isolated")
    binds: list[str] = []
    for p in sorted(set().union(*(nix.closure(r) for r in roots))):
        binds += ["--ro-bind", p, p]
    proc = subprocess.run(
        [
            "bwrap",
            *binds,
            "--tmpfs",
            "/tmp",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--unshare-all",
            "--die-with-parent",
            "--clearenv",
            *argv,
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, (
        f"{argv} failed isolated ({proc.returncode}): {proc.stderr}"
    )
    return proc.stdout


def test_openssl_outputs_and_meta(module_nix, built) -> None:
    meta = _meta(module_nix, "openssl")
    assert meta["outputs"] == ["bin", "dev", "out", "man", "doc", "debug"]
    assert meta["mainProgram"] == "openssl"
    assert meta["license"] == "Apache-2.0"
    o = built["openssl"]
    assert _files(o["bin"]) == {"bin/openssl"}
    out = _files(o["out"])
    assert {
        "lib/libssl.so.3",
        "lib/libcrypto.so.3",
        "lib/libssl.so",
        "lib/libcrypto.so",
    } <= out
    assert all(f.startswith("lib/") for f in out), out
    dev = _files(o["dev"])
    assert {
        "include/openssl/ssl.h",
        "include/openssl/configuration.h",
        "include/openssl/opensslconf.h",
        "lib/pkgconfig/libssl.pc",
        "lib/pkgconfig/libcrypto.pc",
        "lib/pkgconfig/openssl.pc",
    } <= dev
    assert not any(f.endswith((".so", ".a")) or ".so." in f for f in dev), dev
    for pc in ("libssl", "libcrypto", "openssl"):
        text = (o["dev"] / "lib" / "pkgconfig" / f"{pc}.pc").read_text()
        assert "/usr" not in text
        assert f"prefix={o['out']}" in text
    libcrypto_pc = (o["dev"] / "lib/pkgconfig/libcrypto.pc").read_text()
    assert f"libdir={o['out']}/lib" in libcrypto_pc
    assert f"includedir={o['dev']}/include" in libcrypto_pc
    assert any(f.startswith("share/man/man1/openssl") for f in _files(o["man"]))
    assert "share/doc/openssl/copyright" in _files(o["doc"])
    # Like nixpkgs: the dev output brings in bin and out when used as an input.
    propagated = (o["dev"] / "nix-support/propagated-build-inputs").read_text().split()
    assert sorted(propagated) == sorted([str(o["bin"]), str(o["out"])])


def test_openssl_out_closure_has_no_dev_or_bin(module_nix, built) -> None:
    names = sorted(
        Path(p).name.split("-", 1)[1]
        for p in module_nix.closure(built["openssl"]["out"])
    )
    assert not any(n.endswith(("-dev", "-bin", "-man", "-doc")) for n in names), names
    assert {n.rsplit("-", 1)[0] for n in names} == {"openssl", "glibc"}


def test_zlib_outputs_and_meta(module_nix, built) -> None:
    meta = _meta(module_nix, "zlib")
    assert meta["outputs"] == ["out", "dev", "static"]
    assert meta["license"] == "Zlib"
    z = built["zlib"]
    out = _files(z["out"])
    assert {"lib/libz.so", "lib/libz.so.1"} <= out
    # zlib.3 goes where nixpkgs' multiple-outputs.sh puts man pages of a
    # package without man or bin output: $outputMan = $outputBin = out.
    assert all(f.startswith(("lib/libz.so", "share/man/man3/")) for f in out), out
    assert {"include/zlib.h", "include/zconf.h", "share/pkgconfig/zlib.pc"} <= _files(
        z["dev"]
    )
    assert _files(z["static"]) == {"lib/libz.a"}
    pc = (z["dev"] / "share/pkgconfig/zlib.pc").read_text()
    assert "/usr" not in pc and f"libdir={z['out']}/lib" in pc


def test_every_elf_file_points_into_the_store(built) -> None:
    checked = 0
    for pkg, outs in built.items():
        for output, path in outs.items():
            if output == "debug":  # separated debug info (lib/debug/.build-id/*.debug), not programs
                continue
            for elf in _elf_files(path):
                needed = _patchelf("--print-needed", str(elf))
                if (
                    needed.returncode != 0
                ):  # static (busybox, libz.a members are not ELF files)
                    continue
                interp = _patchelf("--print-interpreter", str(elf))
                if interp.returncode == 0:
                    assert interp.stdout.strip().startswith("/nix/store/"), (
                        elf,
                        interp.stdout,
                    )
                rpath = [
                    d
                    for d in _patchelf("--print-rpath", str(elf))
                    .stdout.strip()
                    .split(":")
                    if d
                ]
                assert all(d.startswith("/nix/store/") for d in rpath), (elf, rpath)
                for lib in needed.stdout.split():
                    assert any((Path(d) / lib).exists() for d in rpath), (
                        f"{pkg}: {elf} needs {lib}, not in {rpath}"
                    )
                checked += 1
    assert (
        checked > 50
    )  # openssl libs and tool, bash, the coreutils programs, bundled libraries


def test_bash_runs_with_only_its_closure(module_nix, built) -> None:
    meta = _meta(module_nix, "bash")
    assert meta["mainProgram"] == "bash"
    b = built["bash"]["out"]
    assert (b / "bin/bash").is_file() and (b / "bin/sh").is_symlink()
    out = _run_isolated(
        module_nix, [b], [str(b / "bin/bash"), "-c", 'echo "bash $((6 * 7))"']
    )
    assert out == "bash 42\n"
    names = {
        Path(p).name.split("-", 1)[1].rsplit("-", 1)[0] for p in module_nix.closure(b)
    }
    assert names == {"bash", "glibc"}


def test_coreutils_programs_run_with_only_their_closure(module_nix, built) -> None:
    c = built["coreutils"]["out"]
    for prog in (
        "ls",
        "cat",
        "cp",
        "mv",
        "rm",
        "mkdir",
        "env",
        "echo",
        "true",
        "sort",
        "sha256sum",
        "expr",
    ):
        assert (c / "bin" / prog).is_file(), prog
    bin_ = c / "bin"
    script = (
        f"{bin_}/mkdir /tmp/d && {bin_}/echo hi > /tmp/d/a && {bin_}/cp /tmp/d/a /tmp/d/b && "
        f"{bin_}/mv /tmp/d/b /tmp/d/c && {bin_}/ls /tmp/d && {bin_}/expr 2 + 3"
    )
    # The shell comes from the bash package, so bind both closures.
    out = _run_isolated(
        module_nix,
        [c, built["bash"]["out"]],
        [str(built["bash"]["out"] / "bin/bash"), "-c", script],
    )
    assert out == "a\nc\n5\n"


def test_busybox_sh_runs_echo(module_nix, built) -> None:
    meta = _meta(module_nix, "busybox")
    assert meta["outputs"] == ["out"] and meta["mainProgram"] == "busybox"
    bb = built["busybox"]["out"]
    assert (
        (bb / "bin/sh").is_symlink()
        and (bb / "bin/ls").is_symlink()
        and (bb / "sbin").is_dir()
    )
    assert module_nix.closure(bb) == {str(bb)}
    out = _run_isolated(
        module_nix, [bb], [str(bb / "bin/sh"), "-c", "echo busybox-sh-ok"]
    )
    assert out == "busybox-sh-ok\n"


def test_program_linked_against_openssl_and_zlib(nix, built) -> None:
    nix.write("src/main.c", LINK_C)
    nix.write("link.nix", LINK_NIX)
    (prog,) = nix.build("link.nix")
    exe = prog / "bin/tls-zlib"
    openssl_out, zlib_out = built["openssl"]["out"], built["zlib"]["out"]
    glibc = nix.eval_json("(import <hostpkgs> { }).glibc.outPath")
    assert nix.closure(prog) == {str(prog), glibc, str(openssl_out), str(zlib_out)}
    rpath = _patchelf("--print-rpath", str(exe)).stdout.strip().split(":")
    assert f"{openssl_out}/lib" in rpath and f"{zlib_out}/lib" in rpath
    out = _run_isolated(nix, [prog], [str(exe)])
    version = nix.eval_json("(import <hostpkgs> { }).zlib.version")
    assert out.startswith("ssl=OpenSSL 3") and out.endswith(f"zlib={version}\n"), out


def test_static_openssl_is_refused_with_the_reason(module_nix) -> None:
    with pytest.raises(AssertionError) as failed:
        module_nix.eval_json("(import <hostpkgs> { }).pkgsStatic.openssl.drvPath")
    message = str(failed.value)
    assert "pkgsStatic.openssl is not available in hostpkgs for x86_64-unknown-linux-musl" in message
    assert "libcrypto.a is built against glibc" in message


def _host_version(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def test_versions_come_from_the_host(module_nix) -> None:
    names = module_nix.eval_json(
        "let pkgs = import <hostpkgs> { }; in "
        'map (n: pkgs.${n}.name) [ "openssl" "zlib" "bash" "coreutils" "busybox" ]'
    )
    pc = Path("/usr/lib/x86_64-linux-gnu/pkgconfig/openssl.pc").read_text()
    openssl_version = next(
        line.split(":", 1)[1].strip()
        for line in pc.splitlines()
        if line.startswith("Version:")
    )
    assert names[0] == f"openssl-{openssl_version}"
    zpc = Path("/usr/lib/x86_64-linux-gnu/pkgconfig/zlib.pc").read_text()
    zlib_version = next(
        line.split(":", 1)[1].strip()
        for line in zpc.splitlines()
        if line.startswith("Version:")
    )
    assert names[1] == f"zlib-{zlib_version}"
    bash_version = _host_version(
        [
            "bash",
            "-c",
            'echo "${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}.${BASH_VERSINFO[2]}"',
        ]
    )
    assert names[2] == f"bash-{bash_version.strip()}"
    # "ls (GNU coreutils) 9.1", "BusyBox v1.35.0 (Debian 1:1.35.0-4+b1) multi-call binary."
    assert (
        names[3]
        == "coreutils-" + _host_version(["ls", "--version"]).splitlines()[0].split()[-1]
    )
    busybox_banner = _host_version(["busybox", "--help"]).splitlines()[0]
    assert names[4] == "busybox-" + busybox_banner.split()[1].removeprefix("v")
