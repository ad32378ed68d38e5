# dash (pkgs/by-name/da/dash): out has bin/dash (one output, as nixpkgs),
# meta.mainProgram and passthru.shellPath "/bin/dash". Imported from the
# host's Debian dash (see ./host-import.nix); its manual page goes with it in
# out/share/man (nixpkgs' dash has no `man` output either).
{ lib, hostImport }:
hostImport.mkHostPackage {
  pname = "dash";
  debianPackage = "dash";
  hostFiles = [ "/usr/bin/dash" ];
  installPhase = ''
    runHook preInstall
    mkdir -p "$out/bin"
    cp -L /usr/bin/dash "$out/bin/dash"
    hostElfBundleLibs "$out/lib" "$out/bin/dash"
    hostElfFix "$out/bin/dash" "$out/lib"
    if [ -e /usr/share/man/man1/dash.1.gz ]; then
      mkdir -p "$out/share/man/man1"
      cp -L /usr/share/man/man1/dash.1.gz "$out/share/man/man1/"
    fi
    hostElfCheck "$out"
    runHook postInstall
  '';
  passthru.shellPath = "/bin/dash";
  meta = {
    homepage = "http://gondor.apana.org.au/~herbert/dash/";
    description = "POSIX-compliant implementation of /bin/sh (host's Debian build, imported)";
    license = with lib.licenses; [
      bsd3
      gpl2Plus
    ];
    mainProgram = "dash";
  };
}
