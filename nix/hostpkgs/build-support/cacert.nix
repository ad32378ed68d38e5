# CA certificate bundle at $out/etc/ssl/certs/ca-bundle.crt, built from the
# host's Mozilla certificates (/usr/share/ca-certificates/mozilla, sorted).
# Accepts the user-facing arguments of nixpkgs' cacert.
{
  lib,
  stdenvNoCC,
  blacklist ? [ ],
  extraCertificateFiles ? [ ],
  extraCertificateStrings ? [ ],
}:
stdenvNoCC.mkDerivation {
  pname = "nss-cacert";
  version = "host";
  outputs = [
    "out"
    "unbundled"
  ];
  certDir = "/usr/share/ca-certificates/mozilla";
  # Part of the derivation so a host update gives a new store path.
  certListing = builtins.hashString "sha256" (
    builtins.toJSON (builtins.readDir /usr/share/ca-certificates/mozilla)
  );
  blacklist = map (n: lib.replaceStrings [ " " ] [ "_" ] n + ".crt") blacklist;
  inherit extraCertificateFiles;
  extraCertificateStrings = lib.concatStringsSep "\n" extraCertificateStrings;
  buildCommand = ''
    mkdir -p "$out/etc/ssl/certs" "$unbundled/etc/ssl/certs"
    bundle="$out/etc/ssl/certs/ca-bundle.crt"
    : > "$bundle"
    for f in $(cd "$certDir" && ls -1 *.crt | LC_ALL=C sort); do
      skip=
      for bl in $blacklist; do [ "$bl" = "$f" ] && skip=1; done
      [ -n "$skip" ] && continue
      cat "$certDir/$f" >> "$bundle"
      [ "$(tail -c1 "$bundle" | od -An -c | tr -d ' ')" = '\n' ] || echo >> "$bundle"
      cp "$certDir/$f" "$unbundled/etc/ssl/certs/$f"
    done
    for f in $extraCertificateFiles; do cat "$f" >> "$bundle"; done
    if [ -n "$extraCertificateStrings" ]; then printf '%s\n' "$extraCertificateStrings" >> "$bundle"; fi
  '';
  passthru.updateScript = null;
  meta = {
    description = "Mozilla CA certificates from the host's ca-certificates package (impure)";
  };
}
