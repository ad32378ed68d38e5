"""hostpkgs' cross package sets (pkgsCross, crossSystem, pkgsStatic of a
cross set), with real builds by Debian's cross gcc and runs under qemu-user.

Expected values are nixpkgs' (lib/systems/{default,inspect,examples}.nix);
ELF facts are read from the built files here, not from hostpkgs.
"""

from __future__ import annotations

import errno
import io
import json
import struct
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.nix

# pkgsCross name -> nixpkgs' hostPlatform facts.
_FIELDS = ("config", "system", "cpu", "linuxArch", "GOARCH", "GOARM", "libc", "isMusl", "flag")
PLATFORMS = {
    name: dict(zip(_FIELDS, row, strict=True))
    for name, *row in [
        ("gnu64", "x86_64-unknown-linux-gnu", "x86_64-linux", "x86_64", "x86_64", "amd64", "", "glibc", False,
         "isx86_64"),
        ("musl64", "x86_64-unknown-linux-musl", "x86_64-linux", "x86_64", "x86_64", "amd64", "", "musl", True,
         "isx86_64"),
        ("aarch64-multiplatform", "aarch64-unknown-linux-gnu", "aarch64-linux", "aarch64", "arm64", "arm64", "",
         "glibc", False, "isAarch64"),
        ("aarch64-multiplatform-musl", "aarch64-unknown-linux-musl", "aarch64-linux", "aarch64", "arm64", "arm64", "",
         "musl", True, "isAarch64"),
        ("riscv64", "riscv64-unknown-linux-gnu", "riscv64-linux", "riscv64", "riscv", "riscv64", "", "glibc", False,
         "isRiscV64"),
        ("armv7l-hf-multiplatform", "armv7l-unknown-linux-gnueabihf", "armv7l-linux", "armv7l", "arm", "arm", "7",
         "glibc", False, "isAarch32"),
    ]
}
FLAGS = ("isx86_64", "isAarch64", "isAarch32", "isRiscV64")

# Targets built here: pkgsCross name -> (ELF e_machine, ELF class bits,
# glibc loader file name, qemu-user arch).
BUILT = {
    "aarch64-multiplatform": (183, 64, "ld-linux-aarch64.so.1", "aarch64"),
    "riscv64": (243, 64, "ld-linux-riscv64-lp64d.so.1", "riscv64"),
    "armv7l-hf-multiplatform": (40, 32, "ld-linux-armhf.so.3", "arm"),
}


@dataclass(frozen=True)
class Elf:
    bits: int
    machine: int
    interpreter: str
    sections: frozenset[str]


def read_elf(path: Path) -> Elf:
    """The few ELF header facts the tests check (little-endian files only)."""
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF", f"{path} is not ELF"
    assert data[5] == 1, "expected a little-endian ELF"
    bits = {1: 32, 2: 64}[data[4]]
    if bits == 64:
        phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
        phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHHH", data, 0x36)
    else:
        phoff, shoff = struct.unpack_from("<II", data, 0x1C)
        phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHHH", data, 0x2A)
    (machine,) = struct.unpack_from("<H", data, 0x12)

    interpreter = ""
    for i in range(phnum):
        at = phoff + i * phentsize
        (p_type,) = struct.unpack_from("<I", data, at)
        if p_type == 3:  # PT_INTERP
            if bits == 64:
                offset, _, _, filesz = struct.unpack_from("<QQQQ", data, at + 8)
            else:
                offset, _, _, filesz = struct.unpack_from("<IIII", data, at + 4)
            interpreter = data[offset : offset + filesz].rstrip(b"\0").decode()

    def section(i: int) -> tuple[int, int, int]:
        at = shoff + i * shentsize
        if bits == 64:
            name, _, _, _, offset, size = struct.unpack_from("<IIQQQQ", data, at)
        else:
            name, _, _, _, offset, size = struct.unpack_from("<IIIIII", data, at)
        return name, offset, size

    _, str_offset, _ = section(shstrndx)
    names = set()
    for i in range(shnum):
        name, _, _ = section(i)
        end = data.index(b"\0", str_offset + name)
        names.add(data[str_offset + name : end].decode())
    return Elf(bits, machine, interpreter, frozenset(names))


def _cross(name: str) -> str:
    return f'(import <hostpkgs> {{ }}).pkgsCross.{json.dumps(name)}'


