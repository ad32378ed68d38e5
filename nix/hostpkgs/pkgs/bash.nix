# bash and bashInteractive (pkgs/shells/bash/5.nix, `interactive` false and
# true: pname "bash" and "bash-interactive", two store paths as in nixpkgs):
# out has bin/bash and bin/sh (a link, as in nixpkgs), `man` the manual page;
# meta.mainProgram and passthru.shellPath as nixpkgs. Imported from the
# host's Debian bash (see ./host-import.nix); Debian's bash is the interactive
# build, so both carry readline's terminfo library (libtinfo, bundled in
# out/lib). nixpkgs' dev/doc/info outputs are not offered: the host has no
# bash headers.
{
  lib,
  hostImport,
  interactive ? false,
}:
hostImport.mkHostPackage {
  pname = "bash${lib.optionalString interactive "-interactive"}";
  debianPackage = "bash";
  hostFiles = [ "/usr/bin/bash" ];
  outputs = [
    "out"
    "man"
  ];
  installPhase = ''
    runHook preInstall
    mkdir -p "$out/bin" "$man/share/man/man1"
    cp -L /usr/bin/bash "$out/bin/bash"
    ln -s bash "$out/bin/sh"
    hostElfBundleLibs "$out/lib" "$out/bin/bash"
    for f in "$out/lib/"*; do
      if [ -e "$f" ]; then hostElfFix "$f" "$out/lib"; fi
    done
    hostElfFix "$out/bin/bash" "$out/lib"
    if [ -e /usr/share/man/man1/bash.1.gz ]; then
      cp -L /usr/share/man/man1/bash.1.gz "$man/share/man/man1/"
    fi
    hostElfCheck "$out"
    runHook postInstall
  '';
  passthru.shellPath = "/bin/bash";
  meta = {
    homepage = "https://www.gnu.org/software/bash/";
    description = "GNU Bourne-Again Shell (host's Debian build, imported)";
    license = lib.licenses.gpl3Plus;
    mainProgram = "bash";
  };
}
