"""hostpkgs behaves like nixpkgs where it used to differ (issue 18): names in
cross sets, reference checks, strictDeps, shells, lib.escapeShellArg, and the
customisation layer's mtimes. Expected values are nixpkgs' (read from its
sources, or from its lib evaluated here; see tests/data/nixpkgs-interface.json)."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.nix

AARCH64 = '(import <hostpkgs> { crossSystem = { config = "aarch64-unknown-linux-gnu"; }; })'


def test_cross_sets_add_the_host_suffix_only_where_nixpkgs_does(module_nix) -> None:
    """nixpkgs: dontAddHostSuffix = fixed-output without host inputs || !stdenv.hasCC."""
    got = module_nix.eval_json(f"""let p = {AARCH64}; in {{
      fakeNss = p.fakeNss.name;
      runCommand = (p.runCommand "x" {{ }} "").name;
      noCC = (p.stdenvNoCC.mkDerivation {{ pname = "tool"; version = "1"; }}).name;
      cc = (p.stdenv.mkDerivation {{ pname = "tool"; version = "1"; }}).name;
      fod = (p.stdenv.mkDerivation {{ name = "src"; outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; outputHashMode = "recursive"; }}).name;
      fodWithInputs = (p.stdenv.mkDerivation {{ name = "src"; outputHash = ""; buildInputs = [ p.fakeNss ]; }}).name;
      hasCC = [ p.stdenv.hasCC p.stdenvNoCC.hasCC ];
    }}""")
    assert got == {
        "fakeNss": "fake-nss",
        "runCommand": "x",
        "noCC": "tool-1",
        "cc": "tool-aarch64-unknown-linux-gnu-1",
        "fod": "src",
        "fodWithInputs": "src-aarch64-unknown-linux-gnu",
        "hasCC": [True, False],
    }


def test_disallowed_requisites_do_not_build_what_they_forbid(nix) -> None:
    """nixpkgs passes reference-check paths without their context: the forbidden
    package is not built (here it could not be), and the check still works."""
    nonce = time.time_ns()
    nix.write("check.nix", f"""
      let
        pkgs = import <hostpkgs> {{ }};
        forbidden = pkgs.runCommand "never-built-{nonce}" {{ }} "exit 1";
        leaf = pkgs.runCommand "leaf-{nonce}" {{ }} "echo leaf > $out";
      in {{
        clean = pkgs.runCommand "clean-{nonce}" {{ disallowedRequisites = [ forbidden ]; }} "echo ${{leaf}} > $out";
        dirty = pkgs.runCommand "dirty-{nonce}" {{ disallowedRequisites = [ leaf ]; }} "echo ${{leaf}} > $out";
        forbiddenPath = forbidden.outPath;
      }}""")
    (clean,) = nix.build("check.nix", "clean")
    forbidden = nix.eval_json("(import ./check.nix).forbiddenPath")
    assert not Path(forbidden).exists()
    assert "is not allowed to refer to the following paths" in nix.build_fails("check.nix", "dirty")


STRICT = """
let
  base = import <hostpkgs> { };
  pkgs = PKGS;
  tool = base.writeShellScriptBin "nixbuild-tool-NONCE" "echo tool-ran";
  use = attrs: pkgs.stdenv.mkDerivation ({
    name = "uses-tool-NONCE";
    dontUnpack = true;
    installPhase = "nixbuild-tool-NONCE > $out";
  } // attrs);
in {
  input = use { buildInputs = [ tool ]; };
  native = use { nativeBuildInputs = [ tool ]; };
  strictDeps = (use { }).drvAttrs.strictDeps;
}
"""


@pytest.mark.parametrize("where", ["native", "aarch64"])
def test_strict_deps_is_on_for_cross_builds(nix, where: str) -> None:
    """A build tool wrongly put in buildInputs works natively and fails for a
    cross build, as with nixpkgs (strictDeps is on there); nativeBuildInputs
    works for both."""
    pkgs = "base" if where == "native" else "base.pkgsCross.aarch64-multiplatform"
    nix.write("strict.nix", STRICT.replace("PKGS", pkgs).replace("NONCE", str(time.time_ns())))
    assert nix.eval_json("(import ./strict.nix).strictDeps") is (where == "aarch64")
    (native,) = nix.build("strict.nix", "native")
    assert native.read_text() == "tool-ran\n"
    if where == "native":
        (ok,) = nix.build("strict.nix", "input")
        assert ok.read_text() == "tool-ran\n"
    else:
        assert "command not found" in nix.build_fails("strict.nix", "input")


@pytest.mark.parametrize(("attr", "program", "script"), [
    ("dash", "dash", "echo dash-ran $((6 * 7))"),
    ("zsh", "zsh", "print -r -- zsh-ran ${(U):-x}"),
    ("bashInteractive", "bash", "echo bash-ran ${BASH_VERSINFO[0]}"),
])
def test_shells_are_packages_of_their_own(module_nix, attr: str, program: str, script: str) -> None:
    nix = module_nix
    (out,) = nix.build_expr(f"(import <hostpkgs> {{ }}).{attr}", link=f"shell-{attr}")
    meta = nix.eval_json(f"let p = (import <hostpkgs> {{ }}).{attr}; in {{ inherit (p.meta) mainProgram; "
                         f"shellPath = p.shellPath; name = p.name; }}")
    assert meta["mainProgram"] == program and meta["shellPath"] == f"/bin/{program}"
    assert nix.closure(out) <= {str(out), nix.eval_json("(import <hostpkgs> { }).glibc.outPath")}
    ran = subprocess.run(["bwrap", "--ro-bind", "/nix/store", "/nix/store", "--unshare-all", "--die-with-parent",
                          "--clearenv", str(out / "bin" / program), "-c", script],
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    first = {"dash": "dash-ran 42", "zsh": "zsh-ran X", "bashInteractive": "bash-ran 5"}[attr]
    assert ran.stdout.strip() == first


def test_bash_and_bash_interactive_are_two_store_paths(module_nix) -> None:
    got = module_nix.eval_json("let p = import <hostpkgs> { }; in "
                               "{ a = p.bash.outPath; b = p.bashInteractive.outPath; n = p.bashInteractive.pname; }")
    assert got["a"] != got["b"] and got["n"] == "bash-interactive"


# nixpkgs' lib.escapeShellArg, evaluated from nix-community/nixpkgs.lib (2026-06)
# on these inputs: safe strings stay bare, everything else is single-quoted.
ESCAPED = {
    "abc": "abc",
    "/nix/store/x-y/bin/hello": "/nix/store/x-y/bin/hello",
    "a b": "'a b'",
    "": "''",
    "it's": "'it'\\''s'",
    "65532:65532": "65532:65532",
    "a,b.c_d+e@f%g-h": "a,b.c_d+e@f%g-h",
    "$HOME": "'$HOME'",
    "x=y": "'x=y'",
    "~user": "'~user'",
    "été": "'été'",
}


def test_escape_shell_arg_leaves_safe_strings_bare(module_nix) -> None:
    inputs = list(ESCAPED)
    got = module_nix.eval_json(f"map (import <hostpkgs> {{ }}).lib.escapeShellArg (builtins.fromJSON {json.dumps(json.dumps(inputs))})")
    assert dict(zip(inputs, got, strict=True)) == ESCAPED
    assert module_nix.eval_json('(import <hostpkgs> { }).lib.escapeShellArgs [ "abc" "a b" ]') == "abc 'a b'"
    assert module_nix.eval_json("(import <hostpkgs> { }).lib.escapeShellArg 42") == "42"


def test_customisation_layer_files_have_nixpkgs_mtime(nix) -> None:
    """nixpkgs tars the customisation layer with --mtime @$SOURCE_DATE_EPOCH
    (315532800, 1980-01-01); `mtime` is the store path layers'."""
    nix.write("image.nix", """
      let pkgs = import <hostpkgs> { }; in
      pkgs.dockerTools.streamLayeredImage {
        name = "times"; tag = "t";
        contents = [ pkgs.fakeNss ];
        created = "2001-09-09T01:46:40Z";
        mtime = "2001-09-09T01:46:40Z";
        extraCommands = "mkdir -m 1777 tmp";
      }""")
    (script,) = nix.build("image.nix", "streamScript", link="script")
    (conf,) = nix.build("image.nix", "conf", link="conf")
    archive = subprocess.run([script, conf], capture_output=True, check=True, timeout=120).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        (manifest,) = json.load(tar.extractfile("manifest.json"))
        layers = [tarfile.open(fileobj=io.BytesIO(tar.extractfile(name).read())) for name in manifest["Layers"]]
    *store, custom = layers
    assert {m.mtime for m in custom.getmembers()} == {315532800}
    assert {"etc/passwd", "tmp"} <= {m.name.lstrip("./") for m in custom.getmembers()}
    assert {m.mtime for layer in store for m in layer.getmembers()} == {1000000000}


def test_cacert_tzdata_and_openssl_outputs_hold_what_nixpkgs_puts_there(module_nix) -> None:
    nix = module_nix
    cacert = {o: Path(p) for o, p in nix.eval_json(
        "let c = (import <hostpkgs> { }).cacert; in builtins.listToAttrs (map (o: { name = o; value = c.${o}.outPath; }) c.outputs)").items()}
    for output in cacert:
        nix.build_expr(f"(import <hostpkgs> {{ }}).cacert.{output}", link=f"cacert-{output}")
    hashed = sorted((cacert["hashed"] / "etc/ssl/certs").iterdir())
    unbundled = sorted((cacert["unbundled"] / "etc/ssl/certs").iterdir())
    assert hashed and len(hashed) == len(unbundled)
    for f in hashed[:5]:
        subject_hash = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", str(f)],
                                      capture_output=True, text=True, check=True).stdout.strip()
        assert f.name.split(".")[0] == subject_hash
    trust = (cacert["p11kit"] / "etc/ssl/trust-source/ca-bundle.trust.p11-kit").read_text()
    assert trust.count("[p11-kit-object-v1]") == len(unbundled) and trust.count("BEGIN CERTIFICATE") == len(unbundled)
    (tz_bin,) = nix.build_expr("(import <hostpkgs> { }).tzdata.bin", link="tzdata-bin")
    assert (tz_bin / "bin/zic").exists() and (tz_bin / "bin/zdump").exists()
    (debug,) = nix.build_expr("(import <hostpkgs> { }).openssl.debug", link="openssl-debug")
    assert list((debug / "lib/debug/.build-id").glob("*/*.debug"))
