# The stage before the package set's stdenv. nixpkgs builds its stdenv in
# bootstrap stages (pkgs/stdenv/linux/default.nix) and the final stage's
# PATH holds only what they built: initialPath is
# pkgs/stdenv/generic/common-path.nix of the previous stage (coreutils
# findutils diffutils gnused gnugrep gawk gnutar gzip bzip2.bin gnumake bash
# patch xz.bin file), plus patchelf as an extra native build input; the
# final package set inherits those same packages from the previous stage.
#
# hostpkgs has one such stage: `stdenvNoCC` here runs with the host's
# /usr/bin on PATH and builds those tools as store packages (host tools
# imported or linked into the store), and the build platform's C library
# they are imported against. Every other derivation then runs with only
# store paths on PATH, so a build that calls a tool the package set does not
# provide (e.g. `gcc` in a cross build) fails as it does in nixpkgs' sandbox.
# Depends on the build platform only: every package set (native, cross,
# static) gets the same stdenv tools.
{ lib, buildPlatform }:
let
  stdenvNoCC = import ./. {
    inherit lib buildPlatform;
    hostPlatform = buildPlatform;
    targetPlatform = buildPlatform;
    name = "bootstrap-stdenv-linux-nocc";
    # nixpkgs' setup adds "$i/bin" for each entry ("/" stands for "").
    initialPath = [
      "/usr"
      "/"
    ];
  };

  # A host tool as a package: `tools` maps a program name in bin/ to the host
  # program it links to, in /usr/bin. A missing host program fails the build
  # with the Debian package to install. outputs: the first one holds bin/
  # (nixpkgs' bzip2 and xz have their programs in `bin`).
  hostTool =
    pname: debianPackage: tools: extra:
    stdenvNoCC.mkDerivation (
      {
        inherit pname debianPackage;
        version = "host";
        links = lib.concatStringsSep " " (lib.mapAttrsToList (name: host: "${name}=${host}") tools);
        buildCommand = ''
          first="''${outputs%% *}"
          for o in $outputs; do mkdir -p "''${!o}"; done
          mkdir -p "''${!first}/bin"
          for link in $links; do
            name="''${link%%=*}"
            host="/usr/bin/''${link#*=}"
            if [ ! -e "$host" ]; then
              echo "error: hostpkgs: $pname needs $host from the host's Debian package $debianPackage (hint: apt-get install $debianPackage)" >&2
              exit 1
            fi
            ln -s "$host" "''${!first}/bin/$name"
          done
        '';
        meta.description = "Host ${debianPackage} programs linked into the store (impure symlinks)";
      }
      // extra
    );
  same = names: lib.genAttrs names (n: n);

  self = {
    inherit lib stdenvNoCC hostTool;
    glibc = import ../glibc { inherit lib stdenvNoCC; };

    findutils = hostTool "findutils" "findutils" (same [
      "find"
      "xargs"
    ]) { };
    diffutils = hostTool "diffutils" "diffutils" (same [
      "diff"
      "cmp"
      "diff3"
      "sdiff"
    ]) { };
    gnused = hostTool "gnused" "sed" (same [ "sed" ]) { meta.mainProgram = "sed"; };
    gnugrep = hostTool "gnugrep" "grep" (same [
      "grep"
      "egrep"
      "fgrep"
    ]) { meta.mainProgram = "grep"; };
    # Debian's /usr/bin/awk is mawk by default; nixpkgs' gawk has both names.
    gawk = hostTool "gawk" "gawk" {
      gawk = "gawk";
      awk = "gawk";
    } { meta.mainProgram = "gawk"; };
    gnutar = hostTool "gnutar" "tar" (same [ "tar" ]) { meta.mainProgram = "tar"; };
    gzip = hostTool "gzip" "gzip" (same [
      "gzip"
      "gunzip"
      "zcat"
    ]) { meta.mainProgram = "gzip"; };
    gnumake = hostTool "gnumake" "make" (same [ "make" ]) { meta.mainProgram = "make"; };
    gnupatch = hostTool "gnupatch" "patch" (same [ "patch" ]) { meta.mainProgram = "patch"; };
    file = hostTool "file" "file" (same [ "file" ]) { meta.mainProgram = "file"; };
    patchelf = hostTool "patchelf" "patchelf" (same [ "patchelf" ]) { meta.mainProgram = "patchelf"; };

    # coreutils and bash are imported from the host (../pkgs), against the
    # build platform's glibc above.
    inherit (import ../pkgs { callPackage = lib.callPackageWith self; }) coreutils bash;
    # xz and bzip2 are the table's libraries (../pkgs/libraries.json), with
    # all of nixpkgs' outputs; the stdenv's PATH takes their `bin`.
    inherit
      ((import ../pkgs/import-library.nix {
        inherit lib stdenvNoCC;
        inherit (self) glibc;
      }).packages)
      xz
      bzip2
      ;

    # pkgs/stdenv/generic/common-path.nix, in its order.
    commonPath = with self; [
      coreutils
      findutils
      diffutils
      gnused
      gnugrep
      gawk
      gnutar
      gzip
      bzip2.bin
      gnumake
      bash
      gnupatch
      xz.bin
      file
    ];
  };
in
self
