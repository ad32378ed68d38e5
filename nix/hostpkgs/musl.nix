# The host's musl (Debian musl-tools, x86_64 only), imported into the store:
# `out` has the static libraries, start files and the shared libc with its
# loader name (ld-musl-<arch>.so.1 -> libc.so, as in nixpkgs' musl), `dev`
# the headers. pkgsStatic links everything statically, so its binaries never
# reference this path; pkgsCross.musl64 binaries use it as interpreter.
# For other CPUs the host has no musl: the build fails with one message.
{ stdenvNoCC }:
let
  platform = stdenvNoCC.hostPlatform;
  facts = import ./cc-wrapper/toolchains.nix (platform // { isMusl = true; });
in
stdenvNoCC.mkDerivation (
  {
    pname = "musl";
    version = "host";
    outputs = [
      "out"
      "dev"
    ];
    meta.description = "The host's musl libc for ${platform.parsed.cpu.name} (impure import)";
  }
  // (
    if facts.muslAvailable then
      {
        inherit (facts.musl) libDir includeDir;
        loader = facts.muslLoader;
        hostLibcHash = builtins.hashFile "sha256" "${facts.musl.libDir}/libc.a";
        buildCommand = ''
          mkdir -p "$out/lib" "$dev"
          cp -L "$libDir"/*.a "$libDir"/*.o "$out/lib/"
          if [ -e "$libDir/libc.so" ]; then
            cp -L "$libDir/libc.so" "$out/lib/libc.so"
            chmod 0555 "$out/lib/libc.so"
            ln -s libc.so "$out/lib/$loader"
          fi
          cp -rL "$includeDir" "$dev/include"
        '';
        dontStrip = true;
      }
    else
      {
        message = facts.unavailableMessage;
        buildCommand = ''
          echo "error: $message" >&2
          exit 1
        '';
      }
  )
)
