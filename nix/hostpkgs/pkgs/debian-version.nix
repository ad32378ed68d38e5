# The upstream part of a Debian version: no epoch, no Debian revision, no
# repack suffix ("1:1.2.13.dfsg-1+deb12u1" -> "1.2.13"). Used by
# ./host-import.nix and ./debian.nix.
{ lib }:
v:
let
  noEpoch = lib.last (builtins.match "([0-9]+:)?(.*)" v);
  noRevision =
    let
      m = builtins.match "(.*)-[^-]*" noEpoch;
    in
    if m == null then noEpoch else lib.head m;
  noRepack = builtins.match "(.*)[.+~](dfsg|ds)[0-9]*" noRevision;
in
if noRepack == null then noRevision else lib.head noRepack
