# Time zone database at $out/share/zoneinfo, copied from the host's
# /usr/share/zoneinfo (impure).
{ stdenvNoCC }:
stdenvNoCC.mkDerivation {
  pname = "tzdata";
  version = "host";
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
  '';
  meta.description = "Time zone database from the host (impure)";
}
