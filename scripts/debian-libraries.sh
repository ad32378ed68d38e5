#!/usr/bin/env bash
# Installs the Debian packages hostpkgs' imported libraries come from
# (nix/hostpkgs/pkgs/libraries.json), for the host's architecture and for
# each foreign architecture given as an argument (scripts/setup.sh passes its
# FOREIGN_ARCHES, which it has added to dpkg). Idempotent: installs and
# unpacks only what is missing or out of date.
#
# Usage: scripts/debian-libraries.sh ARCH...   (e.g. arm64 armhf)
#
# What it changes on the machine (README, "Install"):
#   - the table's Debian packages for amd64 and each ARCH (apt-get; the
#     foreign ones are Multi-Arch: same libraries that install beside the
#     host's own);
#   - the packages dpkg cannot install beside the host's (programs such as
#     sqlite3:arm64, which are Multi-Arch: foreign, and libevent-dev, which
#     is not multi-arch), downloaded with apt-get download and unpacked into
#     /usr/local/lib/nixbuild-debian/<arch> with a dpkg-like status and file
#     list of their own. Nothing there is run on the host.
set -euo pipefail
cd "$(dirname "$0")/.."

FOREIGN_ARCHS=("$@")
UNPACK_BASE=/usr/local/lib/nixbuild-debian
TABLE=nix/hostpkgs/pkgs/libraries.json

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Package names from the table: `all` (every Debian package) or `unpack`.
table() {
  python3 -c '
import json, sys
libs = json.load(open(sys.argv[1]))["libraries"]
names = []
for entry in libs.values():
    d = entry["debian"]
    names += d["packages"] if sys.argv[2] == "all" else d.get("unpack", [])
print("\n".join(dict.fromkeys(names)))
' "$TABLE" "$1"
}

# Every installed package as "name:arch" (Architecture: all counts for each
# architecture), read once: dpkg-query per package takes seconds.
declare -A have=()
while read -r name arch status; do
  if [ "$status" != installed ]; then continue; fi
  if [ "$arch" = all ]; then
    for a in amd64 "${FOREIGN_ARCHS[@]}"; do have["$name:$a"]=1; done
  else
    have["$name:$arch"]=1
  fi
done < <(dpkg-query -W -f='${Package} ${Architecture} ${db:Status-Status}\n')

foreign="$(dpkg --print-foreign-architectures)"
for arch in "${FOREIGN_ARCHS[@]}"; do
  if ! grep -qx "$arch" <<<"$foreign"; then
    echo "setup: the Debian architecture $arch is not added (scripts/setup.sh adds it: dpkg --add-architecture $arch)" >&2
    exit 1
  fi
done

mapfile -t all < <(table all)
mapfile -t unpack < <(table unpack)

missing=()
for pkg in "${all[@]}"; do
  [ -n "${have[$pkg:amd64]:-}" ] || missing+=("$pkg")
done
for arch in "${FOREIGN_ARCHS[@]}"; do
  for pkg in "${all[@]}"; do
    case " ${unpack[*]} " in *" $pkg "*) continue ;; esac
    [ -n "${have[$pkg:$arch]:-}" ] || missing+=("$pkg:$arch")
  done
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing the Debian packages of hostpkgs' libraries: ${missing[*]}" >&2
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The packages dpkg cannot install beside the host's: unpacked, each at the
# version apt would install (the same source version as its installed
# libraries).
wanted=()
for arch in "${FOREIGN_ARCHS[@]}"; do
  for pkg in "${unpack[@]}"; do wanted+=("$pkg:$arch"); done
done
# Asking apt for the versions takes seconds: skip it while apt's package
# lists and the table's wishes are those of the last run.
stampFile="$UNPACK_BASE/.stamp"
stamp="$(
  {
    printf '%s\n' "${wanted[@]}"
    ls -l --time-style=+%s /var/lib/apt/lists/ 2>/dev/null
  } | sha256sum | cut -d' ' -f1
)"
if [ -f "$stampFile" ] && [ "$(cat "$stampFile")" = "$stamp" ]; then exit 0; fi

declare -A candidate=()
while read -r pkg arch version; do
  candidate["$pkg:$arch"]="$version"
done < <(apt-cache show --no-all-versions "${wanted[@]}" | awk '
  /^Package: / { p = $2 } /^Architecture: / { a = $2 } /^Version: / { v = $2 }
  /^$/ { if (p != "") print p, a, v; p = "" } END { if (p != "") print p, a, v }')

stale=()
for q in "${wanted[@]}"; do
  have=""
  info="$UNPACK_BASE/${q#*:}/var/lib/dpkg/info"
  if [ -f "$info/$q.version" ]; then have="$(cat "$info/$q.version")"; fi
  if [ -z "${candidate[$q]:-}" ]; then
    echo "setup: apt has no $q" >&2
    exit 1
  fi
  if [ "$have" != "${candidate[$q]}" ]; then stale+=("$q"); fi
done
if [ ${#stale[@]} -gt 0 ]; then
  echo "setup: unpacking into $UNPACK_BASE (programs dpkg cannot install beside the host's): ${stale[*]}" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  chmod 755 "$tmp"
  (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "${stale[@]}")
  for q in "${stale[@]}"; do
    pkg="${q%%:*}"
    UNPACK_ROOT="$UNPACK_BASE/${q#*:}"
    info="$UNPACK_ROOT/var/lib/dpkg/info"
    as_root mkdir -p "$info"
    deb="$(ls "$tmp/${pkg}_"*"_${q#*:}.deb")"
    # Remove what an older version unpacked, then unpack this one.
    if [ -f "$info/$q.list" ]; then
      while IFS= read -r f; do
        if [ -n "$f" ] && { [ -f "$UNPACK_ROOT$f" ] || [ -L "$UNPACK_ROOT$f" ]; }; then as_root rm -f "$UNPACK_ROOT$f"; fi
      done <"$info/$q.list"
    fi
    as_root dpkg-deb -x "$deb" "$UNPACK_ROOT"
    dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' -e 's|^$|/.|' >"$tmp/$q.list"
    mkdir -p "$tmp/$q.control"
    dpkg-deb -e "$deb" "$tmp/$q.control"
    {
      sed -n '/^Package:/,$p' "$tmp/$q.control/control" | sed '/^Description:/,$d' | sed '1a Status: install ok unpacked'
      echo
    } >"$tmp/$q.stanza"
    as_root install -m 0644 "$tmp/$q.list" "$info/$q.list"
    if [ -f "$tmp/$q.control/md5sums" ]; then as_root install -m 0644 "$tmp/$q.control/md5sums" "$info/$q.md5sums"; fi
    as_root install -m 0644 "$tmp/$q.stanza" "$info/$q.stanza"
    echo "${candidate[$q]}" | as_root tee "$info/$q.version" >/dev/null
  done
  # dpkg's status file of each architecture's unpacked packages, read by
  # hostpkgs.
  for arch in "${FOREIGN_ARCHS[@]}"; do
    if [ -d "$UNPACK_BASE/$arch/var/lib/dpkg/info" ]; then
      cat "$UNPACK_BASE/$arch/var/lib/dpkg/info"/*.stanza | as_root tee "$UNPACK_BASE/$arch/var/lib/dpkg/status" >/dev/null
    fi
  done
fi
as_root mkdir -p "$UNPACK_BASE"
echo "$stamp" | as_root tee "$stampFile" >/dev/null
