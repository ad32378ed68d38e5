# mkShell: a derivation meant only for `nix-shell`. Arguments as in nixpkgs'
# pkgs/build-support/mkshell/default.nix; every other attribute is handed to
# stdenv.mkDerivation unchanged.
{ lib, stdenv }:
{
  name ? "nix-shell",
  packages ? [ ],
  inputsFrom ? [ ],
  buildInputs ? [ ],
  nativeBuildInputs ? [ ],
  propagatedBuildInputs ? [ ],
  propagatedNativeBuildInputs ? [ ],
  ...
}@attrs:
let
  inputKinds = [
    "buildInputs"
    "nativeBuildInputs"
    "propagatedBuildInputs"
    "propagatedNativeBuildInputs"
  ];
  # Own inputs of a kind, then those of every `inputsFrom` derivation (minus
  # the inputsFrom derivations themselves).
  inputsOf =
    kind:
    let
      fromOthers = lib.flatten (map (drv: drv.${kind} or [ ]) inputsFrom);
    in
    (attrs.${kind} or [ ]) ++ lib.filter (d: !(lib.elem d inputsFrom)) fromOthers;
  merged = lib.genAttrs inputKinds inputsOf;
  shellHooks = map (drv: drv.shellHook or null) (lib.reverseList inputsFrom) ++ [ (attrs.shellHook or null) ];
  passedOn = lib.removeAttrs attrs (inputKinds ++ [ "name" "packages" "inputsFrom" "shellHook" ]);
in
stdenv.mkDerivation (
  merged
  // {
    inherit name;
    nativeBuildInputs = packages ++ merged.nativeBuildInputs;
    shellHook = lib.concatStringsSep "\n" (lib.filter (h: h != null) shellHooks);
    # Building it (not what it is for) records the environment, so every
    # input stays a runtime dependency of the result.
    phases = [ "buildPhase" ];
    buildPhase = ''
      {
        echo "This path only records a nix-shell environment (hostpkgs mkShell)."
        export
      } >> "$out"
    '';
    preferLocalBuild = true;
  }
  // passedOn
)
