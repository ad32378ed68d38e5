# Time zone database at $out/share/zoneinfo, copied from the host's
# /usr/share/zoneinfo (impure), with nixpkgs' outputs
# (pkgs/by-name/tz/tzdata): out (the zone files), bin (zic, zdump: links to
# the host's programs, as hostpkgs' other host tools), man (tzfile.5, zic.8,
# zdump.8 when the host has them), dev (include/, without nixpkgs' tzfile.h:
# the host has none). Built with `stdenv`, as nixpkgs' tzdata.
{ stdenv }:
stdenv.mkDerivation {
  pname = "tzdata";
  version = "host";
  outputs = [
    "out"
    "bin"
    "man"
    "dev"
  ];
  zoneinfo = "/usr/share/zoneinfo";
  hostTzVersion = builtins.hashFile "sha256" /usr/share/zoneinfo/tzdata.zi;
  buildCommand = ''
    mkdir -p "$out/share"
    cp -r --no-preserve=ownership "$zoneinfo" "$out/share/zoneinfo"
    chmod -R u+w "$out/share/zoneinfo"
    # Debian keeps posix/ and right/ as symlinks back into zoneinfo; make
    # them relative so they keep working inside the store path.
    find "$out/share/zoneinfo" -type l | while read -r l; do
      t="$(readlink "$l")"
      case "$t" in
        /usr/share/zoneinfo/*) ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$out/share/zoneinfo/''${t#/usr/share/zoneinfo/}")" "$l" ;;
        /*) rm "$l" ;; # e.g. localtime -> /etc/localtime
      esac
    done
    mkdir -p "$bin/bin" "$dev/include"
    for t in /usr/sbin/zic /usr/bin/zdump; do
      if [ -e "$t" ]; then ln -s "$t" "$bin/bin/''${t##*/}"; fi
    done
    for p in man5/tzfile.5 man8/zic.8 man8/zdump.8; do
      if [ -e "/usr/share/man/$p.gz" ]; then
        mkdir -p "$man/share/man/''${p%/*}"
        cp -L "/usr/share/man/$p.gz" "$man/share/man/$p.gz"
      fi
    done
    mkdir -p "$man/share/man"
  '';
  meta.description = "Time zone database from the host (impure)";
}
