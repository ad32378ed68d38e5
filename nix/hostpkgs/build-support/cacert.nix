# CA certificate bundle at $out/etc/ssl/certs/ca-bundle.crt, built from the
# host's Mozilla certificates (/usr/share/ca-certificates/mozilla, sorted).
# Accepts the user-facing arguments of nixpkgs' cacert and has its outputs:
#   out        etc/ssl/certs/ca-bundle.crt, ca-no-trust-rules-bundle.crt
#   unbundled  etc/ssl/certs/NAME.crt, one per certificate
#   p11kit     etc/ssl/trust-source/ca-bundle.trust.p11-kit (p11-kit objects)
#   hashed     etc/ssl/certs/HASH.0 (OpenSSL's subject hash, `openssl x509 -hash`)
# (nixpkgs builds them with buildcatrust from NSS's certdata.txt; the
# host's files carry no trust rules, so both bundles are the same here).
# Built with `stdenv`, as nixpkgs' cacert: in a cross set it is a derivation
# of its own (host suffix), which nixbuild's cross-shared-cacert overlay replaces.
{
  lib,
  stdenv,
  blacklist ? [ ],
  extraCertificateFiles ? [ ],
  extraCertificateStrings ? [ ],
}:
stdenv.mkDerivation {
  pname = "nss-cacert";
  version = "host";
  outputs = [
    "out"
    "unbundled"
    "p11kit"
    "hashed"
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
    mkdir -p "$out/etc/ssl/certs" "$unbundled/etc/ssl/certs" "$p11kit/etc/ssl/trust-source" \
      "$hashed/etc/ssl/certs"
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
    cp "$bundle" "$out/etc/ssl/certs/ca-no-trust-rules-bundle.crt"
    trust="$p11kit/etc/ssl/trust-source/ca-bundle.trust.p11-kit"
    : > "$trust"
    for f in $(cd "$unbundled/etc/ssl/certs" && ls -1 | LC_ALL=C sort); do
      label="''${f%.crt}"
      printf '[p11-kit-object-v1]\nlabel: "%s"\ntrusted: true\nnss-mozilla-ca-policy: true\n' "''${label//_/ }" >> "$trust"
      cat "$unbundled/etc/ssl/certs/$f" >> "$trust"
      echo >> "$trust"
      h="$(/usr/bin/openssl x509 -hash -noout -in "$unbundled/etc/ssl/certs/$f")"
      n=0
      while [ -e "$hashed/etc/ssl/certs/$h.$n" ]; do n=$((n + 1)); done
      cp "$unbundled/etc/ssl/certs/$f" "$hashed/etc/ssl/certs/$h.$n"
    done
  '';
  passthru.updateScript = null;
  meta = {
    description = "Mozilla CA certificates from the host's ca-certificates package (impure)";
  };
}
