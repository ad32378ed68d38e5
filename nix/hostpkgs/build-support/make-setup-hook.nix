# makeSetupHook as nixpkgs names it (pkgs/build-support/setup-hooks/make-setup-hook.nix):
# a package whose nix-support/setup-hook is `script` (its @name@ placeholders
# replaced from `substitutions`), sourced by every derivation that has the
# package among its inputs, which also get `propagatedBuildInputs`.
{ lib, stdenvNoCC }:
{
  name ? "hook",
  propagatedBuildInputs ? [ ],
  substitutions ? { },
  meta ? { },
  passthru ? { },
}:
script:
stdenvNoCC.mkDerivation {
  inherit name propagatedBuildInputs meta passthru;
  hook = script;
  substitutionArgs = lib.concatMap (n: [
    "--subst-var-by"
    n
    (toString substitutions.${n})
  ]) (lib.attrNames substitutions);
  __structuredAttrs = true;
  buildCommand = ''
    mkdir -p "$out/nix-support"
    substitute "$hook" "$out/nix-support/setup-hook" "''${substitutionArgs[@]}"
    if [ -n "''${propagatedBuildInputs[*]:-}" ]; then
      printf '%s' "''${propagatedBuildInputs[*]}" >"$out/nix-support/propagated-build-inputs"
    fi
  '';
}
