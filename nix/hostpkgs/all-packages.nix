# The attributes of a hostpkgs package set, named as in nixpkgs. `final` is
# the fixed point (after overlays); packages take their dependencies from it
# through callPackage, so overlays replace them everywhere.
{
  lib,
  config,
  buildPlatform,
  hostPlatform,
  sets,
}:
final:
let
  callPackage = lib.callPackageWith final;

  # What the stdenv is made of, built by the stage before it with the host's
  # /usr/bin on PATH (see ./stdenv/bootstrap.nix): the tools on stdenv's PATH
  # and patchelf, for the build platform. Not part of the fixed point, so
  # overlays change the package set's attributes, never the stdenv's PATH (as
  # in nixpkgs, whose final stage inherits them from the previous stage).
  boot =
    if buildPlatform.system == "x86_64-linux" then
      import ./stdenv/bootstrap-x86_64-linux.nix
    else
      import ./stdenv/bootstrap.nix { inherit lib buildPlatform; };
  isNative = hostPlatform.config == buildPlatform.config && hostPlatform.isStatic == buildPlatform.isStatic;
  mkStdenv =
    args:
    import ./stdenv (
      {
        inherit lib hostPlatform buildPlatform;
        targetPlatform = hostPlatform;
        initialPath = boot.commonPath;
        extraNativeBuildInputs = [ boot.patchelf ];
      }
      // args
    );

  # The libraries of pkgs/libraries.json, imported from the Debian packages of
  # the host platform's architecture (pkgs/import-library.nix). Their `deps`
  # come from this set, so overlays replace them everywhere.
  libraries = callPackage ./pkgs/import-library.nix {
    libraryPackages = final;
    hostImport = callPackage ./pkgs/host-import.nix { };
  };
  # The names come from the table alone: the set's attribute names must not
  # depend on the fixed point.
  libraryNames = lib.attrNames (builtins.fromJSON (builtins.readFile ./pkgs/libraries.json)).libraries;
