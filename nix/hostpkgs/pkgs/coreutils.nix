# coreutils (pkgs/tools/misc/coreutils): out has the programs in bin/,
# `info` the manual (nixpkgs' outputs are out, info and debug). Imported
# from the host's Debian coreutils (see ./host-import.nix): every program
# /var/lib/dpkg/info/coreutils.list names, except stdbuf (it preloads a
# helper library from a path compiled into it). Libraries some programs need
# beyond glibc (libselinux, libacl, libattr, libgmp, libpcre2) are bundled in
# out/lib.
{ lib, hostImport }:
let
  listFile = "/var/lib/dpkg/info/coreutils.list";
  listed =
    if builtins.pathExists listFile then
      lib.splitString "\n" (builtins.readFile listFile)
    else
      throw "hostpkgs: coreutils is imported from the host's Debian package coreutils, which is not installed (hint: apt-get install coreutils)";
  programPaths = lib.filter (
    p:
    builtins.match "/(usr/)?s?bin/[^/]+" p != null
    && baseNameOf p != "stdbuf"
    && builtins.match ".*[.].*" (baseNameOf p) == null
  ) listed;
  programs = map baseNameOf programPaths;
  hostPath = name: if builtins.pathExists "/usr/bin/${name}" then "/usr/bin/${name}" else "/usr/sbin/${name}";
in
hostImport.mkHostPackage {
  pname = "coreutils";
  debianPackage = "coreutils";
  hostFiles = map hostPath programs;
  outputs = [
    "out"
    "info"
  ];
  programs = map hostPath programs;
  installPhase = ''
    runHook preInstall
    mkdir -p "$out/bin" "$info/share/info"
    for p in $programs; do
      cp -L "$p" "$out/bin/"
    done
    chmod -R u+w "$out/bin"
    hostElfBundleLibs "$out/lib" "$out/bin/"*
    for f in "$out/lib/"*; do
      if [ -e "$f" ]; then hostElfFix "$f" "$out/lib"; fi
    done
    for f in "$out/bin/"*; do
      hostElfFix "$f" "$out/lib"
    done
    if [ -e /usr/share/info/coreutils.info.gz ]; then
      cp -L /usr/share/info/coreutils.info.gz "$info/share/info/"
    fi
    hostElfCheck "$out"
    runHook postInstall
  '';
  meta = {
    homepage = "https://www.gnu.org/software/coreutils/";
    description = "GNU Core Utilities (host's Debian build, imported)";
    license = lib.licenses.gpl3Plus;
  };
}
