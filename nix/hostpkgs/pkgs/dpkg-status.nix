# The host's dpkg status database split into one string per package stanza
# (each starting with the package's name). A file of its own so that Nix
# evaluates it once per evaluation (imports are cached): splitting the ~1 MB
# file takes a noticeable part of a second, and host-import.nix and
# debian.nix both read it.
let
  file = "/var/lib/dpkg/status";
in
if builtins.pathExists file then
  builtins.filter builtins.isString (builtins.split "\nPackage: " ("\n" + builtins.readFile file))
else
  [ ]
