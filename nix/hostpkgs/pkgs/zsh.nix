# zsh (pkgs/by-name/zs/zsh) with nixpkgs' outputs: out (bin/zsh, with the
# libraries the host's binary needs bundled in out/lib), doc, info, man
# (share/man/man1/zsh*.1 when the host has them; doc and info are empty: the
# host's zsh-common ships neither); meta.mainProgram and passthru.shellPath
# "/bin/zsh". Imported from the host's Debian zsh (see ./host-import.nix);
# loadable modules are not imported.
{ lib, hostImport }:
hostImport.mkHostPackage {
  pname = "zsh";
  debianPackage = "zsh";
  hostFiles = [ "/usr/bin/zsh" ];
  outputs = [
    "out"
    "doc"
    "info"
    "man"
  ];
  installPhase = ''
    runHook preInstall
    mkdir -p "$out/bin" "$doc/share/doc" "$info/share/info" "$man/share/man/man1"
    cp -L /usr/bin/zsh "$out/bin/zsh"
    hostElfBundleLibs "$out/lib" "$out/bin/zsh"
    for f in "$out/lib/"*; do
      if [ -e "$f" ]; then hostElfFix "$f" "$out/lib"; fi
    done
    hostElfFix "$out/bin/zsh" "$out/lib"
    for p in /usr/share/man/man1/zsh*.1.gz; do
      if [ -e "$p" ]; then cp -L "$p" "$man/share/man/man1/"; fi
    done
    hostElfCheck "$out"
    runHook postInstall
  '';
  passthru.shellPath = "/bin/zsh";
  meta = {
    homepage = "https://www.zsh.org/";
    description = "Z shell (host's Debian build, imported)";
    license = lib.licenses.mit-modern;
    mainProgram = "zsh";
  };
}
