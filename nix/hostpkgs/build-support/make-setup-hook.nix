# makeSetupHook as nixpkgs offers it (pkgs/build-support/trivial-builders:
# the arguments and defaults recorded in tests/data/nixpkgs-interface.json,
# functions.makeSetupHook): a runCommand named `name` whose
# nix-support/setup-hook is `script`, sourced by every derivation that has
# it among its inputs; propagatedBuildInputs (a hook goes into
# nativeBuildInputs, so they are build-platform tools there),
# propagatedNativeBuildInputs and depsTargetTargetPropagated are recorded in
# nix-support as stdenv records them. With `substitutions`, which become
# attributes of the derivation as in nixpkgs, every @var@ of the script whose
# var is an environment variable named with a lower-case letter first (the
# substitutions, and also out, name …) is replaced, as nixpkgs' substituteAll
# does; without substitutions, the script is copied as it is.
{ lib, runCommand }:
{
  __structuredAttrs ? false,
  depsTargetTargetPropagated ? [ ],
  meta ? { },
  name ? lib.warn "calling makeSetupHook without passing a name is deprecated." "hook",
  passthru ? { },
  propagatedBuildInputs ? [ ],
  propagatedNativeBuildInputs ? [ ],
  substitutions ? { },
}:
script:
runCommand name
  (
    substitutions
    // {
      inherit
        __structuredAttrs
        meta
        passthru
        depsTargetTargetPropagated
        propagatedBuildInputs
        propagatedNativeBuildInputs
        ;
      strictDeps = true;
      hasSubstitutions = substitutions != { };
    }
  )
  ''
    mkdir -p "$out/nix-support"
    cp ${script} "$out/nix-support/setup-hook"
    _substArgs=()
    if [ -n "''${hasSubstitutions:-}" ]; then
      for _v in $(compgen -e); do
        if [[ "$_v" =~ ^[a-z][a-zA-Z0-9_]*$ ]]; then _substArgs+=(--subst-var "$_v"); fi
      done
    fi
    if [ "''${#_substArgs[@]}" -gt 0 ]; then
      substituteInPlace "$out/nix-support/setup-hook" "''${_substArgs[@]}"
    fi
    _record() {
      if [ -n "''${!1:-}" ]; then
        local -n _list="$1"
        printf '%s' "''${_list[*]}" >"$out/nix-support/$2"
      fi
    }
    _record propagatedBuildInputs propagated-build-inputs
    _record propagatedNativeBuildInputs propagated-native-build-inputs
    _record depsTargetTargetPropagated propagated-target-target-deps
  ''