in
lib.genAttrs libraryNames (n: libraries.importLibrary n)
// {
  inherit lib config;
  path = ./.;

  # --- package set plumbing --------------------------------------------------
  inherit callPackage;
  newScope = extra: lib.callPackageWith (final // extra);
  buildPackages = sets.native;
  pkgsBuildHost = sets.native;
  pkgsStatic = sets.static;
  pkgsCross = sets.cross;

  # --- standard environments ---------------------------------------------------
  stdenvNoCC = mkStdenv { name = "stdenv-linux-nocc"; };
  stdenv = mkStdenv { cc = final.gcc; };
  runtimeShell = "/bin/bash";

  # --- C library and compilers ---------------------------------------------------
  # The native set's glibc is the one its stdenv tools are imported against.
  glibc = if isNative then boot.glibc else callPackage ./glibc { };
  musl = callPackage ./musl.nix { };
  libc = if hostPlatform.isMusl then final.musl else final.glibc;
  # Native, cross or unavailable, per hostPlatform (cc-wrapper/toolchain.nix).
  gcc = callPackage ./cc-wrapper/toolchain.nix { };
  binutils = final.gcc.bintools;

  # --- trivial builders ------------------------------------------------------------
  inherit (callPackage ./build-support/trivial-builders.nix { })
    runCommandWith
    runCommand
    runCommandLocal
    runCommandCC
    writeTextFile
    writeText
    writeTextDir
    writeScript
    writeScriptBin
    writeShellScript
    writeShellScriptBin
    symlinkJoin
    linkFarm
    writeClosure
    ;
  buildEnv = callPackage ./build-support/buildenv.nix { };
  autoPatchelfHook = callPackage ./build-support/auto-patchelf { };
  pkg-config = callPackage ./build-support/pkg-config { };
  mkShell = callPackage ./build-support/mkshell.nix { };
  mkShellNoCC = final.mkShell.override { stdenv = final.stdenvNoCC; };

  # --- data packages ---------------------------------------------------------------
  cacert = callPackage ./build-support/cacert.nix { };
  tzdata = callPackage ./build-support/tzdata.nix { };
  fakeNss = callPackage ./build-support/fake-nss.nix { };
  dockerTools = callPackage ./docker { };

  # --- packages imported from the host's Debian files, nixpkgs' outputs (pkgs/) -----
  inherit (callPackage ./pkgs { })
    busybox
    bashInteractive
    dash
    zsh
    ;
  # The stdenv's own (see `boot`) in the native set; elsewhere they throw, as
  # every host import does outside the native set.
  inherit (if isNative then boot else callPackage ./pkgs { }) bash coreutils;

  # --- host tools ---------------------------------------------------------------------
  # The stdenv's PATH (pkgs/stdenv/generic/common-path.nix) and patchelf: host
  # programs linked into the store by the bootstrap stage, the same packages in
  # every set (they run on the build machine).
  inherit (boot)
    findutils
    diffutils
    gnused
    gnugrep
    gawk
    gnutar
    gzip
    gnumake
    gnupatch
    file
    patchelf
    ;
  patch = final.gnupatch;
  python3 = boot.hostTool "python3" "python3" { python3 = "python3"; } {
    passthru.interpreter = "/usr/bin/python3";
    meta.mainProgram = "python3";
  };
  # --- language toolchains: the host's Go and Rust, nixpkgs' builders ------------------
  go = callPackage ./go { };
  buildGoModule = callPackage ./go/module.nix { };
  inherit (callPackage ./rust { })
    rustc
    cargo
    rustPlatform
    ;
  cmake = callPackage ./pkgs/cmake.nix { };
  # The autotools, for trees that ship configure.ac but no configure: the
  # host's programs (they run on the build machine, the same in every set),
  # and nixpkgs' autoreconfHook over them. Debian installs aclocal and
  # automake as alternatives links into /etc, which the sandbox does not
  # show: the versioned programs are linked. libtool: libtoolize (Debian's
  # libtool; the `libtool` script a project uses is the one its configure
  # writes).
  autoconf = boot.hostTool "autoconf" "autoconf" (lib.genAttrs [
    "autoconf"
    "autoheader"
    "autom4te"
    "autoreconf"
    "autoscan"
    "autoupdate"
    "ifnames"
  ] (n: n)) { meta.mainProgram = "autoconf"; };
  automake = boot.hostTool "automake" "automake" {
    automake = "automake-1.16";
    aclocal = "aclocal-1.16";
    "automake-1.16" = "automake-1.16";
    "aclocal-1.16" = "aclocal-1.16";
  } { meta.mainProgram = "automake"; };
  # libtool propagates m4, as nixpkgs' does (libtoolize runs it).
  m4 = boot.hostTool "m4" "m4" { m4 = "m4"; } { meta.mainProgram = "m4"; };
  libtool = (boot.hostTool "libtool" "libtool" { libtoolize = "libtoolize"; } { meta.mainProgram = "libtoolize"; })
  .overrideAttrs
    (old: {
      propagated = [ final.m4 ];
      buildCommand = old.buildCommand + ''
        mkdir -p "$out/nix-support"
        printf '%s' "$propagated" >"$out/nix-support/propagated-build-inputs"
      '';
    });
  gettext = boot.hostTool "gettext" "gettext autopoint" (lib.genAttrs [
    "autopoint"
    "gettextize"
    "msgfmt"
    "msgmerge"
    "msgcat"
    "xgettext"
  ] (n: n)) { };
  makeSetupHook = callPackage ./build-support/make-setup-hook.nix { };
  autoreconfHook = callPackage ./build-support/autoreconf { };
  qemu-user = callPackage ./qemu-user.nix { };
  # Debian's SysV-IPC fakeroot (/usr/bin/fakeroot is an alternatives link into
  # /etc, which the sandbox does not show), with util-linux's getopt that its
  # script calls (nixpkgs wraps its fakeroot with getopt the same way).
  fakeroot = boot.hostTool "fakeroot" "fakeroot" {
    fakeroot = "fakeroot-sysv";
    faked = "faked-sysv";
    getopt = "getopt";
  } { meta.mainProgram = "fakeroot"; };
}
# xz and bzip2 are table libraries too: the native set's are the stdenv's own
# (built by the bootstrap stage, as nixpkgs' final stage inherits them); a
# cross set's are the target's, as in nixpkgs.
// lib.optionalAttrs isNative { inherit (boot) xz bzip2; }
