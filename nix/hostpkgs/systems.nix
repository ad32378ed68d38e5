# Platform descriptions shaped like nixpkgs' `lib.systems.elaborate` results,
# reduced to the attributes nixbuild reads. Only targets hostpkgs can build are
# listed; adding a cross target means adding an entry here and a toolchain in
# ./toolchains.nix.
let
  # cpu name -> facts (Go's GOARCH, the kernel's arch name, flags)
  cpus = {
    x86_64 = {
      family = "x86";
      bits = 64;
      goarch = "amd64";
      linuxArch = "x86_64";
    };
    aarch64 = {
      family = "arm";
      bits = 64;
      goarch = "arm64";
      linuxArch = "arm64";
    };
    riscv64 = {
      family = "riscv";
      bits = 64;
      goarch = "riscv64";
      linuxArch = "riscv";
    };
    armv7l = {
      family = "arm";
      bits = 32;
      goarch = "arm";
      linuxArch = "arm";
    };
  };

  # Parse "cpu-vendor-kernel-abi" (or "cpu-kernel-abi") into a platform.
  elaborate =
    config:
    let
      parts = builtins.filter builtins.isString (builtins.split "-" config);
      cpuName = builtins.head parts;
      cpu = cpus.${cpuName} or (throw "hostpkgs: unknown CPU '${cpuName}' in platform '${config}'");
      kernel = if builtins.length parts == 4 then builtins.elemAt parts 2 else builtins.elemAt parts 1;
      abi = builtins.elemAt parts (builtins.length parts - 1);
      isMusl = builtins.match "musl.*" abi != null;
      isStatic = isMusl;
    in
    {
      inherit config isStatic isMusl;
      system = "${cpuName}-${kernel}";
      isLinux = kernel == "linux";
      isDarwin = kernel == "darwin";
      isx86_64 = cpuName == "x86_64";
      isx86 = cpu.family == "x86";
      isAarch64 = cpuName == "aarch64";
      isAarch32 = cpuName == "armv7l";
      isAarch = cpu.family == "arm";
      isRiscV = cpu.family == "riscv";
      isRiscV64 = cpuName == "riscv64";
      is64bit = cpu.bits == 64;
      is32bit = cpu.bits == 32;
      isGnu = builtins.match "gnu.*" abi != null;
      isWindows = false;
      isMacOS = false;
      isFreeBSD = false;
      isUnix = true;
      libc = if isMusl then "musl" else "glibc";
      linuxArch = cpu.linuxArch;
      uname = {
        system = "Linux";
        processor = cpuName;
      };
      parsed = {
        cpu = {
          name = cpuName;
          inherit (cpu) family bits;
        };
        kernel.name = kernel;
        abi.name = abi;
      };
      go = {
        GOARCH = cpu.goarch;
        GOOS = kernel;
      };
      # nixpkgs: `canExecute` and `emulator`; native only for now.
      canExecute = other: other.config == config || (other.system == "${cpuName}-${kernel}");
      extensions = {
        sharedLibrary = ".so";
        executable = "";
        staticLibrary = ".a";
      };
    };

  # system double -> default config triple (like lib.systems.parse)
  defaultConfig = {
    "x86_64-linux" = "x86_64-unknown-linux-gnu";
    "aarch64-linux" = "aarch64-unknown-linux-gnu";
    "riscv64-linux" = "riscv64-unknown-linux-gnu";
    "armv7l-linux" = "armv7l-unknown-linux-gnueabihf";
  };

  # Accept what nixpkgs accepts for localSystem/crossSystem: a system double
  # string, or an attrset with `system` and/or `config`.
  normalise =
    x:
    let
      asSet = if builtins.isString x then { system = x; } else x;
      config =
        asSet.config
          or (defaultConfig.${asSet.system} or (throw "hostpkgs: unsupported system '${asSet.system}'"));
    in
    elaborate config;
in
{
  inherit elaborate normalise;
  # The static (musl) variant of a platform, as pkgsStatic uses.
  makeStatic = platform: elaborate "${platform.parsed.cpu.name}-unknown-linux-musl";
}
