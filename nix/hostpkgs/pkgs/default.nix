# Programs hostpkgs imports from the host's Debian installation instead of
# building them, with nixpkgs' names, outputs and output contents (see
# ./host-import.nix). Native x86_64-linux (glibc) only. The libraries
# (openssl, zlib, sqlite, ...) come from the table in ./libraries.json
# through ./import-library.nix, for every target Debian has.
{ callPackage }:
let
  hostImport = callPackage ./host-import.nix { };
in
{
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
