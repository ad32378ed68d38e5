# The package set's C compiler (`gcc`, `stdenv.cc`) for its host platform:
#   glibc targets: the host's gcc (native) or Debian's <triple>-gcc (cross),
#     linking against `glibc` in the store;
#   musl targets: musl-gcc (x86_64 only), `-static` in pkgsStatic, else
#     dynamic against `musl` in the store;
#   anything the host lacks: a compiler whose build fails with one message.
# Cross (and static) sets get nixpkgs' targetPrefix "<config>-".
{
  lib,
  stdenvNoCC,
  glibc,
  musl,
}:
let
  host = stdenvNoCC.hostPlatform;
  build = stdenvNoCC.buildPlatform;
  facts = import ./toolchains.nix host;
  inherit (import ./default.nix { inherit lib stdenvNoCC; }) wrapCC unavailableCC;

  isCross = !(host.config == build.config && host.isStatic == build.isStatic);
  targetPrefix = lib.optionalString isCross "${host.config}-";
  libc = if host.isMusl then musl else glibc;

  # musl-gcc runs the host's gcc by name, and that gcc runs the host's
  # assembler and linker by name; a build's PATH holds only store paths, so
  # this driver names them (REALGCC, and COMPILER_PATH where gcc looks first).
  muslDriver = stdenvNoCC.mkDerivation {
    name = "musl-gcc-host";
    driver = facts.musl.driver;
    buildCommand = ''
      mkdir -p "$out/bin"
      printf '#!/bin/sh\nREALGCC=/usr/bin/gcc COMPILER_PATH=/usr/bin exec %s "$@"\n' "$driver" > "$out/bin/musl-gcc"
      chmod 0555 "$out/bin/musl-gcc"
    '';
  };
in
if !facts.available then
  unavailableCC {
    name = "${targetPrefix}gcc-wrapper";
    message = facts.unavailableMessage;
    loader = if host.isMusl then facts.muslLoader else facts.glibcLoader;
    inherit libc targetPrefix;
  }
else if host.isMusl then
  wrapCC {
    name = if host.isStatic then "musl-gcc-wrapper-static" else "musl-gcc-wrapper";
    cDriver = "${muslDriver}/bin/musl-gcc";
    loader = facts.muslLoader;
    linkMode = if host.isStatic then "static" else "dynamic";
    runtimeLibDir = "";
    inherit libc targetPrefix;
  }
else
  wrapCC {
    name = "${targetPrefix}gcc-wrapper";
    cDriver = "/usr/bin/${facts.gnuPrefix}gcc";
    cxxDriver = "/usr/bin/${facts.gnuPrefix}g++";
    cppDriver = "/usr/bin/${facts.gnuPrefix}cpp";
    hostToolPrefix = facts.gnuPrefix;
    loader = facts.glibcLoader;
    runtimeLibDir = facts.glibcLibDir;
    # glibc static links stay possible with an explicit -static, as in nixpkgs.
    linkMode = "dynamic";
    inherit libc targetPrefix;
  }
