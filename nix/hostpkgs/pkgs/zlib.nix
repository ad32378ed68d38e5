# zlib with nixpkgs' outputs (pkgs/development/libraries/zlib, shared and
# static with splitStaticOutput; pkgsStatic's has no `static` output):
#   out     lib/libz.so.1.x.y, lib/libz.so.1, lib/libz.so
#   dev     include/{zlib,zconf}.h, lib/pkgconfig/zlib.pc, share/man/man3/zlib.3.gz
#           (nixpkgs: outputDoc = "dev")
#   static  lib/libz.a
# imported from the host's Debian packages zlib1g and zlib1g-dev (see
# ./host-import.nix).
{
  lib,
  hostImport,
  stdenvNoCC,
}:
let
  libDir = "/usr/lib/x86_64-linux-gnu";
in
hostImport.mkHostPackage {
  pname = "zlib";
  debianPackage = "zlib1g-dev";
  hostFiles = [
    "${libDir}/libz.so.1"
    "${libDir}/libz.a"
    "/usr/include/zlib.h"
    "/usr/include/zconf.h"
    "${libDir}/pkgconfig/zlib.pc"
  ];
  # nixpkgs: `static` only when the shared library is built too
  # (splitStaticOutput), so pkgsStatic.zlib has out and dev.
  outputs = [
    "out"
    "dev"
  ] ++ lib.optional (!stdenvNoCC.hostPlatform.isStatic) "static";
  outputDoc = "dev";
  inherit libDir;
  installPhase = ''
    runHook preInstall

    mkdir -p "$out/lib" "$dev/include" "$dev/lib/pkgconfig" "$static/lib"

    real="$(readlink -f "$libDir/libz.so.1")"
    cp -L "$real" "$out/lib/''${real##*/}"
    ln -s "''${real##*/}" "$out/lib/libz.so.1"
    ln -s "''${real##*/}" "$out/lib/libz.so"
    chmod u+w "$out/lib/''${real##*/}"
    hostElfFix "$out/lib/''${real##*/}" "$out/lib"

    cp -L /usr/include/zlib.h /usr/include/zconf.h "$dev/include/"
    sed -e "s|^prefix=.*|prefix=$out|" \
        -e "s|^exec_prefix=.*|exec_prefix=\''${prefix}|" \
        -e "s|^libdir=.*|libdir=$out/lib|" \
        -e "s|^sharedlibdir=.*|sharedlibdir=\''${libdir}|" \
        -e "s|^includedir=.*|includedir=$dev/include|" \
        "$libDir/pkgconfig/zlib.pc" > "$dev/lib/pkgconfig/zlib.pc"
    if grep -n '/usr' "$dev/lib/pkgconfig/zlib.pc"; then
      echo "zlib: zlib.pc still refers to /usr" >&2
      exit 1
    fi
    if [ -e /usr/share/doc/zlib1g-dev/zlib.3.gz ]; then
      mkdir -p "$dev/share/man/man3"
      cp -L /usr/share/doc/zlib1g-dev/zlib.3.gz "$dev/share/man/man3/zlib.3.gz"
    fi

    cp -L "$libDir/libz.a" "$static/lib/libz.a"

    hostElfCheck "$out"
    runHook postInstall
  '';
  meta = {
    homepage = "https://zlib.net";
    description = "Lossless data-compression library (host's Debian build, imported)";
    license = lib.licenses.zlib;
    pkgConfigModules = [ "zlib" ];
  };
}
