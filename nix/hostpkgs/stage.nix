# One package set: the fixed point of ./all-packages.nix for a build and a
# host platform, extended by the overlays, like nixpkgs' pkgs/top-level/
# stage.nix. The other sets it points to (buildPackages, pkgsStatic,
# pkgsCross.*) are made by calling hostpkgs again with other arguments.
{
  lib,
  systems,
  buildPlatform,
  hostPlatform,
  config,
  overlays,
  crossOverlays,
  nixpkgsFun,
}:
let
  isCross = !(systems.equals buildPlatform hostPlatform);

  base = import ./all-packages.nix {
    inherit
      lib
      config
      buildPlatform
      hostPlatform
      ;
    sets = {
      # The build platform's own set (the set itself when native).
      native = if isCross then nixpkgsFun { crossSystem = null; } else set;
      # pkgsStatic: musl and isStatic for the same CPU; idempotent.
      static = if hostPlatform.isStatic then set else nixpkgsFun { crossSystem = systems.staticCrossSystem hostPlatform; };
      cross = lib.mapAttrs (_: crossSystem: nixpkgsFun { inherit crossSystem; }) systems.examples;
    };
  };
  extensions = lib.composeManyExtensions (overlays ++ lib.optionals isCross crossOverlays);
  set = lib.fix (lib.extends extensions base);
in
set
