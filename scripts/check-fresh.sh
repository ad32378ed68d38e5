#!/usr/bin/env bash
# make check-fresh: run the README's two commands on a brand-new Debian 12.
#
# Builds a bare Debian 12 root with debootstrap (--variant=minbase plus only
# python3, python3-venv, make, git, sudo, ca-certificates: less than any real
# new machine has), clones the committed HEAD into it and runs, inside a chroot
# in a private mount namespace with a clean environment:
#   1. make demo      (as written in the README)
#   2. make test      (as written in the README)
#   3. as a user who is not root (with sudo, as on a desktop): `make demo`
#      without nix-daemon must fail with one line saying what is needed;
#      with nix-daemon running it must build (a changed source, so it really
#      builds through the daemon).
#   4. with setup's Nix build users removed, `make setup` must fail with one
#      line that says so.
# The only things copied from this machine are what every machine here has and
# a bare root lacks: the CA certificates of the TLS proxy the package
# registries are reached through, and pip's `cert` setting.
#
# Needs root (debootstrap, chroot, mounts). The base system is cached as a
# tarball between runs. Environment:
#   FRESH_CACHE  cache directory (default /var/cache/nixbuild-check-fresh)
#   FRESH_DIR    where the root is built (default: a new directory in /var/tmp)
#   FRESH_KEEP=1 keep the root afterwards (for a closer look)
#   FRESH_STEPS  the steps to run (default "demo test nonroot nousers")
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${FRESH_CACHE:-/var/cache/nixbuild-check-fresh}
steps=${FRESH_STEPS:-demo test nonroot nousers}
suite=bookworm
include=python3,python3-venv,make,git,sudo,ca-certificates

