# What this host has for building code for a platform: where its C
# compiler, binutils and C library runtime are (Debian's cross toolchains
# gcc-<triple> + libc6-dev-<arch>-cross, and musl-tools for x86_64 only).
# The one place that maps a platform to host paths; glibc, musl and the
# compiler wrapper read it.
platform:
let
  cpu = platform.parsed.cpu.name;

  # Per CPU: prefix of the host's GNU tools (/usr/bin/<prefix>gcc, "" for
  # the host's own), the directory holding that glibc's runtime, the name
  # of glibc's and musl's dynamic loader (as nixpkgs' bintools-wrapper names
  # them), and musl-gcc where the host has it.
  byCpu = {
    x86_64 = {
      gnuPrefix = "";
      glibcLibDir = "/usr/lib/x86_64-linux-gnu";
      glibcLoader = "ld-linux-x86-64.so.2";
      muslLoader = "ld-musl-x86_64.so.1";
      musl = {
        driver = "/usr/bin/musl-gcc";
        libDir = "/usr/lib/x86_64-linux-musl";
        includeDir = "/usr/include/x86_64-linux-musl";
      };
    };
    aarch64 = {
      gnuPrefix = "aarch64-linux-gnu-";
      glibcLibDir = "/usr/aarch64-linux-gnu/lib";
      glibcLoader = "ld-linux-aarch64.so.1";
      muslLoader = "ld-musl-aarch64.so.1";
    };
    riscv64 = {
      gnuPrefix = "riscv64-linux-gnu-";
      glibcLibDir = "/usr/riscv64-linux-gnu/lib";
      glibcLoader = "ld-linux-riscv64-lp64d.so.1";
      muslLoader = "ld-musl-riscv64.so.1";
    };
    armv7l = {
      gnuPrefix = "arm-linux-gnueabihf-";
      glibcLibDir = "/usr/arm-linux-gnueabihf/lib";
      glibcLoader = "ld-linux-armhf.so.3";
      muslLoader = "ld-musl-armhf.so.1";
    };
    i686 = {
      gnuPrefix = "i686-linux-gnu-";
      glibcLibDir = "/usr/i686-linux-gnu/lib";
      glibcLoader = "ld-linux.so.2";
      muslLoader = "ld-musl-i386.so.1";
    };
    s390x = {
      gnuPrefix = "s390x-linux-gnu-";
      glibcLibDir = "/usr/s390x-linux-gnu/lib";
      glibcLoader = "ld64.so.1";
      muslLoader = "ld-musl-s390x.so.1";
    };
    powerpc64le = {
      gnuPrefix = "powerpc64le-linux-gnu-";
      glibcLibDir = "/usr/powerpc64le-linux-gnu/lib";
      glibcLoader = "ld64.so.2";
      muslLoader = "ld-musl-powerpc64le.so.1";
    };
  };
  facts = byCpu.${cpu} or (throw "hostpkgs: no toolchain facts for CPU ${cpu}");

  gnuAvailable =
    builtins.pathExists "/usr/bin/${facts.gnuPrefix}gcc"
    && builtins.pathExists "${facts.glibcLibDir}/libc.so.6";
  muslAvailable = facts ? musl && builtins.pathExists facts.musl.driver;
in
facts
// {
  inherit gnuAvailable muslAvailable;
  libcName = if platform.isMusl then "musl" else "glibc";
  available = if platform.isMusl then muslAvailable else gnuAvailable;
  # The one message a build prints when the host lacks the toolchain.
  unavailableMessage = "${cpu} ${if platform.isMusl then "musl" else "glibc"} toolchain is not available on this host (hostpkgs)";
}
