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

  # Host tools as packages (bin/ symlinks into /usr/bin), so expressions that
  # name e.g. gnumake or python3 evaluate; the binaries are the host's.
  hostTool =
    pname: tools: extra:
    final.stdenvNoCC.mkDerivation (
      {
        inherit pname tools;
        version = "host";
        buildCommand = ''
          mkdir -p "$out/bin"
          for t in $tools; do
            if [ -e "/usr/bin/$t" ]; then ln -s "/usr/bin/$t" "$out/bin/$t"; fi
          done
        '';
        meta.description = "Host /usr/bin tools (impure symlinks): ${toString tools}";
      }
      // extra
    );
in
{
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
  stdenvNoCC = import ./stdenv {
    inherit lib hostPlatform buildPlatform;
    targetPlatform = hostPlatform;
    name = "stdenv-linux-nocc";
  };
  stdenv = import ./stdenv {
    inherit lib hostPlatform buildPlatform;
    targetPlatform = hostPlatform;
    cc = final.gcc;
  };
  runtimeShell = "/bin/bash";

  # --- C library and compilers ---------------------------------------------------
  glibc = callPackage ./glibc { };
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
  mkShell = callPackage ./build-support/mkshell.nix { };
  mkShellNoCC = final.mkShell.override { stdenv = final.stdenvNoCC; };

  # --- data packages ---------------------------------------------------------------
  cacert = callPackage ./build-support/cacert.nix { };
  tzdata = callPackage ./build-support/tzdata.nix { };
  fakeNss = callPackage ./build-support/fake-nss.nix { };
  dockerTools = callPackage ./docker { };

  # --- packages imported from the host's Debian files, nixpkgs' outputs (pkgs/) -----
  inherit (callPackage ./pkgs { })
    openssl
    zlib
    bash
    coreutils
    busybox
    ;

  # --- host tools -------------------------------------------------------------------
  bashInteractive = final.bash;
  gnumake = hostTool "gnumake" [ "make" ] { meta.mainProgram = "make"; };
  gnutar = hostTool "gnutar" [ "tar" ] { meta.mainProgram = "tar"; };
  gzip = hostTool "gzip" [ "gzip" "gunzip" "zcat" ] { meta.mainProgram = "gzip"; };
  python3 = hostTool "python3" [ "python3" ] {
    passthru.interpreter = "/usr/bin/python3";
    meta.mainProgram = "python3";
  };
  patchelf = hostTool "patchelf" [ "patchelf" ] { meta.mainProgram = "patchelf"; };
  qemu-user = callPackage ./qemu-user.nix { };
}
