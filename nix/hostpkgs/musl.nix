# The host's musl (Debian musl-tools), imported into the store: headers and
# static libraries. pkgsStatic links everything statically, so binaries never
# reference this path.
{ stdenvNoCC }:
stdenvNoCC.mkDerivation {
  pname = "musl";
  version = "host";
  outputs = [
    "out"
    "dev"
  ];
  libDir = "/usr/lib/x86_64-linux-musl";
  includeDir = "/usr/include/x86_64-linux-musl";
  hostLibcHash = builtins.hashFile "sha256" /usr/lib/x86_64-linux-musl/libc.a;
  buildCommand = ''
    mkdir -p "$out/lib" "$dev"
    cp -L "$libDir"/*.a "$libDir"/*.o "$out/lib/"
    cp -rL "$includeDir" "$dev/include"
  '';
  dontStrip = true;
  meta.description = "The host's musl libc (impure import)";
}
