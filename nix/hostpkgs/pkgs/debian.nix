# What the host's Debian installation holds for one target: which Debian
# architecture a hostpkgs platform is, where that architecture's files are,
# and, per Debian package, its version and the files it installed (from
# dpkg's database). Read at evaluation time, so a missing package is an
# evaluation error that names it.
#
# Two places hold Debian packages:
#   - the host's own dpkg database (/var/lib/dpkg): every package of the
#     host's architecture, and the foreign architectures' libraries
#     (Multi-Arch: same, installed beside the host's by `make setup`);
#   - `unpackRoot` (one per architecture): packages of a foreign
#     architecture that dpkg cannot
#     install beside the host's own (programs such as sqlite3:arm64 are
#     Multi-Arch: foreign and would replace the host's), unpacked by
#     scripts/setup.sh from their .deb with dpkg's layout (usr/…, and a
#     var/lib/dpkg/status and info/<pkg>:<arch>.list of their own).
{ lib }:
platform:
let
  cpu = platform.parsed.cpu.name;

  # hostpkgs CPU -> Debian architecture and multiarch triplet. Debian 12
  # (bookworm) has no riscv64 architecture (it is a ports architecture
  # there); i686, s390x and ppc64le exist in Debian but setup installs none
  # of their packages, so asking for them names the package to install.
  architectures = {
    x86_64 = {
      arch = "amd64";
      triplet = "x86_64-linux-gnu";
    };
    aarch64 = {
      arch = "arm64";
      triplet = "aarch64-linux-gnu";
    };
    armv7l = {
      arch = "armhf";
      triplet = "arm-linux-gnueabihf";
    };
    i686 = {
      arch = "i386";
      triplet = "i386-linux-gnu";
    };
    s390x = {
      arch = "s390x";
      triplet = "s390x-linux-gnu";
    };
    powerpc64le = {
      arch = "ppc64el";
      triplet = "powerpc64le-linux-gnu";
    };
  };

  debian = architectures.${cpu} or null;
  unpackRoot = "/usr/local/lib/nixbuild-debian/${if debian == null then cpu else debian.arch}";
  hostArch = "amd64";

  # Why this platform has no Debian packages at all (null: it has).
  unavailableReason =
    if platform.isMusl then
      "Debian's libraries are built for glibc, and ${platform.config} uses musl"
    else if debian == null then
      "Debian 12 (bookworm) has no ${cpu} architecture"
    else
      null;

  # dpkg status stanzas of a database root, split once per root.
  stanzasOf =
    root:
    let
      file = "${root}/var/lib/dpkg/status";
    in
    if builtins.pathExists file then
      lib.filter builtins.isString (builtins.split "\nPackage: " ("\n" + builtins.readFile file))
    else
      [ ];
  roots = [
    {
      root = "";
      stanzas = import ./dpkg-status.nix;
    }
    {
      root = unpackRoot;
      stanzas = stanzasOf unpackRoot;
    }
  ];

  field =
    name: stanza:
    let
      m = builtins.match "(.*\n)?${name}: ([^\n]*).*" stanza;
    in
    if m == null then null else builtins.elemAt m 1;

  # The installed stanza of package `name` for this architecture, with its
  # database root, or null.
  find =
    name:
    let
      prefix = "${name}\n";
      matches = lib.concatMap (
        r:
        map (s: r // { stanza = s; }) (
          lib.filter (
            s:
            lib.hasPrefix prefix s
            && lib.elem (field "Architecture" s) [
              debian.arch
              "all"
            ]
            && builtins.match "install ok .*" (toString (field "Status" s)) != null
          ) r.stanzas
        )
      ) roots;
    in
    if matches == [ ] then null else lib.head matches;

  # dpkg's info file names: "<pkg>:<arch>.list" for Multi-Arch: same
  # packages, "<pkg>.list" for the others.
  infoFile =
    root: name: suffix:
    let
      qualified = "${root}/var/lib/dpkg/info/${name}:${debian.arch}.${suffix}";
      plain = "${root}/var/lib/dpkg/info/${name}.${suffix}";
    in
    if builtins.pathExists qualified then
      qualified
    else if builtins.pathExists plain then
      plain
    else
      null;
in
rec {
  inherit cpu unpackRoot unavailableReason;
  available = unavailableReason == null;
  arch = if debian == null then null else debian.arch;
  triplet = if debian == null then null else debian.triplet;
  isForeign = debian != null && debian.arch != hostArch;

  # "pkg:arch" as apt-get takes it.
  qualified = name: "${name}:${arch}";

  # A Debian package as the importer needs it: version, its file list and
  # a fingerprint of its content (dpkg's md5sums and file list), or null
  # when it is not installed.
  package =
    name:
    if debian == null then
      null
    else
      let
        found = find name;
        list = if found == null then null else infoFile found.root name "list";
        md5sums = if found == null then null else infoFile found.root name "md5sums";
      in
      if found == null || list == null then
        null
      else
        {
          inherit name list;
          inherit (found) root;
          version = field "Version" found.stanza;
          fingerprint = builtins.hashString "sha256" (
            (field "Version" found.stanza)
            + builtins.readFile list
            + lib.optionalString (md5sums != null) (builtins.readFile md5sums)
          );
        };

  upstreamVersion = import ./debian-version.nix { inherit lib; };
}
