# The package sets: native (glibc, dynamic) and static (musl, pkgsStatic).
# Each is a fixed point of `base` extended by the overlays, like nixpkgs.
{
  lib,
  systems,
  buildPlatform,
  config,
  overlays,
  crossOverlays,
}:
let
  staticPlatform = systems.makeStatic buildPlatform;

  makeSet =
    {
      hostPlatform,
      extraOverlays,
    }:
    let
      base = import ./all-packages.nix {
        inherit
          lib
          config
          buildPlatform
          hostPlatform
          ;
        sets = {
          native = nativeSet;
          static = staticSet;
        };
      };
      extensions = lib.composeManyExtensions (overlays ++ extraOverlays);
      set = lib.fix (lib.extends extensions base);
    in
    set;

  nativeSet = makeSet {
    hostPlatform = buildPlatform;
    extraOverlays = [ ];
  };
  staticSet = makeSet {
    hostPlatform = staticPlatform;
    extraOverlays = crossOverlays;
  };
in
nativeSet
