# hostpkgs: an offline, impure stand-in for nixpkgs built from the host's
# toolchains (see README.md). Called like nixpkgs (same argument names and
# defaultness as nixpkgs' pkgs/top-level/impure.nix):
#   import ./nix/hostpkgs { localSystem = "x86_64-linux"; overlays = [ ... ]; }
{
  # A system double ("x86_64-linux") or { system = ...; } / { config = ...; }.
  localSystem ? {
    system = args.system or builtins.currentSystem;
  },
  # Legacy spelling of localSystem.system.
  system ? localSystem.system,
  # null or equal to localSystem: native. Otherwise the platform to build for
  # (same forms as localSystem, plus `isStatic`), e.g.
  # { config = "aarch64-unknown-linux-gnu"; }.
  crossSystem ? localSystem,
  # nixpkgs falls back to ~/.config/nixpkgs/config.nix here; hostpkgs never
  # reads user configuration, so builds do not depend on who runs them.
  config ? { },
  # `final: prev:` functions applied in order to the package set fixed point.
  overlays ? [ ],
  # Applied only to the last stage of a cross package set (cross and static
  # sets here; never to buildPackages).
  crossOverlays ? [ ],
  ...
}@args:

assert args ? localSystem -> !(args ? system);
assert args ? system -> !(args ? localSystem);

let
  lib = import ./lib.nix;
  # lib.systems and the crossSystem of pkgsStatic.
  systems = lib.systems // {
    inherit (import ./systems.nix { inherit lib; }) staticCrossSystem;
  };

  buildPlatform = systems.elaborate localSystem;
  # A native set has one platform value for build and host (as nixpkgs, where
  # `stdenv.hostPlatform == stdenv.buildPlatform` holds for native sets).
  crossPlatform = if crossSystem == null then buildPlatform else systems.elaborate crossSystem;
  hostPlatform = if systems.equals crossPlatform buildPlatform then buildPlatform else crossPlatform;

  checkList =
    what: xs:
    if !builtins.isList xs then
      throw "The ${what} argument to hostpkgs must be a list."
    else if !(builtins.all lib.isFunction xs) then
      throw "All ${what} passed to hostpkgs must be functions."
    else
      xs;
in
if buildPlatform.config != "x86_64-unknown-linux-gnu" || buildPlatform.isStatic then
  throw "hostpkgs: localSystem ${buildPlatform.config} is not yet supported in hostpkgs (only x86_64-linux)"
else
  import ./stage.nix {
    inherit
      lib
      systems
      buildPlatform
      hostPlatform
      ;
    config = if builtins.isAttrs config then config else throw "hostpkgs: config must be an attribute set";
    overlays = checkList "overlays" overlays;
    crossOverlays = checkList "crossOverlays" crossOverlays;
    # nixpkgs' nixpkgsFun: this function again with some arguments changed
    # (pkgsCross, pkgsStatic and a cross set's buildPackages are made so).
    nixpkgsFun = newArgs: import ./default.nix (args // newArgs);
  }
