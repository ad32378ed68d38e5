# cmake as nixpkgs offers it: bin/cmake, ctest, cpack, and a setup hook that
# makes the configure phase of a derivation with cmake in nativeBuildInputs
# cmake's (./cmake-setup-hook.sh). The programs are the host's (Debian's
# cmake under /usr, visible to hostpkgs builders), linked, not copied.
{ stdenvNoCC }:
stdenvNoCC.mkDerivation {
  pname = "cmake";
  version = "host";
  hook = ./cmake-setup-hook.sh;
  buildCommand = ''
    mkdir -p "$out/bin" "$out/nix-support"
    for t in cmake ctest cpack; do
      if [ -e "/usr/bin/$t" ]; then ln -s "/usr/bin/$t" "$out/bin/$t"; fi
    done
    cp "$hook" "$out/nix-support/setup-hook"
  '';
  meta = {
    description = "The host's cmake (impure links) with nixpkgs' cmake setup-hook behaviour";
    mainProgram = "cmake";
  };
}
