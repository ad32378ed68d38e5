# Packages hostpkgs imports from the host's Debian installation instead of
# building them, with nixpkgs' names, outputs and output contents (see
# ./host-import.nix). Native x86_64-linux (glibc) only.
{ callPackage }:
let
  hostImport = callPackage ./host-import.nix { };
in
{
  openssl = callPackage ./openssl.nix { inherit hostImport; };
  zlib = callPackage ./zlib.nix { inherit hostImport; };
  bash = callPackage ./bash.nix { inherit hostImport; };
  bashInteractive = callPackage ./bash.nix {
    inherit hostImport;
    interactive = true;
  };
  dash = callPackage ./dash.nix { inherit hostImport; };
  zsh = callPackage ./zsh.nix { inherit hostImport; };
  coreutils = callPackage ./coreutils.nix { inherit hostImport; };
  busybox = callPackage ./busybox.nix { inherit hostImport; };
}