say() { echo "check-fresh: $*" >&2; }
die() { echo "check-fresh: error: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot and mounts): run it with sudo"
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap (the check's own tool; not something nixbuild needs)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null
fi
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
commit=$(git -C "$repo" rev-parse HEAD)
[ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ] ||
  say "note: the work tree has uncommitted changes; the check runs the committed HEAD ${commit:0:12} only"

mkdir -p "$cache"
tarball="$cache/$suite-minbase-$(echo "$include" | sha256sum | cut -c1-12).tgz"
root=${FRESH_DIR:-$(mktemp -d /var/tmp/nixbuild-fresh.XXXXXX)}
chmod 755 "$root"  # it becomes /: mktemp's 0700 would lock every other user out
cleanup() {
  # Unmount whatever a step left mounted (lazily: the namespace is gone by now).
  { grep -o " $root[^ ]*" /proc/mounts 2>/dev/null || true; } | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  if [ "${FRESH_KEEP:-}" = 1 ]; then say "kept the root at $root"; else rm -rf --one-file-system "$root" || true; fi
}
trap cleanup EXIT

logged() {  # logged LOG CMD… : runs CMD with its output in LOG
  local logfile=$1
  shift
  "$@" >"$logfile" 2>&1
}

timed() {  # timed LABEL CMD… : runs CMD, prints its duration
  local label=$1 start end rc
  shift
  start=$(date +%s.%N)
  set +e
  "$@"
  rc=$?
  set -e
  end=$(date +%s.%N)
  printf 'check-fresh: %-44s %7.1f s  %s\n' "$label" "$(awk "BEGIN {print $end - $start}")" \
    "$([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)")" >&2
  return $rc
}

if [ ! -f "$tarball" ]; then
  work=$(mktemp -d /var/tmp/nixbuild-debootstrap.XXXXXX)
  timed "debootstrap --make-tarball ($suite)" logged "$cache/make-tarball.log" \
    debootstrap --variant=minbase --include="$include" --make-tarball="$tarball.tmp" "$suite" "$work" "$mirror" ||
    { tail -n 20 "$cache/make-tarball.log" >&2; rm -rf "$work"; die "debootstrap --make-tarball failed"; }
  rm -rf "$work"
  mv "$tarball.tmp" "$tarball"
fi
timed "debootstrap --unpack-tarball" logged "$root.debootstrap.log" \
  debootstrap --variant=minbase --include="$include" --unpack-tarball="$tarball" "$suite" "$root" "$mirror" || { tail -n 20 "$root.debootstrap.log" >&2; die "debootstrap failed"; }
rm -f "$root.debootstrap.log"

# What every machine here has and a bare root lacks: the proxy's CA, pip's cert.
mkdir -p "$root/usr/local/share/ca-certificates"
cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$root/etc/pip.conf"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

git clone -q --no-local --no-checkout "$repo" "$root/root/nixbuild"
git -C "$root/root/nixbuild" checkout -q --detach "$commit"
say "fresh Debian 12 root at $root, nixbuild ${commit:0:12}"
# Isolation from this host, not setup: the root shares the host's kernel, and
# Nix kills every process of a build user's uid before it starts a build, so a
# host build killed the root's whenever their nixbld uids met ("failed due to
# signal 9"). The root's system users and groups (nixbld…, made by setup) get
# ids from a range no account of this host uses.
if awk -F: '$3 >= 60100 && $3 <= 60999 { found = 1 } END { exit !found }' /etc/passwd /etc/group; then
  die "this host has accounts with ids in 60100-60999, the range the fresh root's system accounts are given"
fi
sed -i -E -e 's/^#?[[:space:]]*SYS_UID_MIN.*/SYS_UID_MIN 60100/' -e 's/^#?[[:space:]]*SYS_UID_MAX.*/SYS_UID_MAX 60999/' \
  -e 's/^#?[[:space:]]*SYS_GID_MIN.*/SYS_GID_MIN 60100/' -e 's/^#?[[:space:]]*SYS_GID_MAX.*/SYS_GID_MAX 60999/' \
  "$root/etc/login.defs"

# in_root CMD: run a bash command line in the root, as a new login would, in
# its own PID namespace (whatever it starts — sshd, nix-daemon — ends with it).
# The root becomes the mount namespace's root with pivot_root (a plain chroot is
# not enough: the kernel refuses user namespaces — bwrap — to a chrooted
# process, and Nix's setns back into its saved mount namespace would reset a
# chroot to the host's /).
in_root() {
  unshare --mount --pid --fork bash -euc '
    root=$1; cmd=$2
    mount --make-rprivate /
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs tmpfs "$root/tmp"
    mkdir -p "$root/.old-root"
    cd "$root"
    pivot_root . .old-root
    exec chroot . /usr/bin/env -i HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 TERM=dumb \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      /bin/bash -c "umount -l /.old-root && rmdir /.old-root && cd /root && exec /bin/bash -lc \"\$0\"" "$cmd"
  ' in_root "$root" "$1"
}

# step LABEL LOG CMD: a README command in the root; on failure, its last lines.
step() {
  local label=$1 logfile=$2 cmd=$3
  if ! timed "$label" logged "$logfile" in_root "$cmd"; then
    echo "---- last lines of $label ($logfile) ----" >&2
    tail -n 40 "$logfile" >&2
    exit 1
  fi
}

logs="$cache/logs"
mkdir -p "$logs"
for s in $steps; do
  case $s in
    demo)
      step "make demo" "$logs/demo.log" "cd /root/nixbuild && make demo"
      echo "---- the demo's image report, printed inside the fresh root ----" >&2
      sed -n '/^image:/,$p' "$logs/demo.log" >&2
      ;;
    test)
      step "make test" "$logs/test.log" "cd /root/nixbuild && make test"
      echo "check-fresh: tests: $(grep -E '^=+ .*(passed|failed).* in ' "$logs/test.log" | tail -n 1 | tr -d '=' | sed 's/^ *//')" >&2
      ;;
    nousers)
      # Setup's Nix users removed: setup must say so in one line and fail.
      in_root 'for n in $(seq 1 10); do userdel nixbld$n 2>/dev/null || true; done; groupdel nixbld' >/dev/null 2>&1 || true
      rc=0
      in_root "cd /root/nixbuild && make setup" >"$logs/nousers.out" 2>"$logs/nousers.err" || rc=$?
      errors=$(grep -c 'error' "$logs/nousers.err" || true)
      line=$(grep -m1 'error' "$logs/nousers.err" || true)
      if [ $rc -eq 0 ] || ! grep -q "build users are missing" "$logs/nousers.err"; then
        cat "$logs/nousers.err" >&2
        die "setup without the Nix build users did not fail with the one-line error (exit $rc)"
      fi
      say "setup without build users: exit $rc, $errors error line(s) (nixbuild's, then make's):"
      sed 's/^/  /' "$logs/nousers.err" >&2
      ;;
    nonroot)
      in_root 'id newuser >/dev/null 2>&1 || useradd -m -s /bin/bash newuser
        echo "newuser ALL=(ALL) NOPASSWD:ALL" >/etc/sudoers.d/newuser
        rm -rf /home/newuser/nixbuild && git clone -q /root/nixbuild /home/newuser/nixbuild
        chown -R newuser: /home/newuser/nixbuild' >/dev/null 2>&1
      rc=0
      timed "make demo as a user, no nix-daemon" logged "$logs/nonroot-nodaemon.log" \
        in_root "su - newuser -c 'cd nixbuild && make demo'" || rc=$?
      if [ $rc -eq 0 ] || ! grep -q "nixbuild: error: Nix cannot build as this user" "$logs/nonroot-nodaemon.log"; then
        tail -n 20 "$logs/nonroot-nodaemon.log" >&2
        die "make demo as a user without nix-daemon did not fail with the one-line error (exit $rc)"
      fi
      grep "nixbuild: error" "$logs/nonroot-nodaemon.log" | sed 's/^/  /' >&2
      step "make demo as a user, nix-daemon running" "$logs/nonroot-daemon.log" \
        "nix-daemon --daemon >/tmp/nix-daemon.log 2>&1 & daemon=\$!; sleep 1
         su - newuser -c 'cd nixbuild && echo \"/* \$(date +%s%N) */\" >>examples/hello-c/hello.c && make demo'
         rc=\$?; kill \$daemon; exit \$rc"
      grep -E '^\[[0-9]+/[0-9]+\] building|^image:' "$logs/nonroot-daemon.log" | sed 's/^/  /' >&2
      ;;
    *) die "unknown step $s (FRESH_STEPS takes demo, test, nonroot, nousers)" ;;
  esac
done
say "passed: ${commit:0:12} on a fresh Debian 12 root ($steps)"
