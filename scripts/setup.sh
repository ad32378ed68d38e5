#!/usr/bin/env bash
# Installs everything nixbuild's demo and tests need on a fresh Debian 12
# machine: the Debian packages (Nix and the package that creates its build
# users, skopeo, umoci, bubblewrap, toolchains), a virtualenv in .venv and
# nixbuild itself with its test extras. Then proves that Nix can build here.
# Idempotent: installs only what is missing.
#
# What it changes on the machine (README, "Install"):
#   - Debian packages below (apt-get, through sudo when not root), and the
#     foreign architectures some of them come from (dpkg --add-architecture);
#   - through nix-setup-systemd (Debian's own Nix setup): the group `nixbld`
#     with the build users nixbld1…nixbld10, the group `nix-users`,
#     /etc/nix/nix.conf and the nix-daemon units;
#   - when run by a user other than root: that user is added to `nix-users`
#     (the group that may talk to nix-daemon);
#   - the Debian packages of hostpkgs' imported libraries, for amd64 and the
#     foreign architectures (scripts/debian-libraries.sh says what it
#     changes).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  nix-bin nix-setup-systemd
  skopeo umoci bubblewrap musl-tools patchelf busybox-static
  qemu-user-static gcc g++ make cmake python3-venv ca-certificates tzdata
  gawk bzip2 xz-utils patch file
  gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu gcc-arm-linux-gnueabihf
  libc6-dev-arm64-cross libc6-dev-riscv64-cross libc6-dev-armhf-cross
  g++-aarch64-linux-gnu g++-riscv64-linux-gnu g++-arm-linux-gnueabihf
  libssl-dev zlib1g-dev openssl fakeroot dash zsh pkgconf python3-pyelftools
  podman runc docker-registry openssh-server
  golang-go rustc cargo
  # hostpkgs' autoconf, automake, libtool (libtoolize, m4) and gettext (autopoint):
  # autoreconfHook, for checkouts without configure; the tests' autotools project
  # also generates its configure as a release would ship it
  autoconf automake libtool gettext autopoint m4
)
# Foreign Debian architectures (multiarch: their libraries install beside the
# host's) and what nixbuild needs from them: Rust's standard library for
# aarch64 and armv7l, which Debian's rustc uses to cross-compile
# (builder = "rust"), and hostpkgs' imported libraries
# (scripts/debian-libraries.sh, below).
FOREIGN_ARCHES=(arm64 armhf)
APT_PACKAGES+=(libstd-rust-dev:arm64 libstd-rust-dev:armhf)
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# (read first: with pipefail, `grep -q` closing the pipe early would fail dpkg)
foreign=$(dpkg --print-foreign-architectures)
for arch in "${FOREIGN_ARCHES[@]}"; do
  if ! grep -qx "$arch" <<<"$foreign"; then
    echo "setup: adding the Debian architecture $arch (multiarch: its libraries beside the host's)" >&2
    as_root dpkg --add-architecture "$arch"
  fi
done

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

./scripts/debian-libraries.sh "${FOREIGN_ARCHES[@]}"

if [ "$(id -u)" -ne 0 ] && ! id -nG | tr ' ' '\n' | grep -qx nix-users; then
  user=$(id -un)
  if ! getent group nix-users | cut -d: -f4 | tr ',' '\n' | grep -qx "$user"; then
    echo "setup: adding $user to the group nix-users (may use nix-daemon; takes effect at the next login)" >&2
    as_root usermod -a -G nix-users "$user"
  fi
fi

stamp="$VENV/.nixbuild-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV" >&2
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing nixbuild and its test dependencies into $VENV" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check -e '.[test]'
  echo "$want" > "$stamp"
fi

# The proof: `nixbuild doctor --probe` builds a trivial derivation, new on
# every run (so Nix really builds it instead of finding it in the store), in
# Nix's sandbox with this machine's own settings. It prints one line and
# fails when Nix cannot build here (build users missing, no permission).
"$VENV/bin/nixbuild" doctor --probe
