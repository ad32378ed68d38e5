# The host's GNU C library runtime for the package set's host platform,
# imported into the store so that binaries can name it as their interpreter
# and RUNPATH (see ../cc-wrapper). Native: /usr/lib/x86_64-linux-gnu; cross:
# Debian's libc6-<arch>-cross under /usr/<triple>/lib (../cc-wrapper/
# toolchains.nix decides). Outputs follow nixpkgs' glibc where practical:
# `out` has the shared libraries (plus libgcc_s.so.1, which nixpkgs' glibc
# also carries), `dev` the link-time objects, `static` the static archives.
# Impure: the content is whatever the host directory holds; its hash is part
# of the derivation so a host upgrade yields a new store path.
{ lib, stdenvNoCC }:
let
  platform = stdenvNoCC.hostPlatform;
  facts = import ../cc-wrapper/toolchains.nix platform;
  hostLibDir = facts.glibcLibDir;
  present = builtins.pathExists "${hostLibDir}/libc.so.6";
  # Copied when the host has them (libmvec exists on x86_64 and aarch64 only).
  runtimeLibs = [
    "libc.so.6"
    facts.glibcLoader
    "libm.so.6"
    "libmvec.so.1"
    "libpthread.so.0"
    "libdl.so.2"
    "librt.so.1"
    "libresolv.so.2"
    "libnss_files.so.2"
    "libnss_dns.so.2"
    "libutil.so.1"
    "libanl.so.1"
    "libgcc_s.so.1"
  ];
in
stdenvNoCC.mkDerivation {
  pname = "glibc";
  version = "host";
  outputs = [
    "out"
    "dev"
    "static"
  ];
  hostLibcHash = if present then builtins.hashFile "sha256" "${hostLibDir}/libc.so.6" else "";
  inherit hostLibDir;
  loader = facts.glibcLoader;
  unavailable = lib.optionalString (!present) facts.unavailableMessage;
  libs = runtimeLibs;
  buildCommand = ''
    if [ -n "$unavailable" ]; then
      echo "error: $unavailable" >&2
      exit 1
    fi
    mkdir -p "$out/lib" "$dev/lib" "$dev/nix-support" "$static/lib"
    for l in $libs; do
      if [ -e "$hostLibDir/$l" ]; then cp -L "$hostLibDir/$l" "$out/lib/$l"; fi
    done
    for l in libc.so.6 "$loader"; do
      [ -e "$out/lib/$l" ] || { echo "error: $hostLibDir/$l is missing" >&2; exit 1; }
    done
    chmod 0555 "$out/lib/"*
    for o in crt1.o crti.o crtn.o Scrt1.o rcrt1.o libc_nonshared.a; do
      if [ -e "$hostLibDir/$o" ]; then cp -L "$hostLibDir/$o" "$dev/lib/$o"; fi
    done
    for a in libc.a libm.a libpthread.a libdl.a librt.a libresolv.a libutil.a libanl.a; do
      if [ -e "$hostLibDir/$a" ]; then cp -L "$hostLibDir/$a" "$static/lib/$a"; fi
    done
    echo -n "$out" > "$dev/nix-support/propagated-build-inputs"
  '';
  dontStrip = true;
  meta = {
    description = "The host's GNU C library runtime for ${platform.config}, imported into the Nix store (impure)";
    platforms = [ platform.system ];
  };
}
