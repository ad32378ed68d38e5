# Shared by the packages hostpkgs imports from the host's Debian
# installation instead of building them (openssl, zlib, bash, coreutils,
# busybox). A package is a derivation that copies host files into nixpkgs'
# output layout inside the sandbox (/usr is visible read-only) and re-points
# every dynamically linked ELF file at the store with patchelf
# (./host-elf.sh), so its closure is complete and refers to nothing outside
# the store.
#
# Impure, like ../glibc: the version comes from /var/lib/dpkg/status and a
# hash of the imported host files is part of the derivation, so a host
# upgrade yields new store paths.
{
  lib,
  stdenvNoCC,
  glibc,
  patchelf,
}:
let
  hostPlatform = stdenvNoCC.hostPlatform;
  supported = hostPlatform.config == "x86_64-unknown-linux-gnu";

  stanzas = import ./dpkg-status.nix;

  # The installed version of a Debian package, e.g. "1:1.2.13.dfsg-1".
  debianVersion =
    pname: debName:
    let
      prefix = "${debName}\n";
      found = lib.filter (s: lib.hasPrefix prefix s) stanzas;
      version = builtins.match ".*\nVersion: ([^\n]*).*" (lib.head found);
    in
    if found == [ ] || version == null then
      throw "hostpkgs: ${pname} is imported from the host's Debian package ${debName}, which is not installed (hint: apt-get install ${debName})"
    else
      lib.head version;

  upstreamVersion = import ./debian-version.nix { inherit lib; };

  hashHostFiles =
    pname: debName: files:
    let
      missing = lib.filter (f: !builtins.pathExists f) files;
    in
    if missing != [ ] then
      throw "hostpkgs: ${pname} needs ${lib.head missing} from the host's Debian package ${debName} (hint: apt-get install ${debName})"
    else
      builtins.hashString "sha256" (lib.concatMapStrings (builtins.hashFile "sha256") files);
in
{
  # Versions of installed Debian packages (also used by host tools, e.g. rustc).
  inherit debianVersion upstreamVersion;

  # A package imported from the host. Arguments: those of
  # stdenvNoCC.mkDerivation (pname, outputs, installPhase, meta, passthru,
  # ...) plus `debianPackage` (where the files come from: gives the version
  # and the hint when it is missing) and `hostFiles` (absolute host paths
  # whose content the outputs depend on; hashed into the derivation).
  # installPhase runs with ./host-elf.sh sourced.
  mkHostPackage =
    {
      pname,
      debianPackage,
      hostFiles,
      meta ? { },
      ...
    }@args:
    let
      drv = stdenvNoCC.mkDerivation (
        lib.removeAttrs args [
          "debianPackage"
          "hostFiles"
        ]
        // {
          version = upstreamVersion (debianVersion pname debianPackage);
          debianVersion = debianVersion pname debianPackage;
          hostFilesHash = hashHostFiles pname debianPackage hostFiles;
          glibcLib = "${lib.getLib glibc}/lib";
          hostElf = ./host-elf.sh;
          nativeBuildInputs = [ patchelf ] ++ (args.nativeBuildInputs or [ ]);
          dontUnpack = true;
          dontConfigure = true;
          dontBuild = true;
          # Debian's files are stripped already; strip on a patchelf'd file
          # gains nothing and has broken such files before.
          dontStrip = true;
          preInstall = ''
            source "$hostElf"
          '' + (args.preInstall or "");
          meta = {
            platforms = [ "x86_64-linux" ];
            description = "${pname} from the host's Debian package ${debianPackage}, imported into the store (impure)";
          } // meta;
        }
      );
      # Another host platform: the package's name, outputs and meta evaluate
      # (as nixpkgs', e.g. pkgsStatic.zlib.outputs), its store paths throw.
      unavailable = throw "hostpkgs: ${pname} is imported from the host's x86_64 glibc system and is not available for ${hostPlatform.config} (hostpkgs has it only in the native package set)";
      poison =
        d:
        d
        // {
          drvPath = unavailable;
          outPath = unavailable;
        };
      # ...and so do those of what overrideAttrs makes of it.
      poisonAll =
        d:
        poison d
        // lib.genAttrs d.outputs (o: poison d.${o})
        // {
          overrideAttrs = f: poisonAll (d.overrideAttrs f);
        };
    in
    if supported then drv else poisonAll drv;
}
