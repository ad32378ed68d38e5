# Platform descriptions shaped like nixpkgs' `lib.systems.elaborate` results
# (lib/systems/default.nix, inspect.nix, examples.nix), reduced to the
# attributes nixbuild reads. Only the CPUs below are known; which of them
# hostpkgs can also *build* for is decided by ./cross/toolchains.nix.
let
  # cpu name -> facts (nixpkgs' parse.nix cpuTypes plus the derived names
  # that lib/systems/default.nix computes from them).
  cpus = {
    x86_64 = {
      family = "x86";
      bits = 64;
      goarch = "amd64";
      linuxArch = "x86_64";
      qemuArch = "x86_64";
    };
    i686 = {
      family = "x86";
      bits = 32;
      goarch = "386";
      linuxArch = "i386";
      qemuArch = "i386";
    };
    aarch64 = {
      family = "arm";
      bits = 64;
      version = "8";
      goarch = "arm64";
      linuxArch = "arm64";
      qemuArch = "aarch64";
    };
    armv7l = {
      family = "arm";
      bits = 32;
      version = "7";
      arch = "armv7-a";
      goarch = "arm";
      linuxArch = "arm";
      qemuArch = "arm";
    };
    riscv64 = {
      family = "riscv";
      bits = 64;
      goarch = "riscv64";
      linuxArch = "riscv";
      qemuArch = "riscv64";
    };
    s390x = {
      family = "s390";
      bits = 64;
      goarch = "s390x";
      linuxArch = "s390";
      qemuArch = "s390x";
    };
    powerpc64le = {
      family = "power";
      bits = 64;
      goarch = "ppc64le";
      linuxArch = "powerpc";
      qemuArch = "ppc64le";
    };
  };

  # Parse "cpu-vendor-kernel-abi" (or "cpu-kernel-abi") into a platform.
  # `isStatic` is not part of the triple: nixpkgs' pkgsStatic passes it as an
  # extra attribute of crossSystem, and so does hostpkgs.
  elaborate =
    {
      config,
      isStatic ? false,
    }:
    let
      parts = builtins.filter builtins.isString (builtins.split "-" config);
      cpuName = builtins.head parts;
      cpu = cpus.${cpuName} or (throw "hostpkgs: unknown CPU '${cpuName}' in platform '${config}'");
      kernel = if builtins.length parts == 4 then builtins.elemAt parts 2 else builtins.elemAt parts 1;
      abi = builtins.elemAt parts (builtins.length parts - 1);
      isMusl = builtins.match "musl.*" abi != null;
      isLinux = kernel == "linux";
      system = "${cpuName}-${kernel}";
      platform = {
        inherit
          config
          isStatic
          isMusl
          system
          isLinux
          ;
        isDarwin = kernel == "darwin";
        isx86_64 = cpu.family == "x86" && cpu.bits == 64;
        isx86_32 = cpu.family == "x86" && cpu.bits == 32;
        isi686 = cpuName == "i686";
        isx86 = cpu.family == "x86";
        isAarch64 = cpu.family == "arm" && cpu.bits == 64;
        isAarch32 = cpu.family == "arm" && cpu.bits == 32;
        isAarch = cpu.family == "arm";
        isArmv7 = builtins.match "armv7.*" (cpu.arch or "") != null;
        isRiscV = cpu.family == "riscv";
        isRiscV64 = cpu.family == "riscv" && cpu.bits == 64;
        isS390 = cpu.family == "s390";
        isS390x = cpu.family == "s390" && cpu.bits == 64;
        isPower = cpu.family == "power";
        isPower64 = cpu.family == "power" && cpu.bits == 64;
        is64bit = cpu.bits == 64;
        is32bit = cpu.bits == 32;
        isLittleEndian = cpu.family != "s390";
        isBigEndian = cpu.family == "s390";
        isGnu = builtins.match "gnu.*" abi != null;
        isWindows = false;
        isMacOS = false;
        isFreeBSD = false;
        isUnix = true;
        isAndroid = false;
        hasSharedLibraries = !isStatic;
        libc = if isMusl then "musl" else "glibc";
        linker = "bfd";
        libDir = if cpu.family == "x86" && cpu.bits == 64 || cpu.family == "power" then "lib64" else "lib";
        inherit (cpu) linuxArch qemuArch;
        uname = {
          system = if isLinux then "Linux" else null;
          processor = if cpuName == "powerpc64le" then "ppc64le" else cpuName;
          release = null;
        };
        parsed = {
          cpu = {
            name = cpuName;
            inherit (cpu) family bits;
          } // (if cpu ? version then { inherit (cpu) version; } else { })
          // (if cpu ? arch then { inherit (cpu) arch; } else { });
          kernel.name = kernel;
          abi.name = abi;
        };
        go = {
          GOARCH = cpu.goarch;
          GOOS = kernel;
          # nixpkgs: the ARM version if it is 5, 6 or 7, else "".
          GOARM = if cpu.family == "arm" && builtins.elem (cpu.version or "") [ "5" "6" "7" ] then cpu.version else "";
        };
        # x86_64 runs i686 code; otherwise a CPU runs only its own code.
        canExecute =
          other:
          other.isLinux == isLinux && (other.parsed.cpu.name == cpuName || (platform.isx86_64 && other.isi686));
        # nixpkgs: `hostPlatform.emulator pkgs` is a program that runs this
        # platform's executables on pkgs' host platform: a no-op exec wrapper
        # when it can run them itself, else qemu-user.
        emulatorAvailable = pkgs: isLinux && pkgs.stdenv.hostPlatform.isLinux;
        emulator =
          pkgs:
          if pkgs.stdenv.hostPlatform.canExecute platform then
            "${pkgs.writeShellScriptBin "exec" ''exec "$@"''}/bin/exec"
          else if platform.emulatorAvailable pkgs then
            "${pkgs.qemu-user}/bin/qemu-${cpu.qemuArch}"
          else
            throw "Don't know how to run ${config} executables.";
        extensions = {
          sharedLibrary = ".so";
          staticLibrary = ".a";
          library = if isStatic then ".a" else ".so";
          executable = "";
        };
      };
    in
    platform;

  # system double -> default config triple (like lib.systems.parse)
  defaultConfig = {
    "x86_64-linux" = "x86_64-unknown-linux-gnu";
    "i686-linux" = "i686-unknown-linux-gnu";
    "aarch64-linux" = "aarch64-unknown-linux-gnu";
    "riscv64-linux" = "riscv64-unknown-linux-gnu";
    "armv7l-linux" = "armv7l-unknown-linux-gnueabihf";
    "s390x-linux" = "s390x-unknown-linux-gnu";
    "powerpc64le-linux" = "powerpc64le-unknown-linux-gnu";
  };

  # Accept what nixpkgs accepts for localSystem/crossSystem: a system double
  # string, or an attrset with `system` and/or `config` (and `isStatic`).
  normalise =
    x:
    let
      asSet = if builtins.isString x then { system = x; } else x;
      config =
        asSet.config
          or (defaultConfig.${asSet.system} or (throw "hostpkgs: unsupported system '${asSet.system}'"));
    in
    elaborate {
      inherit config;
      isStatic = asSet.isStatic or false;
    };

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

  # nixpkgs' makeMuslParsedPlatform, on config triples: the abi's "gnu"
  # becomes "musl" (gnueabihf -> musleabihf).
  muslConfig =
    platform:
    let
      p = platform.parsed;
      abi = if platform.isMusl then p.abi.name else builtins.replaceStrings [ "gnu" ] [ "musl" ] p.abi.name;
    in
    "${p.cpu.name}-unknown-${p.kernel.name}-${abi}";

  # nixpkgs compares platforms without their functions (lib.systems.equals).
  equals = a: b: a.config == b.config && a.isStatic == b.isStatic;
in
{
  inherit
    elaborate
    normalise
    examples
    equals
    ;
  # The crossSystem that nixpkgs' pkgsStatic uses for a platform.
  staticCrossSystem = platform: {
    config = muslConfig platform;
    isStatic = true;
  };
}