def test_host_platform_of_every_pkgs_cross_set(module_nix) -> None:
    attrs = "config system isStatic isMusl libc linuxArch isLinux isDarwin " + " ".join(FLAGS)
    got = module_nix.eval_json(
        f"""let pkgs = import <hostpkgs> {{ }};
        facts = p: {{ inherit (p) {attrs}; cpu = p.parsed.cpu.name; inherit (p.go) GOARCH GOOS GOARM; }};
        in builtins.mapAttrs (_: s: {{
          host = facts s.stdenv.hostPlatform;
          build = s.stdenv.buildPlatform.config;
          target = s.stdenv.targetPlatform.config;
          buildPackages = s.buildPackages.stdenv.hostPlatform.config;
          drvSystem = (s.stdenv.mkDerivation {{ name = "x"; buildCommand = "true"; }}).system;
          prefix = s.stdenv.cc.targetPrefix;
        }}) {{ inherit (pkgs.pkgsCross) {" ".join(json.dumps(n) for n in PLATFORMS)}; }}"""
    )
    for name, want in PLATFORMS.items():
        host = got[name]["host"]
        facts = _FIELDS[:-1]
        assert {k: host[k] for k in facts} == {k: want[k] for k in facts}, name
        assert host["GOOS"] == "linux" and host["isLinux"] and not host["isDarwin"] and not host["isStatic"], name
        assert {f for f in FLAGS if host[f]} == {want["flag"]}, name
        assert got[name]["target"] == want["config"], name
        assert got[name]["build"] == got[name]["buildPackages"] == "x86_64-unknown-linux-gnu", name
        assert got[name]["drvSystem"] == "x86_64-linux", name
        native = want["config"] == "x86_64-unknown-linux-gnu"
        assert got[name]["prefix"] == ("" if native else want["config"] + "-"), name


def test_cross_system_forms_and_static_composition(module_nix) -> None:
    got = module_nix.eval_json(
        """let
          H = import <hostpkgs>;
          pkgs = H { };
          a64 = pkgs.pkgsCross.aarch64-multiplatform;
          cc = s: s.stdenv.cc.outPath;
          p = s: { inherit (s.stdenv.hostPlatform) config isStatic; };
        in {
          sameCc = [
            (cc (H { crossSystem = "aarch64-linux"; }) == cc a64)
            (cc (H { localSystem = "x86_64-linux"; crossSystem = { system = "aarch64-linux"; }; }) == cc a64)
            (cc (H { localSystem = { system = "x86_64-linux"; };
                     crossSystem = { config = "riscv64-unknown-linux-gnu"; };
                     overlays = [ ]; config = { }; }) == cc pkgs.pkgsCross.riscv64)
            (cc (H { crossSystem = null; }) == cc pkgs)
            (cc pkgs.pkgsCross.gnu64 == cc pkgs)
          ];
          a64Static = p a64.pkgsStatic;
          a64StaticTwice = p a64.pkgsStatic.pkgsStatic;
          armStatic = p pkgs.pkgsCross.armv7l-hf-multiplatform.pkgsStatic;
          nativeStatic = p pkgs.pkgsStatic;
          musl64Static = p pkgs.pkgsCross.musl64.pkgsStatic;
          crossOfCross = p a64.pkgsCross.riscv64;
          emulator = a64.stdenv.hostPlatform.emulator a64.buildPackages;
          qemu = "${a64.buildPackages.qemu-user}/bin/qemu-aarch64";
          dynamicLinker = a64.stdenv.cc.bintools.dynamicLinker;
          glibc = "${a64.glibc}/lib/ld-linux-aarch64.so.1";
        }"""
    )
    assert got["sameCc"] == [True] * 5
    assert got["a64Static"] == got["a64StaticTwice"] == {"config": "aarch64-unknown-linux-musl", "isStatic": True}
    assert got["armStatic"] == {"config": "armv7l-unknown-linux-musleabihf", "isStatic": True}
    assert got["nativeStatic"] == got["musl64Static"] == {"config": "x86_64-unknown-linux-musl", "isStatic": True}
    assert got["crossOfCross"] == {"config": "riscv64-unknown-linux-gnu", "isStatic": False}
    assert got["emulator"] == got["qemu"]
    assert got["dynamicLinker"] == got["glibc"]


