# busybox (pkgs/os-specific/linux/busybox): out has bin/busybox and a link
# per applet in bin/ and sbin/ (nixpkgs builds with CONFIG_INSTALL_NO_USR,
# so usr/bin and usr/sbin applets land there too), including bin/sh.
# Imported from the host's Debian busybox-static: a static executable, so
# nothing is patched and its closure is itself.
{ lib, hostImport }:
hostImport.mkHostPackage {
  pname = "busybox";
  debianPackage = "busybox-static";
  hostFiles = [ "/usr/bin/busybox" ];
  installPhase = ''
    runHook preInstall
    mkdir -p "$out/bin" "$out/sbin"
    cp -L /usr/bin/busybox "$out/bin/busybox"
    chmod 0555 "$out/bin/busybox"
    if patchelf --print-interpreter "$out/bin/busybox" >/dev/null 2>&1; then
      echo "busybox: /usr/bin/busybox is dynamically linked; hostpkgs needs busybox-static" >&2
      exit 1
    fi
    # Applet paths as busybox reports them (bin/ls, usr/sbin/arping, ...).
    "$out/bin/busybox" --list-full | LC_ALL=C sort | while IFS= read -r applet; do
      name="''${applet##*/}"
      case "$applet" in
        bin/* | usr/bin/*) dir=bin target=busybox ;;
        sbin/* | usr/sbin/*) dir=sbin target=../bin/busybox ;;
        *) continue ;;
      esac
      if [ "$name" = busybox ] || [ -e "$out/$dir/$name" ] || [ -L "$out/$dir/$name" ]; then continue; fi
      ln -s "$target" "$out/$dir/$name"
    done
    if [ ! -L "$out/bin/sh" ]; then
      echo "busybox: the host's busybox has no sh applet" >&2
      exit 1
    fi
    runHook postInstall
  '';
  meta = {
    homepage = "https://busybox.net";
    description = "Tiny versions of common UNIX utilities in a single small executable (host's Debian busybox-static, imported)";
    license = lib.licenses.gpl2Only;
    mainProgram = "busybox";
  };
}
