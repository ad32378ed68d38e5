# Wrapped host C toolchains, shaped like nixpkgs' cc-wrapper results
# (`stdenv.cc`): `cc`, `bintools`, `libc`, `isGNU`, `targetPrefix`, ...
{ lib, stdenvNoCC }:
let
  # Host binutils as a package (symlinks into /usr/bin).
  mkBintools =
    {
      libc,
      targetPrefix ? "",
      dynamicLinker,
    }:
    stdenvNoCC.mkDerivation {
      pname = "${targetPrefix}binutils-wrapper";
      version = "host";
      tools = [
        "addr2line"
        "ar"
        "as"
        "c++filt"
        "elfedit"
        "ld"
        "ld.bfd"
        "ld.gold"
        "nm"
        "objcopy"
        "objdump"
        "ranlib"
        "readelf"
        "size"
        "strings"
        "strip"
      ];
      inherit targetPrefix;
      buildCommand = ''
        mkdir -p "$out/bin"
        for t in $tools; do
          if [ -e "/usr/bin/$targetPrefix$t" ]; then
            ln -s "/usr/bin/$targetPrefix$t" "$out/bin/$targetPrefix$t"
          fi
        done
      '';
      passthru = {
        inherit libc targetPrefix dynamicLinker;
        isGNU = true;
        isLLVM = false;
      };
    };

  # The unwrapped compiler (nixpkgs: stdenv.cc.cc); its `lib` output carries
  # the C++ runtime that wrapped C++ links point their RUNPATH at.
  mkUnwrapped =
    { pname, driver }:
    stdenvNoCC.mkDerivation {
      inherit pname;
      version = "host";
      outputs = [
        "out"
        "lib"
      ];
      hostLibDir = "/usr/lib/x86_64-linux-gnu";
      inherit driver;
      buildCommand = ''
        mkdir -p "$out/bin" "$lib/lib"
        ln -s "$driver" "$out/bin/$(basename "$driver")"
        if [ "$pname" = gcc ]; then
          cp -L "$hostLibDir/libstdc++.so.6" "$hostLibDir/libgcc_s.so.1" "$lib/lib/"
          chmod 0555 "$lib/lib/"*
        fi
      '';
      dontStrip = true;
      passthru = {
        isGNU = true;
        isClang = false;
      };
    };
in
{
  # libc: the C library package (glibc or musl); linkMode: "dynamic"
  # (interpreter + RUNPATH into libc) or "static" (every link is -static).
  wrapCC =
    {
      name ? "gcc-wrapper",
      cDriver,
      cxxDriver ? null,
      libc,
      linkMode,
      targetPrefix ? "",
    }:
    let
      dynamicLinker = if linkMode == "static" then null else "${libc}/lib/ld-linux-x86-64.so.2";
      cc = mkUnwrapped {
        pname = "gcc";
        driver = cDriver;
      };
      bintools = mkBintools { inherit libc targetPrefix dynamicLinker; };
    in
    stdenvNoCC.mkDerivation {
      inherit name;
      wrapper = ./cc-wrapper.sh;
      setupHookSrc = ./setup-hook.sh;
      inherit
        cDriver
        targetPrefix
        linkMode
        ;
      cxxDriver = if cxxDriver == null then "" else cxxDriver;
      libcLib = if linkMode == "static" then "" else "${libc}/lib";
      dynamicLinker = if dynamicLinker == null then "" else dynamicLinker;
      cxxRpath = if linkMode == "static" then "" else "${lib.getLib cc}/lib";
      inherit bintools;
      buildCommand = ''
        mkdir -p "$out/bin" "$out/nix-support"
        mkWrapper() {
          substitute "$wrapper" "$2" \
            --subst-var-by prog "$1" \
            --subst-var-by linkMode "$linkMode" \
            --subst-var-by dynamicLinker "$dynamicLinker" \
            --subst-var-by libcLib "$libcLib" \
            --subst-var-by extraRpath "$3"
          chmod 0555 "$2"
        }
        mkWrapper "$cDriver" "$out/bin/''${targetPrefix}cc" ""
        ln -s "''${targetPrefix}cc" "$out/bin/''${targetPrefix}gcc"
        if [ -n "$cxxDriver" ]; then
          mkWrapper "$cxxDriver" "$out/bin/''${targetPrefix}c++" "$cxxRpath"
          ln -s "''${targetPrefix}c++" "$out/bin/''${targetPrefix}g++"
        fi
        ln -s /usr/bin/cpp "$out/bin/''${targetPrefix}cpp"
        substitute "$setupHookSrc" "$out/nix-support/setup-hook" \
          --subst-var-by targetPrefix "$targetPrefix"
        echo -n "$bintools" > "$out/nix-support/propagated-native-build-inputs"
        echo -n "$dynamicLinker" > "$out/nix-support/dynamic-linker"
      '';
      passthru = {
        inherit
          cc
          bintools
          libc
          targetPrefix
          ;
        isGNU = true;
        isClang = false;
        isCompilerRT = false;
        nativeTools = false;
        nativeLibc = false;
        nativePrefix = "";
        libc_bin = libc;
        libc_dev = lib.getDev libc;
        libc_lib = lib.getLib libc;
        version = "host";
      };
      meta = {
        description = "Host ${cDriver} wrapped to link against ${libc.name} in the Nix store (impure)";
        mainProgram = "cc";
      };
    };
}