@pytest.mark.parametrize("name", sorted(BUILT))
def test_cross_hello_is_a_target_binary_with_a_two_path_closure(nix, hello_src: Path, hello_drv: str,
                                                               name: str) -> None:
    machine, bits, loader, qemu_arch = BUILT[name]
    nix.write("hello.nix", f"let pkgs = {_cross(name)}; in\n{hello_drv}\n")
    (bin_out,) = nix.build("hello.nix", "bin", link="bin")
    (glibc,) = nix.build("<hostpkgs>", f'pkgsCross."{name}".glibc.out', link="glibc")
    (qemu,) = nix.build("<hostpkgs>", f'pkgsCross."{name}".buildPackages.qemu-user', link="qemu")
    hello = bin_out / "bin" / "hello"

    elf = read_elf(hello)
    assert (elf.machine, elf.bits) == (machine, bits)
    assert elf.interpreter == f"{glibc}/lib/{loader}"
    assert ".debug_info" not in elf.sections, "the prefixed cross strip did not run"
    assert nix.closure(bin_out) == {str(bin_out), str(glibc)}
    assert read_elf(glibc / "lib" / "libc.so.6").machine == machine

    emulator = nix.eval_json(
        f'let s = {_cross(name)}; in s.stdenv.hostPlatform.emulator s.buildPackages'
    )
    assert emulator == f"{qemu}/bin/qemu-{qemu_arch}"
    run = subprocess.run([emulator, str(hello)], capture_output=True, text=True, timeout=60, check=False)
    assert (run.returncode, run.stdout) == (0, "Hello, world!\n")


def test_cross_shell_exports_prefixed_tools(nix) -> None:
    nix.write("shell.nix", f"let pkgs = {_cross('aarch64-multiplatform')}; in pkgs.mkShell {{ }}")
    proc = nix.shell(
        "shell.nix",
        'for v in CC CXX AR LD NM OBJCOPY RANLIB STRIP; do printf "%s=%s\\n" $v "${!v}"; done; '
        'command -v "$CC" "$AR" "$STRIP" "$LD" "$NM" "$OBJCOPY" "$RANLIB" | xargs -n1 basename',
    )
    lines = proc.stdout.split()
    prefix = "aarch64-unknown-linux-gnu-"
    exported = dict(line.split("=", 1) for line in lines if "=" in line)
    assert exported == {v: prefix + t for v, t in [("CC", "cc"), ("CXX", "c++"), ("AR", "ar"), ("LD", "ld"),
                                                    ("NM", "nm"), ("OBJCOPY", "objcopy"), ("RANLIB", "ranlib"),
                                                    ("STRIP", "strip")]}
    found = [line for line in lines if "=" not in line]
    assert found == [prefix + t for t in ("cc", "ar", "strip", "ld", "nm", "objcopy", "ranlib")]


def test_musl64_is_dynamic_musl_and_runs(nix, hello_src: Path, hello_drv: str) -> None:
    nix.write("hello.nix", f"let pkgs = {_cross('musl64')}; in\n{hello_drv}\n")
    (bin_out,) = nix.build("hello.nix", "bin", link="bin")
    (musl,) = nix.build("<hostpkgs>", "pkgsCross.musl64.musl", link="musl")
    hello = bin_out / "bin" / "hello"
    assert read_elf(hello).interpreter == f"{musl}/lib/ld-musl-x86_64.so.1"
    assert nix.closure(bin_out) == {str(bin_out), str(musl)}
    assert subprocess.run([hello], capture_output=True, text=True, check=True).stdout == "Hello, world!\n"


@pytest.mark.parametrize(
    "expr",
    ["pkgsCross.aarch64-multiplatform-musl", "pkgsCross.aarch64-multiplatform.pkgsStatic"],
)
def test_aarch64_musl_evaluates_and_fails_with_one_message(nix, hello_src: Path, hello_drv: str, expr: str) -> None:
    nix.write("hello.nix", f"let pkgs = (import <hostpkgs> {{ }}).{expr}; in\n{hello_drv}\n")
    drv = nix.eval_json("(import ./hello.nix).drvPath")
    assert drv.startswith("/nix/store/") and drv.endswith("-aarch64-unknown-linux-musl-1.0.drv")
    stderr = nix.build_fails("hello.nix", "bin")
    assert "aarch64 musl toolchain is not available on this host (hostpkgs)" in stderr


