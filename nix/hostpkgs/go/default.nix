# go as nixpkgs names it (pkgs/development/compilers/go/1.2x.nix), from the
# host's golang-go (Debian 12: Go 1.19): bin/go and bin/gofmt, and the
# attributes buildGoModule reads: GOOS, GOARCH, GOARM of the target,
# CGO_ENABLED = 1, meta.platforms.
#
# A package set's `go` targets that set's host platform, as nixpkgs'
# `buildPackages.go` does (hostpkgs has no splicing: the program itself is
# always the build machine's). bin/go is ./go-wrapper.sh: the target's
# defaults, and cgo programs get the store's loader as interpreter, as with
# nixpkgs' go. Impure like the other host tools: GOROOT stays in /usr/lib/go;
# the version read from there is part of the derivation, so an upgrade gives
# a new store path.
{
  lib,
  stdenvNoCC,
  stdenv,
}:
let
  platform = stdenvNoCC.hostPlatform;
  goRoot = "/usr/lib/go";
  versionFile = "${goRoot}/VERSION";
  installed = builtins.pathExists versionFile;
  version =
    if installed then
      lib.removePrefix "go" (lib.head (lib.splitString "\n" (builtins.readFile versionFile)))
    else
      "missing";
  bintools = stdenv.cc.bintools;
  dynamicLinker = if platform.isStatic then null else bintools.dynamicLinker or null;
in
stdenvNoCC.mkDerivation {
  pname = "go";
  inherit version;
  inherit (platform.go) GOOS GOARCH GOARM;
  # nixpkgs' go: 1 (0 only for WASI).
  CGO_ENABLED = 1;
  goBin = "${goRoot}/bin/go";
  wrapper = ./go-wrapper.sh;
  dynamicLinker = if dynamicLinker == null then "" else dynamicLinker;
  libcLib = if dynamicLinker == null then "" else "${lib.getLib stdenv.cc.libc}/lib";
  missing = lib.optionalString (!installed) "Go is not installed on this host (hostpkgs wraps Debian's golang-go; hint: apt-get install golang-go, or run make setup)";
  buildCommand = ''
    if [ -n "$missing" ]; then
      echo "error: $missing" >&2
      exit 1
    fi
    mkdir -p "$out/bin" "$out/share"
    substitute "$wrapper" "$out/bin/go" \
      --subst-var goBin --subst-var GOOS --subst-var GOARCH --subst-var GOARM \
      --subst-var dynamicLinker --subst-var libcLib
    chmod 0555 "$out/bin/go"
    ln -s "${goRoot}/bin/gofmt" "$out/bin/gofmt"
    ln -s "${goRoot}" "$out/share/go"
  '';
  meta = {
    description = "The host's Go ${version} (${goRoot}), targeting ${platform.config} (impure)";
    homepage = "https://go.dev/";
    mainProgram = "go";
    platforms = [
      "x86_64-linux"
      "i686-linux"
      "aarch64-linux"
      "armv7l-linux"
      "riscv64-linux"
      "s390x-linux"
      "powerpc64le-linux"
    ];
  };
}
