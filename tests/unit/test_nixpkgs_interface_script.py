"""scripts/nixpkgs-interface.py against a fake nixpkgs checkout.

There is no nixpkgs checkout on the development machines, so the checkout is
made here: the files the script reads, each with the argument list (and the
`outputs` expression) read from the revision the data file names, around a
body of our own. The script must reproduce every recorded fact from it, and
notice when a file changes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, nix_available, nix_env

pytestmark = [pytest.mark.nix, pytest.mark.skipif(not nix_available(), reason="needs Nix")]

SCRIPT = REPO / "scripts" / "nixpkgs-interface.py"
DATA = REPO / "tests" / "data" / "nixpkgs-interface.json"

# A small lib with nixpkgs' names and semantics for what the files and the
# script use (our own code, not nixpkgs').
FAKE_LIB = r"""
let
  b = builtins;
  lib = rec {
    functionArgs = f: if f ? __functor then f.__functionArgs or (functionArgs (f.__functor f)) else b.functionArgs f;
    isFunction = f: b.isFunction f || (f ? __functor && isFunction (f.__functor f));
    id = x: x;
    fix = f: let x = f x; in x;
    optional = c: x: if c then [ x ] else [ ];
    optionals = c: xs: if c then xs else [ ];
    optionalString = c: s: if c then s else "";
    optionalAttrs = c: a: if c then a else { };
    filterAttrs = p: a: b.listToAttrs (b.filter (n: p n.name n.value) (map (name: { inherit name; value = a.${name}; }) (b.attrNames a)));
    attrByPath = path: default: set:
      if path == [ ] then set
      else if b.isAttrs set && set ? ${b.head path} then attrByPath (b.tail path) default set.${b.head path}
      else default;
    setFunctionArgs = f: args: { __functor = self: f; __functionArgs = args; };
    mirrorFunctionArgs = f: g: setFunctionArgs g (functionArgs f);
    makeOverridable = f: mirrorFunctionArgs f (args: let r = f args; in if b.isAttrs r then r // { override = x: r; } else r);
    extendMkDerivation = { constructDrv, extendDrvArgs, excludeDrvArgNames ? [ ], inheritFunctionArgs ? true, ... }: {
      __functor = self: args: constructDrv (final: extendDrvArgs final args);
      __functionArgs = (if inheritFunctionArgs then b.removeAttrs (functionArgs constructDrv) excludeDrvArgNames else { })
        // functionArgs (extendDrvArgs { });
    };
    toLower = s: s;
    licenses = { };
    systems.elaborate = args: rec {
      inherit (args) config;
      isStatic = args.isStatic or false;
      isLinux = true;
      isDarwin = false;
      isWindows = false;
      isCygwin = false;
      isMinGW = false;
      isUnix = true;
      isAndroid = false;
      isx86_64 = b.match "x86_64-.*" config != null;
      isAarch64 = b.match "aarch64-.*" config != null;
      system = (if isx86_64 then "x86_64" else "aarch64") + "-linux";
    };
  };
in
lib
"""

# The files the data file names, with the formals (and outputs) of the revision.
FAKE_FILES = {
    "pkgs/top-level/impure.nix": """
{ config ? { }, crossSystem ? localSystem, localSystem ? { system = args.system or builtins.currentSystem; },
  overlays ? [ ], system ? localSystem.system, ... }@args:
args
""",
    "pkgs/build-support/docker/default.nix": """
{ lib, stdenv, bash, buildPackages, cacert, callPackage, closureInfo, coreutils, devShellTools, e2fsprogs,
  fakeNss, fakeroot, file, go, jq, jshon, makeWrapper, moreutils, nix, nixosTests, pigz, pkgsBuildBuild,
  proot, rsync, runCommand, runtimeShell, shadow, skopeo, symlinkJoin, tarsum, util-linux, vmTools,
  writeClosure, writePython3, writeScript, writeShellScriptBin, writeText, writeTextDir, zstd,
  storeDir ? builtins.storeDir }:
rec {
  buildLayeredImage = lib.makeOverridable ({ name, compressor ? "gz", meta ? { }, ... }@args:
    streamLayeredImage (removeAttrs args [ "compressor" "meta" ]));
  streamLayeredImage = lib.makeOverridable (
    { name, architecture ? go.GOARCH, config ? { }, contents ? [ ], created ? "1970-01-01T00:00:01Z",
      debug ? false, enableFakechroot ? false, extraCommands ? "", fakeRootCommands ? "", fromImage ? null,
      gid ? 0, gname ? "root", includeNixDB ? false, includeStorePaths ? true, layeringPipeline ? null,
      maxLayers ? 100, meta ? { }, mtime ? "1970-01-01T00:00:01Z", passthru ? { }, tag ? null, uid ? 0,
      uname ? "root" }:
    let
      streamScript = writePython3 "stream" { } ./stream_layered_image.py;
      conf = runCommand "${name}-conf.json" { passthru.imageTag = tag; } "";
    in
    runCommand "stream-${name}" {
      inherit conf streamScript meta;
      passthru = passthru // { inherit (conf) imageTag; inherit conf streamScript; isExe = true; };
    } "makeWrapper $streamScript $out --add-flags $conf");
}
""",
    "pkgs/build-support/mkshell/default.nix": """
{ lib, stdenv }:
lib.extendMkDerivation {
  constructDrv = stdenv.mkDerivation;
  excludeDrvArgNames = [ "packages" "inputsFrom" ];
  extendDrvArgs = finalAttrs: { inputsFrom ? [ ], name ? "nix-shell", packages ? [ ], ... }@attrs: { inherit name; };
}
""",
    "pkgs/by-name/fa/fakeNss/package.nix": """
{ lib, runCommand, symlinkJoin, writeTextDir, extraGroupLines ? [ ], extraPasswdLines ? [ ] }:
symlinkJoin { name = "fake-nss"; paths = [ ]; }
""",
    "pkgs/by-name/ca/cacert/package.nix": """
{ lib, stdenv, fetchurl, buildcatrust, cacert, openssl, runCommand, writeText, blacklist ? [ ],
  extraCertificateFiles ? [ ], extraCertificateStrings ? [ ] }:
stdenv.mkDerivation { pname = "nss-cacert"; version = "3"; outputs = [ "out" "unbundled" "p11kit" "hashed" ]; }
""",
    "pkgs/build-support/trivial-builders/default.nix": """
{ lib, stdenv, config, jq, lndir, runtimeShell, shellcheck-minimal, stdenvNoCC }:
rec {
  runCommandWith = { stdenv ? stdenvNoCC, name, derivationArgs ? { }, runLocal ? false }: buildCommand:
    stdenv.mkDerivation ({ inherit name buildCommand; } // derivationArgs);
  symlinkJoin = lib.extendMkDerivation {
    constructDrv = stdenvNoCC.mkDerivation;
    excludeDrvArgNames = [ "postBuild" "stripPrefix" "paths" "failOnMissing" ];
    extendDrvArgs = finalAttrs: args@{ paths, allowSubstitutes ? false, failOnMissing ? stripPrefix == "",
      name ? "${finalAttrs.pname}-${finalAttrs.version}", postBuild ? "", preferLocalBuild ? true,
      stripPrefix ? "", ... }: { inherit name; };
  };
  writeTextFile = lib.extendMkDerivation {
    constructDrv = stdenvNoCC.mkDerivation;
    excludeDrvArgNames = [ "derivationArgs" ];
    extendDrvArgs = finalAttrs: { name, text, allowSubstitutes ? false, checkPhase ? "", derivationArgs ? { },
      destination ? "", executable ? false, meta ? { }, passthru ? { },
      pos ? builtins.unsafeGetAttrPos "name" args, preferLocalBuild ? true }@args: { inherit name text; };
    inheritFunctionArgs = false;
  };
}
""",
    "pkgs/build-support/buildenv/default.nix": """
{ lib, buildPackages, replaceVars, stdenvNoCC, writeClosure }:
lib.makeOverridable (lib.extendMkDerivation {
  constructDrv = stdenvNoCC.mkDerivation;
  excludeDrvArgNames = [ "derivationArgs" "paths" ];
  extendDrvArgs = finalAttrs: { paths, buildInputs ? null, checkCollisionContents ? true, derivationArgs ? { },
    extraOutputsToInstall ? [ ], extraPrefix ? "", ignoreCollisions ? false, ignoreSingleFileOutputs ? false,
    includeClosures ? false, manifest ? "", meta ? { }, name ? null, nativeBuildInputs ? null, passthru ? { },
    pathsToLink ? [ "/" ], pname ? null, postBuild ? "", version ? null }@args: { inherit name; };
  inheritFunctionArgs = false;
})
""",
    "pkgs/development/libraries/openssl/default.nix": """
{ lib, stdenv, fetchurl, buildPackages, coreutils, cryptodev, makeBinaryWrapper, perl, removeReferencesTo,
  testers, writeShellScript, zlib, autoloadProviders ? false, conf ? null,
  enableKTLS ? stdenv.hostPlatform.isLinux, enableMD2 ? false, enableSSL2 ? false, enableSSL3 ? false,
  extraINIConfig ? null, providers ? [ ], securityLevel ? null, static ? stdenv.hostPlatform.isStatic,
  withCryptodev ? false, withZlib ? false }:
let
  common = { hash, version, extraMeta ? { }, patches ? [ ], withDocs ? false }:
    stdenv.mkDerivation (finalAttrs: {
      pname = "openssl";
      inherit version;
      outputs = [ "bin" "dev" "out" "man" ] ++ lib.optional withDocs "doc" ++ lib.optional static "etc";
      separateDebugInfo = !stdenv.hostPlatform.isDarwin && !stdenv.hostPlatform.isAndroid
        && !(stdenv.hostPlatform.useLLVM or false) && stdenv.cc.isGNU;
    });
in
{
  openssl_3 = common { version = "3"; hash = ""; withDocs = true; };
}
""",
    "pkgs/development/libraries/zlib/default.nix": """
{ lib, stdenv, fetchurl, minizip, testers, shared ? !stdenv.hostPlatform.isStatic,
  splitStaticOutput ? shared && !(stdenv.hostPlatform.isWindows || stdenv.hostPlatform.isCygwin) }:
stdenv.mkDerivation (finalAttrs: {
  pname = "zlib";
  version = "1";
  outputs = [ "out" "dev" ] ++ lib.optional splitStaticOutput "static";
})
""",
    "pkgs/by-name/tz/tzdata/package.nix": """
{ lib, stdenv, fetchurl, buildPackages, postgresql }:
stdenv.mkDerivation (finalAttrs: { pname = "tzdata"; version = "1"; outputs = [ "out" "bin" "man" "dev" ]; })
""",
    "pkgs/shells/bash/5.nix": """
{ lib, stdenv, fetchurl, bison, buildPackages, coreutils, glibcLocales, gnused, libredirect, pkgsStatic,
  readline, updateAutotoolsGnuConfigScriptsHook, util-linuxMinimal, forFHSEnv ? false, interactive ? true,
  withDocs ? null }:
stdenv.mkDerivation (fa: {
  pname = "bash${lib.optionalString interactive "-interactive"}";
  version = "5";
  outputs = [ "out" "dev" "man" "doc" "info" ];
  separateDebugInfo = true;
})
""",
    "pkgs/by-name/da/dash/package.nix": """
{ lib, stdenv, fetchurl, buildPackages, dash, libedit, patchRcPathPosix, pkg-config, runCommand, tests }:
stdenv.mkDerivation (finalAttrs: { pname = "dash"; version = "0"; strictDeps = true; })
""",
    "pkgs/build-support/go/module.nix": """
{ lib, stdenv, cacert, gitMinimal, go }:
lib.extendMkDerivation {
  constructDrv = stdenv.mkDerivation;
  excludeDrvArgNames = [ "overrideModAttrs" ];
  extendDrvArgs = finalAttrs: { GOFLAGS ? [ ], allowGoReference ? false, buildTestBinaries ? false,
    deleteVendor ? false, enableParallelBuilding ? true, goSum ? null, ldflags ? [ ], meta ? { }, modRoot ? "./",
    nativeBuildInputs ? [ ], overrideModAttrs ? (f: p: { }), passthru ? { }, proxyVendor ? false,
    vendorHash ? throw "vendorHash", ... }@args: { inherit modRoot vendorHash; };
}
""",
    "pkgs/build-support/rust/build-rust-package/default.nix": """
{ lib, stdenv, buildPackages, cargo, cargo-auditable, cargoBuildHook, cargoCheckHook, cargoInstallHook,
  cargoNextestHook, cargoSetupHook, fetchCargoVendor, importCargoLock, rustc, windows }:
lib.extendMkDerivation {
  constructDrv = stdenv.mkDerivation;
  excludeDrvArgNames = [ "depsExtraArgs" "cargoUpdateHook" "cargoLock" "useFetchCargoVendor" "RUSTFLAGS" ];
  extendDrvArgs = finalAttrs: { auditable ? true, buildAndTestSubdir ? null, buildFeatures ? [ ], buildInputs ? [ ],
    buildNoDefaultFeatures ? false, buildType ? "release", cargoDeps ? null, cargoDepsHook ? "",
    cargoDepsName ? null, cargoLock ? null, cargoPatches ? [ ], cargoRoot ? null, cargoUpdateHook ? "",
    cargoVendorDir ? null, checkFeatures ? [ ], checkNoDefaultFeatures ? false, checkType ? "release",
    depsExtraArgs ? { }, logLevel ? "", meta ? { }, nativeBuildInputs ? [ ], patches ? [ ], sourceRoot ? null,
    useFetchCargoVendor ? true, useNextest ? false, ... }@args: { strictDeps = true; };
}
""",
    "pkgs/build-support/rust/import-cargo-lock.nix": """
{ lib, fetchurl, cargo, fetchgit, jq, python3Packages, runCommand, writers }:
{ allowBuiltinFetchGit ? false, extraRegistries ? { }, lockFile ? null, lockFileContents ? null,
  outputHashes ? { } }@args:
runCommand "cargo-vendor-dir" { } ""
""",
    "pkgs/by-name/zs/zsh/package.nix": """
{ lib, stdenv, fetchurl, autoreconfHook, buildPackages, groff, ncurses, nixosTests, pcre2, perl, pkg-config,
  texinfo, util-linuxMinimal, yodl }:
stdenv.mkDerivation (finalAttrs: { pname = "zsh"; version = "5"; outputs = [ "out" "doc" "info" "man" ]; })
""",
    # The libraries hostpkgs imports (nix/hostpkgs/pkgs/libraries.json).
    "pkgs/development/libraries/libxcrypt/default.nix": """
{ lib, stdenv, fetchurl, fetchpatch, nixosTests, perl, python3, runCommand, enableHashes ? "strong" }:
stdenv.mkDerivation (finalAttrs: { pname = "libxcrypt"; version = "4"; outputs = [ "out" "man" ]; })
""",
    "pkgs/development/libraries/sqlite/default.nix": """
{ lib, stdenv, fetchurl, buildPackages, gitUpdater, ncurses, python3Packages, readline, sqldiff,
  sqlite-analyzer, sqlite-rsync, tcl, tinysparql, unzip, zlib, interactive ? false }:
stdenv.mkDerivation rec {
  pname = "sqlite${lib.optionalString interactive "-interactive"}";
  version = "3";
  outputs = [ "bin" "dev" "man" "doc" "out" ];
  separateDebugInfo = stdenv.hostPlatform.isLinux;
}
""",
    "pkgs/development/libraries/ncurses/default.nix": """
{ lib, stdenv, fetchurl, binlore, buildPackages, gpm, ncurses, pkg-config, testers,
  updateAutotoolsGnuConfigScriptsHook, abiVersion ? "6", enableStatic ? stdenv.hostPlatform.isStatic,
  mouseSupport ? false, unicodeSupport ? true, withCxx ? true, withTermlib ? false }:
stdenv.mkDerivation (finalAttrs: {
  pname = "ncurses";
  version = "6";
  outputs = [ "out" "dev" "man" ];
  separateDebugInfo = false;
})
""",
    "pkgs/development/libraries/readline/8.3.nix": """
{ lib, stdenv, fetchurl, fetchpatch, ncurses, termcap, updateAutotoolsGnuConfigScriptsHook,
  curses-library ? if stdenv.hostPlatform.isWindows then termcap else ncurses }:
stdenv.mkDerivation (finalAttrs: { pname = "readline"; version = "8"; outputs = [ "out" "dev" "man" "doc" "info" ]; })
""",
    "pkgs/by-name/li/libevent/package.nix": """
{ lib, stdenv, fetchurl, fetchpatch, findutils, fixDarwinDylibNames, openssl,
  updateAutotoolsGnuConfigScriptsHook, sslSupport ? true, static ? stdenv.hostPlatform.isStatic }:
stdenv.mkDerivation (finalAttrs: {
  pname = "libevent";
  version = "2";
  outputs = [ "out" "dev" ] ++ lib.optional sslSupport "openssl";
})
""",
    "pkgs/by-name/pc/pcre2/package.nix": """
{ lib, stdenv, fetchurl, updateAutotoolsGnuConfigScriptsHook, withJitSealloc ? true }:
stdenv.mkDerivation rec { pname = "pcre2"; version = "10"; outputs = [ "bin" "dev" "out" "doc" "man" "devdoc" ]; }
""",
    "pkgs/tools/compression/zstd/default.nix": """
{ lib, stdenv, fetchFromGitHub, arrow-cpp, bashNonInteractive, cmake, curl, file, fixDarwinDylibNames,
  gnugrep, haskellPackages, libarchive, libzip, nix-update-script, python3Packages, rocksdb, testers,
  buildContrib ? stdenv.hostPlatform == stdenv.buildPlatform, doCheck ? stdenv.hostPlatform == stdenv.buildPlatform,
  enableStatic ? static, legacySupport ? false, static ? stdenv.hostPlatform.isStatic }:
stdenv.mkDerivation (finalAttrs: {
  pname = "zstd";
  version = "1";
  outputs = [ "bin" "dev" ] ++ lib.optional stdenv.hostPlatform.isUnix "man" ++ [ "out" ];
})
""",
    "pkgs/tools/compression/xz/default.nix": """
{ lib, stdenv, fetchurl, autoreconfHook, testers, writeScript, enableStatic ? stdenv.hostPlatform.isStatic }:
stdenv.mkDerivation (finalAttrs: { pname = "xz"; version = "5"; outputs = [ "bin" "dev" "out" "man" "doc" ]; })
""",
    "pkgs/tools/compression/bzip2/default.nix": """
{ lib, stdenv, fetchurl, autoreconfHook, testers, enableShared ? true,
  enableStatic ? with stdenv.hostPlatform; isStatic || isCygwin }:
stdenv.mkDerivation (finalAttrs: { pname = "bzip2"; version = "1"; outputs = [ "bin" "dev" "out" "man" ]; })
""",
    "pkgs/by-name/lz/lz4/package.nix": """
{ lib, stdenv, fetchFromGitHub, cmake, fetchpatch, testers, valgrind }:
stdenv.mkDerivation (finalAttrs: { pname = "lz4"; version = "1"; outputs = [ "dev" "lib" "man" "out" ]; })
""",
    "pkgs/development/libraries/libffi/default.nix": """
{ lib, stdenv, fetchurl, doCheck ? !(stdenv.hostPlatform.isStatic), dejagnu, nix-update-script, testers }:
stdenv.mkDerivation (finalAttrs: { pname = "libffi"; version = "3"; outputs = [ "out" "dev" "man" "info" ]; })
""",
    "pkgs/by-name/ex/expat/package.nix": """
{ lib, stdenv, fetchurl, haskellPackages, luaPackages, ocamlPackages, perlPackages, python3, testers,
  updateAutotoolsGnuConfigScriptsHook }:
stdenv.mkDerivation (finalAttrs: { pname = "expat"; version = "2"; outputs = [ "out" "dev" ]; })
""",
    "pkgs/by-name/li/libyaml/package.nix": """
{ lib, stdenv, fetchFromGitHub, autoreconfHook }:
stdenv.mkDerivation (finalAttrs: { pname = "libyaml"; version = "0"; outputs = [ "out" "dev" ]; })
""",
    "pkgs/by-name/li/libuv/package.nix": """
{ lib, stdenv, fetchFromGitHub, autoconf, automake, bind, cmake, darwin, knot-resolver_5, libtool,
  luajitPackages, mosquitto, neovim, nodejs, ocamlPackages, pkg-config, pkgsStatic, python3, sbclPackages,
  testers }:
stdenv.mkDerivation (finalAttrs: {
  pname = "libuv";
  version = "1";
  outputs = [ "out" "dev" ];
  separateDebugInfo = !stdenv.hostPlatform.isStatic;
})
""",
    "pkgs/by-name/cu/curlMinimal/package.nix": """
{ lib, stdenv, fetchurl, autoreconfHook, brotli, c-aresMinimal, coeurl, curlpp, fetchpatch, gnutls, gsasl,
  haskellPackages, libidn2, libkrb5, libpsl, libssh2, nghttp2, nghttp3, ngtcp2, nixosTests, ocamlPackages,
  openldap, openssl, perl, phpExtensions, pkg-config, pkgsStatic, python3, rtmpdump, rustls-ffi, testers,
  tests, zlib, zstd, brotliSupport ? false, c-aresSupport ? false, gnutlsSupport ? false,
  gsaslSupport ? false, gssSupport ? !stdenv.hostPlatform.isStatic, http2Support ? true,
  http3Support ? false, idnSupport ? false, ldapSupport ? false, opensslSupport ? zlibSupport,
  pslSupport ? false, rtmpSupport ? false, rustlsSupport ? false, scpSupport ? zlibSupport,
  websocketSupport ? false, zlibSupport ? true, zstdSupport ? false }:
stdenv.mkDerivation (finalAttrs: {
  pname = "curl";
  version = "8";
  outputs = [ "bin" "dev" "out" "man" "devdoc" ];
  separateDebugInfo = stdenv.hostPlatform.isLinux;
})
""",
    "pkgs/by-name/li/libcap/package.nix": """
{ lib, stdenv, fetchurl, bind, buildPackages, chrony, go, htop, libcap, libgcrypt, libvirt, ntp,
  pkgsBuildHost, qemu, runtimeShell, squid, testers, tor, uwsgi, isStatic ? stdenv.hostPlatform.isStatic,
  pam ? null, usePam ? !isStatic, withGo ? false }:
stdenv.mkDerivation rec {
  pname = "libcap";
  version = "2";
  outputs = [ "out" "dev" "lib" "man" "doc" ] ++ lib.optional usePam "pam";
}
""",
    "pkgs/development/libraries/icu/default.nix": """
{ lib, stdenv, fetchurl, buildPackages, fetchpatch, fixDarwinDylibNames, testers,
  updateAutotoolsGnuConfigScriptsHook }:
let
  make-icu = { hash, version, patchFlags ? [ ], patches ? [ ], withStatic ? stdenv.hostPlatform.isStatic }:
    stdenv.mkDerivation (finalAttrs: {
      pname = "icu4c";
      inherit version;
      outputs = [ "out" "dev" ] ++ lib.optional withStatic "static";
    });
in
{
  icu78 = make-icu { version = "78"; hash = ""; };
}
""",
}


def fake_checkout(root: Path) -> Path:
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "default.nix").write_text(FAKE_LIB)
    for rel, text in FAKE_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=nix_env(),
                          timeout=600)


def blanked(data: dict) -> dict:  # type: ignore[type-arg]
    """The data file with every fact the script fills in emptied."""
    copy = json.loads(json.dumps(data))
    for entry in copy["functions"].values():
        entry["args"] = {}
    for entry in copy["results"].values():
        entry["passthru"] = []
    for entry in copy["outputs"].values():
        entry["platforms"] = {p: [] for p in entry["platforms"]}
    return copy


def test_every_recorded_fact_is_reproduced_from_the_checkout(tmp_path: Path) -> None:
    recorded = json.loads(DATA.read_text())
    checkout = fake_checkout(tmp_path / "nixpkgs")
    sources = {e["source"] for kind in ("functions", "results", "outputs") for e in recorded[kind].values()}
    assert sources <= set(FAKE_FILES), "the fake checkout lacks a file the data file reads"
    data = tmp_path / "interface.json"
    data.write_text(json.dumps(blanked(recorded)))
    for revision in recorded["revisions"]:
        proc = run_script(str(checkout), "--revision", revision, "--data", str(data))
        assert proc.returncode == 0, proc.stderr
        if revision == "nixos-26.05":
            assert "functions.dockerTools.streamLayeredImage: args" in proc.stdout
    assert json.loads(data.read_text()) == recorded
    # --check: nothing differs any more.
    for revision in recorded["revisions"]:
        again = run_script(str(checkout), "--revision", revision, "--data", str(data), "--check")
        assert (again.returncode, again.stdout) == (0, "")


def test_check_names_what_changed_in_the_checkout(tmp_path: Path) -> None:
    checkout = fake_checkout(tmp_path / "nixpkgs")
    docker = checkout / "pkgs/build-support/docker/default.nix"
    docker.write_text(docker.read_text().replace(' mtime ? "1970-01-01T00:00:01Z",', ""))
    zlib = checkout / "pkgs/development/libraries/zlib/default.nix"
    zlib.write_text(zlib.read_text().replace("shared ? !stdenv.hostPlatform.isStatic", "shared ? true"))
    before = DATA.read_bytes()
    proc = run_script(str(checkout), "--revision", "nixos-26.05", "--data", str(DATA), "--check")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any(line.startswith("functions.dockerTools.streamLayeredImage: args") and '"mtime": true' in line
               for line in lines)
    assert any(line.startswith("outputs.zlib: platforms") for line in lines)
    assert DATA.read_bytes() == before  # --check writes nothing


def test_not_a_checkout_and_unknown_revision_are_one_line_errors(tmp_path: Path) -> None:
    proc = run_script(str(tmp_path), "--revision", "nixos-26.05")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "is not a nixpkgs checkout" in proc.stderr
    checkout = fake_checkout(tmp_path / "nixpkgs")
    proc = run_script(str(checkout), "--revision", "nixos-99.05", "--data", str(DATA))
    assert proc.returncode == 2 and "no revision 'nixos-99.05'" in proc.stderr
