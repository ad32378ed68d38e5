"""Shell mode's [package] artifact: config forms, placeholders, the checks made
before the store import, the generated Nix that reads it back, and the fix-up
record nixbuild reports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from nixbuild import config, fixup, platforms, render
from nixbuild.builders import artifact
from nixbuild.errors import EXIT_CONFIG, EXIT_PROOF, EXIT_TOOL_FAILED, BuildCommandError, ConfigError
from nixbuild.proof import ProofError

SHELL = '[package]\nname = "app"\nbuilder = "shell"\nbuild = "make"\n'


def load(tmp_path: Path, artifact_line: str) -> config.Project:
    (tmp_path / "nixbuild.toml").write_text(SHELL + artifact_line + "\n")
    return config.load(tmp_path)


def config_error(tmp_path: Path, artifact_line: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, artifact_line)
    assert info.value.exit_code == EXIT_CONFIG
    return info.value.message


def test_a_path_or_a_list(tmp_path: Path) -> None:
    assert load(tmp_path, 'artifact = "./build/app"').package.options.artifact == ("build/app",)
    listed = load(tmp_path, 'artifact = ["build/{target}/app", "build/{triple}/libapp.so.1", "assets/"]')
    assert listed.package.options.artifact == ("build/{target}/app", "build/{triple}/libapp.so.1", "assets")


@pytest.mark.parametrize(("line", "expected"), [
    ('artifact = "build/{arch}/app"', "package.artifact: 'build/{arch}/app': unknown placeholder {arch}"),
    ('artifact = []', "package.artifact: must name at least one file or directory"),
    ('artifact = "."', "package.artifact: '.' names the project directory itself"),
    ('artifact = "../app"', "package.artifact: '../app' is outside the project"),
    ('artifact = ["a/app", "b/app"]', "package.artifact: two entries are named 'app'"),
    ('artifact = "build/my app"', "package.artifact: 'build/my app': the file name 'my app' cannot be a Nix store name"),
    ('artifact = "build/' + "a" * 212 + '"', "the file name is too long for a Nix store name (at most 211 characters)"),
    ('artifact = 3', "package.artifact: must be a string or a list, not an integer"),
    ('artifact = ["x", 3]', "package.artifact: must be a list of strings, found an integer"),
])
def test_config_errors(tmp_path: Path, line: str, expected: str) -> None:
    assert expected in config_error(tmp_path, line)


def test_placeholders_expand_per_target() -> None:
    arm, static = platforms.get("aarch64-linux"), platforms.get("x86_64-linux-static")
    assert artifact.expand("out/{triple}/{target}/app", arm) == "out/aarch64-unknown-linux-gnu/aarch64-linux/app"
    # {triple} is the binaries' triple: musl for a static target.
    assert artifact.expand("target/{triple}/release/app", static) == "target/x86_64-unknown-linux-musl/release/app"


def test_generated_nix_reads_the_same_paths(tmp_path: Path) -> None:
    """package.nix evaluates each entry to the path nixbuild checks, for every target."""
    project = load(tmp_path, 'artifact = ["out/{triple}/app", "out/{target}-data"]\n[target]\n'
                             'platforms = ["x86_64-linux", "aarch64-linux", "x86_64-linux-static"]')
    files = render.plan_files(project)
    package = files["package.nix"].decode()
    assert 'path = (../. + ("/out/" + triple + "/app"));' in package
    assert 'name = (target + "-data");' in package
    gen = tmp_path / ".nixbuild"
    gen.mkdir()
    (gen / "targets.nix").write_bytes(files["targets.nix"])
    (gen / "probe.nix").write_text(
        "{ target }: let inherit ((import ./targets.nix).${target}) triple; in toString "
        + artifact.path_expr("out/{triple}/app") + "\n")
    for target in project.target.platforms:
        got = subprocess.run(["nix-instantiate", "--eval", "--json", str(gen / "probe.nix"), "--argstr", "target", target],
                             capture_output=True, text=True, check=True).stdout
        assert json.loads(got) == str(tmp_path / artifact.expand("out/{triple}/app", platforms.get(target)))


def _elf(tmp_path: Path, name: str, compiler: str = "gcc", *flags: str) -> Path:
    out = tmp_path / name
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([compiler, "-o", str(out), "-x", "c", "-", *flags], input="int main(void){return 0;}\n",
                   text=True, check=True)
    return out


def check_error(tmp_path: Path, entries: tuple[str, ...], program: str = "app", target: str = "x86_64-linux") -> str:
    with pytest.raises(BuildCommandError) as info:
        artifact.check(tmp_path, entries, program, target)
    assert info.value.exit_code == EXIT_TOOL_FAILED
    return info.value.message


def test_checks_before_the_store_import(tmp_path: Path) -> None:
    _elf(tmp_path, "build/app")
    _elf(tmp_path, "build/libapp.so.1.0", "gcc", "-shared")
    os.symlink("libapp.so.1.0", tmp_path / "build/libapp.so.1")
    found = artifact.check(tmp_path, ("build/app", "build/libapp.so.1.0"), "app", "x86_64-linux")
    assert [e.rel for e in found] == ["build/app", "build/libapp.so.1.0"]
    assert "did not produce build/nothing" in check_error(tmp_path, ("build/nothing",))
    # Nix would copy the link itself, dangling in the store.
    assert "artifact build/libapp.so.1 is a symbolic link (to libapp.so.1.0)" in check_error(
        tmp_path, ("build/app", "build/libapp.so.1"))
    assert "has no program 'tool'" in check_error(tmp_path, ("build/app", "build/libapp.so.1.0"), program="tool")
    with pytest.raises(ProofError) as wrong:  # the closure proof's verdict, before the store import
        artifact.check(tmp_path, ("build/app",), "app", "aarch64-linux")
    assert wrong.value.exit_code == EXIT_PROOF
    assert "build/app: is an ELF binary for x86_64 (64-bit), but the image is for aarch64-linux" in wrong.value.message


def test_directories_install_trees_and_foreign_files(tmp_path: Path) -> None:
    _elf(tmp_path, "stage/bin/app")
    (tmp_path / "stage/share/app").mkdir(parents=True)
    assert artifact.check(tmp_path, ("stage",), "app", "x86_64-linux")
    if shutil.which("aarch64-linux-gnu-gcc"):
        _elf(tmp_path, "stage/lib/helper", "aarch64-linux-gnu-gcc")
        with pytest.raises(ProofError, match="stage/lib/helper: is an ELF binary for aarch64"):
            artifact.check(tmp_path, ("stage",), "app", "x86_64-linux")
        (tmp_path / "stage/lib/helper").unlink()
    os.symlink("/etc/passwd", tmp_path / "stage/share/app/passwd")
    assert "stage/share/app/passwd links outside stage" in check_error(tmp_path, ("stage",))


RECORD = (
    "bin/app\t/lib64/ld-linux-x86-64.so.2\t/nix/store/" + "a" * 32 + "-glibc/lib/ld-linux-x86-64.so.2\t"
    "/tmp/p/build\t/nix/store/" + "b" * 32 + "-zlib-1.3/lib\tlibz.so.1:libc.so.6\tlibz.so.1:libc.so.6\n"
    "lib/libapp.so.1\t\t\t\t\tlibc.so.6\tlibc.so.6\n"
)


def test_fixup_record_reads_back() -> None:
    files = fixup.parse(RECORD)
    assert [f.path for f in files] == ["bin/app", "lib/libapp.so.1"]
    app, lib = files
    assert app.changed and not lib.changed
    assert app.needed == ("libz.so.1", "libc.so.6")
    data = fixup.as_dict(app)
    assert data["interpreter"] == {"before": "/lib64/ld-linux-x86-64.so.2",
                                   "after": "/nix/store/" + "a" * 32 + "-glibc/lib/ld-linux-x86-64.so.2"}
    assert data["runpath"] == {"before": ["/tmp/p/build"], "after": ["/nix/store/" + "b" * 32 + "-zlib-1.3/lib"]}
    assert fixup.as_dict(lib)["interpreter"] == {"before": None, "after": None}
    assert fixup.text_lines(files) == [
        "bin/app: interpreter /lib64/ld-linux-x86-64.so.2 → /nix/store/…-glibc/lib/ld-linux-x86-64.so.2",
        "bin/app: RUNPATH /tmp/p/build → /nix/store/…-zlib-1.3/lib",
        "lib/libapp.so.1: unchanged (RUNPATH (none))",
    ]
    with pytest.raises(ValueError, match="expected 7 tab-separated fields"):
        fixup.parse("bin/app\tx\n")
    # Only the hash changed (a Go build cache's loader of an earlier package set): it shows.
    old, new = "/nix/store/p67sbh7" + "6" * 25 + "-glibc-host", "/nix/store/f79nk7c" + "7" * 25 + "-glibc-host"
    rehashed = fixup.parse(f"bin/go\t{old}/lib/ld.so\t{new}/lib/ld.so\t\t{new}/lib\tlibc.so.6\tlibc.so.6\n")
    assert fixup.text_lines(rehashed) == [
        "bin/go: interpreter /nix/store/p67sbh7…-glibc-host/lib/ld.so → /nix/store/f79nk7c…-glibc-host/lib/ld.so",
        "bin/go: RUNPATH (none) → /nix/store/…-glibc-host/lib",
    ]


def test_missing_libraries_from_the_hooks_log() -> None:
    log = ("    libz.so.1 -> not found!\n"
           "error: auto-patchelf could not satisfy dependency libz.so.1 wanted by /nix/store/" + "c" * 32
           + "-zpipe-1.0/bin/zpipe\n")
    assert fixup.missing_libraries(log) == (("bin/zpipe", "libz.so.1"),)
    assert fixup.provider_hint("libcrypto.so.3") == "openssl" and fixup.provider_hint("libfoo.so.2") is None
