# Wrapped host C toolchains, shaped like nixpkgs' cc-wrapper results
# (`stdenv.cc`): `cc`, `bintools`, `libc`, `isGNU`, `targetPrefix`, ...
# Cross toolchains carry nixpkgs' `targetPrefix` (the target's config plus
# "-") on every program, whatever the host calls its tools.
{ lib, stdenvNoCC }:
let
  # Host binutils as a package: bin/<targetPrefix><tool> symlinks to
  # /usr/bin/<hostToolPrefix><tool>.
  mkBintools =
    {
      libc,
      targetPrefix ? "",
      hostToolPrefix ? "",
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
      inherit targetPrefix hostToolPrefix;
      # nix-support/dynamic-linker and orig-libc as nixpkgs' bintools-wrapper
      # writes them (autoPatchelfHook reads both through $NIX_BINTOOLS).
      dynamicLinkerPath = if dynamicLinker == null then "" else dynamicLinker;
      origLibc = libc;
      setupHookSrc = ./bintools-setup-hook.sh;
      buildCommand = ''
        mkdir -p "$out/bin" "$out/nix-support"
        for t in $tools; do
          if [ -e "/usr/bin/$hostToolPrefix$t" ]; then
            ln -s "/usr/bin/$hostToolPrefix$t" "$out/bin/$targetPrefix$t"
          fi
        done
        if [ -n "$dynamicLinkerPath" ]; then
          echo "$dynamicLinkerPath" > "$out/nix-support/dynamic-linker"
        fi
        echo "$origLibc" > "$out/nix-support/orig-libc"
        substitute "$setupHookSrc" "$out/nix-support/setup-hook" --subst-var-by out "$out"
      '';
      passthru = {
        inherit libc targetPrefix dynamicLinker;
        isGNU = true;
        isLLVM = false;
      };
    };

  # The unwrapped compiler (nixpkgs: stdenv.cc.cc); its `lib` output carries
  # the target's C++ runtime that wrapped C++ links point their RUNPATH at.
  # libstdc++ needs libm and libc: nixpkgs' loader finds them in its own
  # lib/, the host's loader does not, so (as for every host import) the
  # copies get the store C library's directory (libcLib) as RUNPATH.
  mkUnwrapped =
    {
      pname,
      driver,
      runtimeLibDir,
      libcLib,
    }:
    stdenvNoCC.mkDerivation {
      inherit pname;
      version = "host";
      outputs = [
        "out"
        "lib"
      ];
      inherit driver runtimeLibDir libcLib;
      buildCommand = ''
        mkdir -p "$out/bin" "$lib/lib"
        ln -s "$driver" "$out/bin/$(basename "$driver")"
        for l in libstdc++.so.6 libgcc_s.so.1; do
          if [ -n "$runtimeLibDir" ] && [ -e "$runtimeLibDir/$l" ]; then
            cp -L "$runtimeLibDir/$l" "$lib/lib/$l"
            if [ -n "$libcLib" ]; then
              patchelf --set-rpath "$libcLib" "$lib/lib/$l"
            fi
            chmod 0555 "$lib/lib/$l"
          fi
        done
      '';
      dontStrip = true;
      passthru = {
        isGNU = true;
        isClang = false;
      };
    };

  commonPassthru = {
    isGNU = true;
    isClang = false;
    isCompilerRT = false;
    nativeTools = false;
    nativeLibc = false;
    nativePrefix = "";
    version = "host";
  };

  # What nixpkgs' cc-wrapper exposes about its compiler, binutils and libc.
  wrapperPassthru =
    {
      cc,
      bintools,
      libc,
      targetPrefix,
    }:
    commonPassthru
    // {
      inherit
        cc
        bintools
        libc
        targetPrefix
        ;
      libc_bin = libc;
      libc_dev = lib.getDev libc;
      libc_lib = lib.getLib libc;
    };
in
{
  # cDriver/cxxDriver/cppDriver: host programs (cxxDriver is used only if the
  # host has it); libc: the C library package (glibc or musl); loader: the
  # file name of libc's dynamic loader in ${libc}/lib; linkMode: "dynamic"
  # (interpreter + RUNPATH into libc) or "static" (every link is -static);
  # hostToolPrefix: prefix of the host's binutils for this target;
  # runtimeLibDir: where the host keeps the target's libstdc++/libgcc_s.
  wrapCC =
    {
      name ? "gcc-wrapper",
      cDriver,
      cxxDriver ? null,
      cppDriver ? "/usr/bin/cpp",
      libc,
      loader ? "ld-linux-x86-64.so.2",
      linkMode,
      targetPrefix ? "",
      hostToolPrefix ? "",
      runtimeLibDir ? "/usr/lib/x86_64-linux-gnu",
    }:
    let
      # The C library's loader, as nixpkgs' bintools name it even for static
      # sets (a static link never uses it).
      loaderPath = "${libc}/lib/${loader}";
      dynamicLinker = if linkMode == "static" then null else loaderPath;
      cc = mkUnwrapped {
        pname = "gcc";
        driver = cDriver;
        runtimeLibDir = if linkMode == "static" then "" else runtimeLibDir;
        libcLib = if linkMode == "static" then "" else "${libc}/lib";
      };
      bintools = mkBintools {
        inherit libc targetPrefix hostToolPrefix;
        dynamicLinker = loaderPath;
      };
    in
    stdenvNoCC.mkDerivation {
      inherit name;
      wrapper = ./cc-wrapper.sh;
      setupHookSrc = ./setup-hook.sh;
      inherit
        cDriver
        cppDriver
        targetPrefix
        linkMode
        ;
      # Decided at evaluation time, so that installing the host's C++
      # cross compiler yields a new wrapper (with c++) instead of the cached one.
      cxxDriver = if cxxDriver == null || !builtins.pathExists cxxDriver then "" else cxxDriver;
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
        ln -s "$cppDriver" "$out/bin/''${targetPrefix}cpp"
        substitute "$setupHookSrc" "$out/nix-support/setup-hook" \
          --subst-var-by targetPrefix "$targetPrefix" \
          --subst-var-by out "$out"
        echo -n "$bintools" > "$out/nix-support/propagated-native-build-inputs"
        echo -n "$dynamicLinker" > "$out/nix-support/dynamic-linker"
      '';
      passthru = wrapperPassthru {
        inherit
          cc
          bintools
          libc
          targetPrefix
          ;
      };
      meta = {
        description = "Host ${cDriver} wrapped to link against ${libc.name} in the Nix store (impure)";
        mainProgram = "${targetPrefix}cc";
      };
    };

  # A toolchain the host does not have: evaluates like a wrapped compiler
  # (so drvPaths compute), and building it, or anything compiled with it,
  # fails with `message`.
  unavailableCC =
    {
      name,
      message,
      libc,
      loader,
      targetPrefix,
    }:
    let
      broken =
        pname: passthru: meta:
        stdenvNoCC.mkDerivation {
          inherit pname message passthru;
          version = "host";
          buildCommand = ''
            echo "error: $message" >&2
            exit 1
          '';
          meta = {
            description = message;
          } // meta;
        };
      cc = broken "gcc" { } { };
      bintools = broken "${targetPrefix}binutils-wrapper" {
        inherit libc targetPrefix;
        dynamicLinker = "${libc}/lib/${loader}";
        isGNU = true;
        isLLVM = false;
      } { };
    in
    broken name (wrapperPassthru {
      inherit
        cc
        bintools
        libc
        targetPrefix
        ;
    }) { mainProgram = "${targetPrefix}cc"; };
}
