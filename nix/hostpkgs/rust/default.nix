# rustc, cargo and rustPlatform as nixpkgs names them, from the host's
# Debian rustc and cargo (/usr/bin; Debian 12: rustc 1.63, cargo 0.66).
#
# A package set's `rustc` compiles for that set's host platform, as nixpkgs'
# `buildPackages.rustc` does (no splicing here: the compiler always runs on
# the build machine). It needs the target's standard library under
# /usr/lib/rustlib/<target>/, which Debian installs with its multiarch
# libstd-rust-dev:<arch> (./debian-std.json); where the host lacks it, the
# set still evaluates and building `rustc` (hence any Rust package) fails
# with one line naming what to install.
#
# rustPlatform offers buildRustPackage, importCargoLock, fetchCargoVendor
# and the cargo setup/build/check/install hooks (./build-rust-package.nix).
{
  lib,
  stdenvNoCC,
  stdenv,
  buildPackages,
  callPackage,
}:
let
  platform = stdenvNoCC.hostPlatform;
  facts = builtins.fromJSON (builtins.readFile ./debian-std.json);
  target = platform.rust.rustcTarget;
  stdDir = "${facts.rustlib}/${target}/lib";
  debArch = facts.debianArchitectures.${target} or null;

  hostImport = callPackage ../pkgs/host-import.nix { };
  # The upstream version of the Debian package providing /usr/bin/TOOL.
  hostVersion =
    tool: debianPackage:
    if builtins.pathExists "/usr/bin/${tool}" then
      hostImport.upstreamVersion (hostImport.debianVersion tool debianPackage)
    else
      "missing";

  toolMissing =
    tool: debianPackage:
    lib.optionalString (
      !builtins.pathExists "/usr/bin/${tool}"
    ) "${tool} is not installed on this host (hostpkgs wraps Debian's ${debianPackage}; hint: apt-get install rustc cargo, or run make setup)";

  stdMissing =
    if builtins.pathExists stdDir then
      ""
    else if debArch != null then
      "Rust's standard library for ${target} is not installed on this host (hostpkgs uses Debian's rustc; hint: dpkg --add-architecture ${debArch} && apt-get update && apt-get install libstd-rust-dev:${debArch})"
    else
      "Rust's standard library for ${target} is not available on this host: ${
        if platform.isMusl then facts.why.musl else facts.why.${target} or "no Debian package ships it"
      } (hostpkgs uses Debian's rustc)";

  # A host tool as a package: bin/ links into /usr/bin; `missing` makes its
  # build fail with one line.
  hostTool =
    {
      pname,
      tools,
      missing,
      passthru ? { },
      meta ? { },
    }:
    stdenvNoCC.mkDerivation {
      inherit pname tools missing passthru;
      version = hostVersion pname pname;
      buildCommand = ''
        if [ -n "$missing" ]; then
          echo "error: $missing" >&2
          exit 1
        fi
        mkdir -p "$out/bin"
        for t in $tools; do
          ln -s "/usr/bin/$t" "$out/bin/$t"
        done
      '';
      meta = {
        mainProgram = pname;
        platforms = [ "x86_64-linux" ];
      } // meta;
    };

  rustc = hostTool {
    pname = "rustc";
    tools = [
      "rustc"
      "rustdoc"
    ];
    missing = if toolMissing "rustc" "rustc" != "" then toolMissing "rustc" "rustc" else stdMissing;
    passthru = {
      # nixpkgs' rustc: the platforms it compiles for, and those it cannot.
      targetPlatforms = [
        "x86_64-linux"
        "aarch64-linux"
        "armv7l-linux"
        "i686-linux"
        "powerpc64le-linux"
        "s390x-linux"
      ];
      badTargetPlatforms = [ ];
      targetPlatformsWithHostTools = [ "x86_64-linux" ];
      unwrapped = rustc;
    };
    meta.description = "The host's Debian rustc, compiling for ${target} (impure)";
  };

  cargo = hostTool {
    pname = "cargo";
    tools = [ "cargo" ];
    missing = toolMissing "cargo" "cargo";
    passthru.rustc = rustc;
    meta.description = "The host's Debian cargo (impure)";
  };

  rustPlatform = callPackage ./build-rust-package.nix {
    inherit rustc cargo;
    buildCC = buildPackages.stdenv.cc;
  };
in
{
  inherit rustc cargo rustPlatform;
}