@pytest.mark.parametrize(("name", "arch"), [("aarch64-multiplatform", "arm64"), ("armv7l-hf-multiplatform", "arm")])
def test_cross_docker_tools_labels_the_target_architecture(nix, hello_src: Path, hello_drv: str,
                                                           name: str, arch: str) -> None:
    nix.write(
        "image.nix",
        f"""let pkgs = {_cross(name)}; hello = {hello_drv}; in
        pkgs.dockerTools.streamLayeredImage {{
          name = "hello";
          tag = "t";
          config.Entrypoint = [ "${{hello.bin}}/bin/hello" ];
        }}""",
    )
    (script,) = nix.build("image.nix", "streamScript", link="stream-script")
    (conf,) = nix.build("image.nix", "conf", link="stream-conf")
    archive = nix.workdir / "image.tar"
    with archive.open("wb") as out:
        subprocess.run([script, conf], stdout=out, check=True, timeout=120)
    inspect = json.loads(subprocess.run(["skopeo", "inspect", f"docker-archive:{archive}"],
                                        capture_output=True, text=True, check=True).stdout)
    assert (inspect["Architecture"], inspect["Os"]) == (arch, "linux")
    config = json.loads(subprocess.run(["skopeo", "inspect", "--config", f"docker-archive:{archive}"],
                                       capture_output=True, text=True, check=True).stdout)
    assert "variant" not in config
    assert config["architecture"] == arch


def test_overlays_apply_to_cross_static_and_build_sets(module_nix) -> None:
    got = module_nix.eval_json(
        """let pkgs = import <hostpkgs> {
          overlays = [ (final: prev: { greeting = "hi " + final.stdenv.hostPlatform.config; }) ];
          crossOverlays = [ (final: prev: { crossOnly = true; }) ];
        };
        r = s: { g = s.greeting; c = s.crossOnly or false; };
        cross = pkgs.pkgsCross.riscv64;
        in [ (r pkgs) (r cross) (r cross.buildPackages) (r cross.pkgsStatic) ]"""
    )
    assert got == [
        {"g": "hi x86_64-unknown-linux-gnu", "c": False},
        {"g": "hi riscv64-unknown-linux-gnu", "c": True},
        {"g": "hi x86_64-unknown-linux-gnu", "c": False},
        {"g": "hi riscv64-unknown-linux-musl", "c": True},
    ]


def test_cross_stream_wrapper_has_the_targets_shebang_and_cannot_be_executed(nix, hello_src: Path,
                                                                            hello_drv: str) -> None:
    """As nixpkgs before PR 536230: the stream-<name> wrapper of a cross set names
    the target's shell, so executing it on the build machine fails; its
    streamScript is built for the build platform and streams with the conf."""
    nix.write(
        "image.nix",
        f"""let pkgs = {_cross("aarch64-multiplatform")}; hello = {hello_drv}; in
        pkgs.dockerTools.streamLayeredImage {{ name = "hello"; tag = "t"; contents = [ hello.bin ]; }}""",
    )
    (wrapper,) = nix.build("image.nix", link="wrapper")
    interpreter = wrapper.read_text().splitlines()[0].removeprefix("#!")
    assert interpreter.startswith("/nix/store/") and interpreter.endswith("-aarch64-unknown-linux-gnu/bin/bash")
    with open(interpreter, "rb") as elf:
        header = elf.read(20)
    assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == 183  # EM_AARCH64
    with pytest.raises(OSError) as exec_error:
        subprocess.run([wrapper], capture_output=True, timeout=60)
    assert exec_error.value.errno == errno.ENOEXEC
    (script,) = nix.build("image.nix", "streamScript", link="stream-script")
    (conf,) = nix.build("image.nix", "conf", link="stream-conf")
    with open(script) as f:
        assert f.readline().startswith("#!/usr/bin/python3")  # the build machine's interpreter
    streamed = subprocess.run([script, conf], capture_output=True, check=True, timeout=120).stdout
    with tarfile.open(fileobj=io.BytesIO(streamed)) as tar:
        (manifest,) = json.load(tar.extractfile("manifest.json"))
        assert json.load(tar.extractfile(manifest["Config"]))["architecture"] == "arm64"

