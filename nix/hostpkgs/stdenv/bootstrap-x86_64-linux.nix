# The bootstrap stage of the x86_64-linux build platform (the only one
# hostpkgs supports), as a file without arguments: Nix evaluates an imported
# file once per evaluation, so every package set (native, cross, static, and
# their buildPackages) shares one bootstrap stage instead of each importing
# the host's coreutils and bash again (measured: 0.20 s → 0.09 s of CPU for
# the stdenvs of the native, aarch64 and static sets; the same drvPaths).
let
  lib = import ../lib.nix;
in
import ./bootstrap.nix {
  inherit lib;
  buildPlatform = lib.systems.elaborate "x86_64-linux";
}
