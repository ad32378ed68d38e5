# The host's glibc runtime, imported into the store so that binaries can name
# it as their interpreter and RUNPATH (see ../cc-wrapper). Outputs follow
# nixpkgs' glibc where practical: `out` has the shared libraries (plus
# libgcc_s.so.1, which nixpkgs' glibc also carries), `dev` the link-time
# objects, `static` the static archives. Impure: the content is whatever
# /usr/lib/x86_64-linux-gnu holds; its hash is part of the derivation so a
# host upgrade yields a new store path.
{ lib, stdenvNoCC }:
let
  hostLibDir = "/usr/lib/x86_64-linux-gnu";
  runtimeLibs = [
    "libc.so.6"
    "ld-linux-x86-64.so.2"
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
  hostLibcHash = builtins.hashFile "sha256" "${hostLibDir}/libc.so.6";
  inherit hostLibDir;
  libs = runtimeLibs;
  buildCommand = ''
    mkdir -p "$out/lib" "$dev/lib" "$dev/nix-support" "$static/lib"
    for l in $libs; do
      cp -L "$hostLibDir/$l" "$out/lib/$l"
    done
    chmod 0555 "$out/lib/"*
    for o in crt1.o crti.o crtn.o Scrt1.o rcrt1.o libc_nonshared.a; do
      cp -L "$hostLibDir/$o" "$dev/lib/$o"
    done
    for a in libc.a libm.a libpthread.a libdl.a librt.a libresolv.a libutil.a libanl.a; do
      if [ -e "$hostLibDir/$a" ]; then cp -L "$hostLibDir/$a" "$static/lib/$a"; fi
    done
    echo -n "$out" > "$dev/nix-support/propagated-build-inputs"
  '';
  dontStrip = true;
  meta = {
    description = "The host's GNU C library runtime, imported into the Nix store (impure)";
    platforms = [ "x86_64-linux" ];
  };
}
