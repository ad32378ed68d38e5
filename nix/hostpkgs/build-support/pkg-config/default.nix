# pkg-config as nixpkgs' wrapper (pkgs/build-support/pkg-config-wrapper):
# bin/<targetPrefix>pkg-config runs the host's pkgconf with only
# PKG_CONFIG_PATH (the .pc directories of the build's inputs) — never the
# host's /usr/lib/pkgconfig, as nixpkgs' pkg-config knows only its own
# prefix — and `--static` for static sets; its setup hook exports
# PKG_CONFIG. Without splicing, a cross or static set's pkg-config is the
# one nixpkgs gives that set's nativeBuildInputs (buildPackages' wrapper for
# this target): its programs carry the target's config as prefix.
{ lib, stdenvNoCC }:
let
  host = stdenvNoCC.hostPlatform;
  build = stdenvNoCC.buildPlatform;
  isCross = !(host.config == build.config && host.isStatic == build.isStatic);
  targetPrefix = lib.optionalString isCross "${host.config}-";
in
stdenvNoCC.mkDerivation {
  pname = "${targetPrefix}pkg-config-wrapper";
  version = "host";
  inherit targetPrefix;
  addFlags = lib.optionalString host.isStatic "--static";
  hook = ./setup-hook.sh;
  buildCommand = ''
    if [ ! -x /usr/bin/pkg-config ]; then
      echo "error: pkg-config needs the host's pkgconf (hint: apt-get install pkgconf)" >&2
      exit 1
    fi
    mkdir -p "$out/bin" "$out/nix-support"
    {
      echo '#!/bin/bash'
      echo '# hostpkgs pkg-config wrapper: only the inputs'"'"' .pc files (PKG_CONFIG_PATH).'
      echo 'export PKG_CONFIG_LIBDIR='
      echo "exec /usr/bin/pkg-config $addFlags \"\$@\""
    } > "$out/bin/''${targetPrefix}pkg-config"
    chmod 0555 "$out/bin/''${targetPrefix}pkg-config"
    substitute "$hook" "$out/nix-support/setup-hook" --subst-var-by targetPrefix "$targetPrefix"
  '';
  passthru = { inherit targetPrefix; };
  meta = {
    description = "Host pkgconf wrapped like nixpkgs' pkg-config (impure)";
    mainProgram = "${targetPrefix}pkg-config";
  };
}
