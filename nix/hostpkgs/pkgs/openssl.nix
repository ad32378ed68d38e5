# openssl with nixpkgs' outputs (pkgs/development/libraries/openssl):
#   bin  bin/openssl (meta.mainProgram)
#   dev  include/openssl, lib/pkgconfig/{libssl,libcrypto,openssl}.pc
#   out  lib/libssl.so.3, lib/libcrypto.so.3 (+ the .so links, which nixpkgs
#        also keeps in out), lib/engines-3, lib/ossl-modules
#   man  share/man/man{1,5,7}
#   doc  share/doc/openssl
#   debug  lib/debug/.build-id/… (separateDebugInfo, as nixpkgs)
# imported from the host's Debian packages openssl, libssl3 and libssl-dev
# (see ./host-import.nix). A program linked against it references only
# `out` (and glibc); `dev` refers to `bin` and `out` through
# nix-support/propagated-build-inputs, as in nixpkgs.
{
  lib,
  hostImport,
  stdenvNoCC,
}:
let
  libDir = "/usr/lib/x86_64-linux-gnu";
in
hostImport.mkHostPackage {
  pname = "openssl";
  debianPackage = "libssl-dev";
  hostFiles = [
    "/usr/bin/openssl"
    "${libDir}/libssl.so.3"
    "${libDir}/libcrypto.so.3"
    "/usr/include/openssl/opensslv.h"
    "/usr/include/x86_64-linux-gnu/openssl/configuration.h"
    "${libDir}/pkgconfig/openssl.pc"
  ];
  # nixpkgs: `etc` (OPENSSLDIR) only for static builds; `debug` from
  # separateDebugInfo (Debian's stripped files leave little in it).
  outputs = [
    "bin"
    "dev"
    "out"
    "man"
    "doc"
  ] ++ lib.optional stdenvNoCC.hostPlatform.isStatic "etc";
  separateDebugInfo = true;
  inherit libDir;
  installPhase = ''
    runHook preInstall

    mkdir -p "$out/lib" "$bin/bin" "$dev/include/openssl" "$dev/lib/pkgconfig" \
      "$man/share/man" "$doc/share/doc"

    # out: the shared libraries and their loadable modules.
    cp -L "$libDir/libssl.so.3" "$libDir/libcrypto.so.3" "$out/lib/"
    ln -s libssl.so.3 "$out/lib/libssl.so"
    ln -s libcrypto.so.3 "$out/lib/libcrypto.so"
    for d in engines-3 ossl-modules; do
      if [ -d "$libDir/$d" ]; then cp -rL "$libDir/$d" "$out/lib/$d"; fi
    done
    chmod -R u+w "$out/lib"
    for f in "$out/lib/"*.so.3 "$out/lib/engines-3/"*.so "$out/lib/ossl-modules/"*.so; do
      [ -e "$f" ] || continue
      hostElfFix "$f" "$out/lib"
    done

    # bin: the command line tool (Debian's c_rehash is a Perl script; nixpkgs
    # replaces it by a wrapper of `openssl rehash`; neither is here).
    cp -L /usr/bin/openssl "$bin/bin/openssl"
    hostElfFix "$bin/bin/openssl" "$out/lib"

    # dev: headers (Debian splits the arch-specific ones off) and pkg-config
    # files pointing into the store.
    cp -rL /usr/include/openssl/. "$dev/include/openssl/"
    cp -L /usr/include/x86_64-linux-gnu/openssl/*.h "$dev/include/openssl/"
    chmod -R u+w "$dev/include"
    for pc in libssl libcrypto openssl; do
      sed -e "s|^prefix=.*|prefix=$out|" \
          -e "s|^exec_prefix=.*|exec_prefix=\''${prefix}|" \
          -e "s|^libdir=.*|libdir=$out/lib|" \
          -e "s|^includedir=.*|includedir=$dev/include|" \
          "$libDir/pkgconfig/$pc.pc" > "$dev/lib/pkgconfig/$pc.pc"
      if grep -n '/usr' "$dev/lib/pkgconfig/$pc.pc"; then
        echo "openssl: $pc.pc still refers to /usr" >&2
        exit 1
      fi
    done

    # man, doc
    for s in 1 5 7; do
      mkdir -p "$man/share/man/man$s"
      for p in /usr/share/man/man$s/*.''${s}ssl.gz; do
        if [ -e "$p" ]; then cp -L "$p" "$man/share/man/man$s/"; fi
      done
    done
    cp -rL /usr/share/doc/openssl "$doc/share/doc/openssl"

    hostElfCheck "$out" "$bin"
    runHook postInstall
  '';
  meta = {
    homepage = "https://www.openssl.org/";
    description = "Cryptographic library that implements the SSL and TLS protocols (host's Debian build, imported)";
    license = lib.licenses.asl20;
    mainProgram = "openssl";
    pkgConfigModules = [
      "libcrypto"
      "libssl"
      "openssl"
    ];
  };
}
