# Platforms as nixpkgs' `lib.systems` describes them (lib/systems/default.nix,
# parse.nix, inspect.nix, platforms.nix, examples.nix), for the Linux CPUs
# below. `elaborate` takes what nixpkgs' takes for localSystem/crossSystem:
# a system double ("aarch64-linux"), or a set with `config` (a GNU triple) or
# `system`, plus attributes that override the derived ones (`isStatic`,
# `gcc`, `linker` …). Every field here is compared with the real lib's value
# by tests/nix/test_hostpkgs_lib_facts.py (facts in
# tests/data/nixpkgs-lib-facts.json); the implementation is our own.
{ lib }:
let
  b = builtins;

  # cpu name -> what nixpkgs' parse.nix (cpuTypes) says of it, and the names
  # other tools use for it, as lib/systems/default.nix derives them.
  cpus = {
    x86_64 = {
      family = "x86";
      bits = 64;
      arch = "x86-64";
      goarch = "amd64";
      linuxArch = "x86_64";
      qemuArch = "x86_64";
      ubootArch = "x86_64";
      efiArch = "x64";
      darwinArch = "x86_64";
      rustCpu = "x86_64";
      rustArch = "x86_64";
      unameProcessor = "x86_64";
      libDir = "lib64";
    };
    i686 = {
      family = "x86";
      bits = 32;
      arch = "i686";
      goarch = "386";
      linuxArch = "i386";
      qemuArch = "i386";
      ubootArch = "x86";
      efiArch = "ia32";
      darwinArch = "i686";
      rustCpu = "i686";
      rustArch = "i686";
      unameProcessor = "i686";
      libDir = "lib";
    };
    aarch64 = {
      family = "arm";
      bits = 64;
      version = "8";
      arch = "armv8-a";
      goarch = "arm64";
      linuxArch = "arm64";
      qemuArch = "aarch64";
      ubootArch = "arm64";
      efiArch = "aa64";
      darwinArch = "arm64";
      rustCpu = "aarch64";
      rustArch = "aarch64";
      unameProcessor = "aarch64";
      libDir = "lib";
      # platforms.nix (aarch64-multiplatform)
      gcc.arch = "armv8-a";
    };
    armv7l = {
      family = "arm";
      bits = 32;
      version = "7";
      arch = "armv7";
      goarch = "arm";
      linuxArch = "arm";
      qemuArch = "arm";
      ubootArch = "arm";
      efiArch = "arm";
      darwinArch = "armv7l";
      rustCpu = "armv7";
      rustArch = "arm";
      unameProcessor = "armv7l";
      libDir = "lib";
      # platforms.nix (armv7l-hf-multiplatform)
      gcc = {
        arch = "armv7-a";
        fpu = "vfpv3-d16";
      };
      # the abi of "armv7l-linux"
      defaultAbi = "gnueabihf";
    };
    riscv64 = {
      family = "riscv";
      bits = 64;
      goarch = "riscv64";
      linuxArch = "riscv";
      qemuArch = "riscv64";
      ubootArch = "riscv";
      efiArch = "riscv64";
      darwinArch = "riscv64";
      rustCpu = "riscv64gc";
      rustArch = "riscv64";
      unameProcessor = "riscv64";
      libDir = "lib";
    };
    s390x = {
      family = "s390";
      bits = 64;
      bigEndian = true;
      goarch = "s390x";
      linuxArch = "s390";
      qemuArch = "s390x";
      ubootArch = "s390";
      efiArch = "s390x";
      darwinArch = "s390x";
      rustCpu = "s390x";
      rustArch = "s390x";
      unameProcessor = "s390x";
      libDir = "lib";
    };
    powerpc64le = {
      family = "power";
      bits = 64;
      goarch = "ppc64le";
      linuxArch = "powerpc";
      qemuArch = "ppc64le";
      ubootArch = "powerpc";
      efiArch = "powerpc64le";
      darwinArch = "powerpc64le";
      rustCpu = "powerpc64le";
      rustArch = "powerpc64";
      unameProcessor = "ppc64le";
      libDir = "lib64";
    };
  };

  kernels = [ "linux" ];

  # "cpu-kernel" (a system double), "cpu-kernel-abi", "cpu-vendor-kernel-abi".
  parse =
    string:
    let
      parts = b.filter b.isString (b.split "-" string);
      n = b.length parts;
      at = b.elemAt parts;
      cpuName = at 0;
      cpu = cpus.${cpuName} or (throw "hostpkgs: unknown CPU '${cpuName}' in platform '${string}'");
      fields =
        if n == 2 then
          {
            vendor = "unknown";
            kernel = at 1;
            abi = cpu.defaultAbi or "gnu";
          }
        else if n == 3 && b.elem (at 1) kernels then
          {
            vendor = "unknown";
            kernel = at 1;
            abi = at 2;
          }
        else if n == 4 then
          {
            vendor = at 1;
            kernel = at 2;
            abi = at 3;
          }
        else
          throw "hostpkgs: cannot parse platform '${string}' (expected cpu-kernel, cpu-kernel-abi or cpu-vendor-kernel-abi)";
    in
    if !(b.elem fields.kernel kernels) then
      throw "hostpkgs: only Linux platforms are known, not '${string}'"
    else
      fields
      // {
        inherit cpuName cpu;
        # a double's triple is spelled out; a given triple is kept as written
        config = if n == 2 then "${cpuName}-unknown-${fields.kernel}-${fields.abi}" else string;
      };

  # nixpkgs' lib.systems.elaborate.
  elaborate =
    systemOrArgs:
    let
      allArgs = if b.isAttrs systemOrArgs then systemOrArgs else { system = systemOrArgs; };
      # derived from the others, never taken from the arguments
      args = removeAttrs allArgs [
        "parsed"
        "system"
        "_withoutFunctions"
      ];
      p = parse (allArgs.config or allArgs.system);
      inherit (p) cpu cpuName kernel abi;
      family = cpu.family;
      isStatic = final.isStatic;
      isMusl = b.match "musl.*" abi != null;
      isGnu = b.match "gnu.*" abi != null;
      isLinux = kernel == "linux";
      is64 = cpu.bits == 64;
      abiForRust = if b.match "powerpc.*" cpuName != null && b.match "gnuabielfv.*" abi != null then "gnu" else abi;
      rustcTarget = "${cpu.rustCpu}-${p.vendor}-${kernel}${lib.optionalString (abi != "unknown") "-${abiForRust}"}";
      final =
        {
          inherit (p) config;
          system = "${cpuName}-${kernel}";
          isStatic = false;
          inherit isMusl isGnu isLinux;
          isDarwin = kernel == "darwin";
          isx86_64 = family == "x86" && is64;
          isx86_32 = family == "x86" && !is64;
          isi686 = cpuName == "i686";
          isx86 = family == "x86";
          isAarch64 = family == "arm" && is64;
          isAarch32 = family == "arm" && !is64;
          isAarch = family == "arm";
          isArmv7 = cpuName == "armv7l";
          isRiscV = family == "riscv";
          isRiscV64 = family == "riscv" && is64;
          isS390 = family == "s390";
          isS390x = family == "s390" && is64;
          isPower = family == "power";
          isPower64 = family == "power" && is64;
          is64bit = is64;
          is32bit = !is64;
          isLittleEndian = !(cpu.bigEndian or false);
          isBigEndian = cpu.bigEndian or false;
          isWindows = kernel == "windows";
          isMacOS = kernel == "darwin";
          isFreeBSD = kernel == "freebsd";
          isUnix = b.elem kernel [
            "linux"
            "darwin"
            "freebsd"
          ];
          isAndroid = b.match "android.*" abi != null;
          hasSharedLibraries = (isGnu || isMusl) && !isStatic;
          libc = if isMusl then "musl" else "glibc";
          linker = if kernel == "darwin" then "cctools" else "bfd";
          inherit (cpu)
            libDir
            linuxArch
            qemuArch
            ubootArch
            efiArch
            darwinArch
            ;
          uname = {
            system = { linux = "Linux"; }.${kernel};
            processor = cpu.unameProcessor;
            release = null;
          };
          parsed = {
            cpu = {
              name = cpuName;
              inherit (cpu) family bits;
            }
            // lib.optionalAttrs (cpu ? version) { inherit (cpu) version; }
            // lib.optionalAttrs (cpu ? arch) { inherit (cpu) arch; };
            vendor.name = p.vendor;
            kernel.name = kernel;
            abi.name = abi;
          };
          gcc = cpu.gcc or { };
          extensions = {
            staticLibrary = ".a";
            library = if isStatic then ".a" else ".so";
            executable = "";
          }
          // lib.optionalAttrs final.hasSharedLibraries { sharedLibrary = ".so"; };
          go = {
            GOARCH = cpu.goarch;
            GOOS = kernel;
            GOARM = if b.elem (cpu.version or "") [ "5" "6" "7" ] then cpu.version else "";
          };
          rust = {
            inherit rustcTarget;
            rustcTargetSpec = rustcTarget;
            cargoShortTarget = rustcTarget;
            cargoEnvVarTarget = lib.toUpper (b.replaceStrings [ "-" ] [ "_" ] rustcTarget);
            isNoStdTarget = false;
            platform = {
              arch = cpu.rustArch;
              os = kernel;
              target-family = [ "unix" ];
              vendor = p.vendor;
            };
          };
          # x86_64 runs i686 code; otherwise a CPU runs only its own code.
          canExecute =
            other:
            other.isAndroid == final.isAndroid
            && other.parsed.kernel.name == kernel
            && (other.parsed.cpu.name == cpuName || (final.isx86_64 && other.isi686));
          # `hostPlatform.emulator pkgs`: a program that runs this platform's
          # executables on pkgs' host platform: an exec wrapper when that
          # platform runs them itself, else qemu-user.
          emulatorAvailable = pkgs: pkgs.stdenv.hostPlatform.canExecute final || (isLinux && pkgs.stdenv.hostPlatform.isLinux);
          staticEmulatorAvailable = pkgs: final.emulatorAvailable pkgs && isLinux;
          emulator =
            pkgs:
            if pkgs.stdenv.hostPlatform.canExecute final then
              lib.getExe (pkgs.writeShellScriptBin "exec" ''exec "$@"'')
            else if final.emulatorAvailable pkgs then
              "${pkgs.qemu-user}/bin/qemu-${cpu.qemuArch}"
            else
              throw "Don't know how to run ${final.config} executables.";
        }
        # the arguments override what is derived (isStatic, gcc, linker …)
        // args;
    in
    final;

  # nixpkgs' lib.systems.examples, for the names hostpkgs knows.
  examples = {
    gnu64.config = "x86_64-unknown-linux-gnu";
    musl64.config = "x86_64-unknown-linux-musl";
    gnu32.config = "i686-unknown-linux-gnu";
    aarch64-multiplatform.config = "aarch64-unknown-linux-gnu";
    aarch64-multiplatform-musl.config = "aarch64-unknown-linux-musl";
    armv7l-hf-multiplatform.config = "armv7l-unknown-linux-gnueabihf";
    riscv64.config = "riscv64-unknown-linux-gnu";
    s390x.config = "s390x-unknown-linux-gnu";
    powernv.config = "powerpc64le-unknown-linux-gnu";
  };

  functionNames = [
    "canExecute"
    "emulator"
    "emulatorAvailable"
    "staticEmulatorAvailable"
  ];

  # nixpkgs compares platforms by everything but their functions.
  equals = x: y: removeAttrs x functionNames == removeAttrs y functionNames;

  # The musl abi of a gnu abi (nixpkgs' makeMuslParsedPlatform).
  muslAbis = {
    gnu = "musl";
    gnueabi = "musleabi";
    gnueabihf = "musleabihf";
    gnuabin32 = "muslabin32";
    gnuabi64 = "muslabi64";
    gnuabielfv1 = "musl";
    gnuabielfv2 = "musl";
  };
in
{
  # lib.systems
  public = {
    inherit
      elaborate
      examples
      equals
      functionNames
      ;
  };
  # The crossSystem that nixpkgs' pkgsStatic (pkgs/top-level/stage.nix) uses
  # for a platform: its musl variant, static, with its gcc settings.
  staticCrossSystem =
    platform:
    let
      p = platform.parsed;
      abi = if platform.isMusl then p.abi.name else muslAbis.${p.abi.name} or "musl";
    in
    {
      isStatic = true;
      config = "${p.cpu.name}-${p.vendor.name}-${p.kernel.name}-${abi}";
      gcc = platform.gcc or { };
    };
}
