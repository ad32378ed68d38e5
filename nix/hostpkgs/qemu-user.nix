# qemu-user as nixpkgs names it (bin/qemu-<qemuArch>), from the host's
# qemu-user-static: symlinks /usr/bin/qemu-<arch>-static, like the other
# host tools. `hostPlatform.emulator buildPackages` points here.
{ stdenvNoCC }:
stdenvNoCC.mkDerivation {
  pname = "qemu-user";
  version = "host";
  arches = [
    "aarch64"
    "arm"
    "i386"
    "ppc64le"
    "riscv64"
    "s390x"
    "x86_64"
  ];
  buildCommand = ''
    mkdir -p "$out/bin"
    for a in $arches; do
      if [ -e "/usr/bin/qemu-$a-static" ]; then
        ln -s "/usr/bin/qemu-$a-static" "$out/bin/qemu-$a"
      fi
    done
  '';
  meta.description = "Host qemu-user-static binaries (impure symlinks)";
}
