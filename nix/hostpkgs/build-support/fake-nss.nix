# /etc/passwd, /etc/group, /etc/nsswitch.conf and /var/empty for images, with
# the same arguments and file contents as nixpkgs'
# pkgs/build-support/fake-nss/default.nix.
{
  lib,
  symlinkJoin,
  writeTextDir,
  runCommand,
  extraPasswdLines ? [ ],
  extraGroupLines ? [ ],
}:
let
  lines = ls: lib.concatStrings (map (l: l + "\n") ls);
in
symlinkJoin {
  name = "fake-nss";
  paths = [
    (writeTextDir "etc/passwd" ''
      root:x:0:0:root user:/var/empty:/bin/sh
      ${lines extraPasswdLines}nobody:x:65534:65534:nobody:/var/empty:/bin/sh
    '')
    (writeTextDir "etc/group" ''
      root:x:0:
      ${lines extraGroupLines}nobody:x:65534:
    '')
    (writeTextDir "etc/nsswitch.conf" ''
      hosts: files dns
    '')
    (runCommand "var-empty" { } ''
      mkdir -p $out/var/empty
    '')
  ];
}
