# The table-driven importer: a library of ./libraries.json, under its
# nixpkgs attribute name, for the package set's host platform, made from the
# Debian packages of that platform's architecture (./debian.nix says where
# they are). Every output, and where each file goes, follows nixpkgs:
#
#   1. every file the entry's Debian packages installed is placed in a
#      prefix as `make install` would (/usr/lib/<triplet> -> lib,
#      /usr/include[/<triplet>] -> include, /usr/bin and /bin -> bin,
#      /usr/share -> share, the entry's `map` rules first; /etc and other
#      architectures' paths are not taken);
#   2. then as nixpkgs' configure flags and multiple-outputs.sh place them:
#      bin/ and sbin/ in $outputBin, lib/ in $outputLib, the rest under
#      $out, then the stdenv's fixup moves include/ to $outputInclude,
#      lib/pkgconfig and lib/cmake to $outputDev, share/man to $outputMan
#      (man3 to $outputDevman), share/doc to $outputDoc, share/info to
#      $outputInfo; the entry's `set` overrides those variables and its
#      `move` is the package's own moveToOutput calls and `place` renames a
#      file inside the prefix where the package's install puts it elsewhere
#      (zlib's pkgconfigdir);
#   3. static archives: nixpkgs configures with --disable-static, so a
#      shared set has no .a unless the entry names an output for them
#      (`archives`); pkgsStatic has only the .a files (in $outputLib/lib, as
#      --disable-shared leaves them) and no programs;
#   4. every dynamically linked ELF file gets the store glibc's loader and a
#      RUNPATH naming only store directories: its own outputs' lib/, the
#      `deps` entries' lib/ (other table packages, so a library is never
#      copied twice), the compiler's C++ runtime (`cxx`) and glibc; a
#      needed library none of them has is copied from Debian's multiarch
#      directory into $outputLib/lib;
#   5. pkg-config files and *-config scripts name store paths, never /usr.
#
# Where the target has no such Debian packages, or pkgsStatic cannot use
# them, the package still evaluates (name, outputs, meta) and its drvPath
# throws one line naming the target and what is missing.
#
# Table keys (per library): outputs, pname, nixpkgs (the source file the
# facts come from), debian.{packages, unpack, version, versionSuffix} (the
# Debian packages, the ones a foreign architecture gets unpacked by
# scripts/setup.sh because dpkg cannot install them beside the host's, and
# which one's version names the package), set (output variables), map,
# exclude, move, place, pkgConfigWrite, links (symlinks upstream's install makes that Debian
# leaves to update-alternatives), archives, deps, propagate (nixpkgs' propagatedBuildInputs),
# cxx, pkgConfigLibdir, separateDebugInfo (nixpkgs' switch: a `debug`
# output, filled from Debian's stripped files with what is left),
# static.{unavailable, outputs, rename, archives, separateDebugInfo}, meta.
{
  lib,
  stdenvNoCC,
  glibc,
  gcc ? null,
  hostImport ? null,
  # The package set the `deps` and `propagate` names are looked up in.
  libraryPackages ? { },
}:
let
  table = (builtins.fromJSON (builtins.readFile ./libraries.json)).libraries;
  platform = stdenvNoCC.hostPlatform;
  isStatic = platform.isStatic or false;
  debian = import ./debian.nix { inherit lib; } platform;
  toolchain = import ../cc-wrapper/toolchains.nix platform;

  # nixpkgs' lib.licenses entries, where hostpkgs' lib has them.
  license =
    n:
    lib.licenses.${n} or (
      if hostImport != null && hostImport ? licenses && hostImport.licenses ? ${n} then
        hostImport.licenses.${n}
      else
        { shortName = n; }
    );

  importLibrary =
    attr:
    let
      entry = table.${attr};
      pname = entry.pname or attr;
      variant = if isStatic then entry.static or { unavailable = "the table has no static variant"; } else { };
      outputs = variant.outputs or entry.outputs;
      set = entry.set or { };
      packageNames = entry.debian.packages;
      packages = map debian.package packageNames;
      missing = lib.filter (n: debian.package n == null) packageNames;
      versionPackage = debian.package entry.debian.version;

      target = "${platform.config}";
      hint = "build for x86_64-linux, aarch64-linux or armv7l-linux, or use real nixpkgs";
      unavailable =
        if isStatic && !toolchain.muslAvailable then
          "pkgsStatic.${attr} is not available in hostpkgs for ${target}: this host has no ${debian.cpu} musl toolchain (Debian 12's musl-tools targets the host's own architecture only) (hint: use x86_64-linux-static, or real nixpkgs)"
        else if isStatic && variant ? unavailable then
          "pkgsStatic.${attr} is not available in hostpkgs for ${target}: ${variant.unavailable} (hint: link ${attr} dynamically, or use real nixpkgs, which builds it with musl)"
        else if !isStatic && debian.unavailableReason != null then
          "${attr} is not available in hostpkgs for ${target}: it is imported from Debian's ${lib.head packageNames}, and ${debian.unavailableReason} (hint: ${hint})"
        else if missing != [ ] then
          "${attr} for ${target} needs the Debian package ${debian.qualified (lib.head missing)}, which is not installed${
            lib.optionalString (lib.elem (lib.head missing) (entry.debian.unpack or [ ]) && debian.isForeign) " (unpacked by make setup into ${debian.unpackRoot})"
          } (hint: run `make setup`)"
        else
          null;

      version =
        if versionPackage == null then
          "0"
        else
          lib.removeSuffix (entry.debian.versionSuffix or "") (debian.upstreamVersion versionPackage.version);

      present = lib.filter (p: p != null) packages;
      depLib = d: "${lib.getLib libraryPackages.${d}}/lib";
      pairs = l: map (p: "${lib.head p}=${lib.last p}") l;
    in
    stdenvNoCC.mkDerivation (
      {
        inherit pname version outputs;
        # nixpkgs builds these with a C compiler, so a cross or static set's
        # names carry the host suffix (stdenvNoCC would leave it off).
        name = "${pname}${lib.optionalString isStatic "-static"}${
          lib.optionalString (platform.config != stdenvNoCC.buildPlatform.config) "-${platform.config}"
        }-${version}";
        debianVersion = if versionPackage == null then "" else versionPackage.version;
        # root|package|list file, per Debian package (dpkg's list, copied into
        # the store: the sandbox has no /var/lib/dpkg); the fingerprints make
        # the derivation change with the packages' content.
        debianPackages = map (
          p: "${p.root}|${p.name}|${builtins.toFile "${p.name}-${toString debian.arch}.list" (builtins.readFile p.list)}"
        ) present;
        debianFingerprints = map (p: p.fingerprint) present;
        triplet = if debian.triplet == null then "" else debian.triplet;
        # Where a needed library that no store directory holds is copied from.
        debianLibDirs = lib.concatMap (root: [
          "${root}/usr/lib/${toString debian.triplet}"
          "${root}/lib/${toString debian.triplet}"
        ]) [ "" debian.unpackRoot ];
        mapRules = pairs (entry.map or [ ]);
        excludes = entry.exclude or [ ];
        moves = pairs (entry.move or [ ]);
        places = pairs (entry.place or [ ]);
        # pkg-config files nixpkgs' build writes and Debian ships none of
        # (bzip2.pc): prefix, libdir and includedir get the outputs' paths
        # like every imported .pc file.
        pkgConfigWrite = lib.mapAttrsToList (
          pc: lines:
          "${pc}=${
            builtins.toFile pc (
              lib.concatStringsSep "\n" (
                [
                  "prefix=/usr"
                  "exec_prefix=\${prefix}"
                  "libdir=/usr/lib/${toString debian.triplet}"
                  "includedir=/usr/include"
                  ""
                ]
                ++ lines
                ++ [ "Version: ${version}" ]
              )
              + "\n"
            )
          }"
        ) (entry.pkgConfigWrite or { });
        separateDebugInfo = variant.separateDebugInfo or entry.separateDebugInfo or false;
        # The debug-info split reads the target's ELF files with the target's
        # binutils (the host's objcopy knows only x86).
        OBJCOPY = "/usr/bin/${toolchain.gnuPrefix}objcopy";
        READELF = "/usr/bin/${toolchain.gnuPrefix}readelf";
        links = pairs (entry.links or [ ]);
        renames = pairs (variant.rename or [ ]);
        archivesOutput = if isStatic then variant.archives or "" else entry.archives or "";
        pkgConfigLibdir = lib.mapAttrsToList (pc: o: "${pc}=${o}") (entry.pkgConfigLibdir or { });
        importStatic = isStatic;
        glibcLib = lib.optionalString (!isStatic) "${lib.getLib glibc}/lib";
        hostLoader = lib.optionalString (!isStatic) "${lib.getLib glibc}/lib/${toolchain.glibcLoader}";
        # (Not looked at when the package is unavailable, so that its own
        # reason is the error, not a dependency's.)
        depLibDirs = lib.optionals (unavailable == null) (
          map depLib (entry.deps or [ ])
          ++ lib.optional ((entry.cxx or false) && !isStatic) "${lib.getLib gcc.cc}/lib"
        );
        propagatedBuildInputs = lib.optionals (unavailable == null) (
          map (d: libraryPackages.${d}) (entry.propagate or [ ])
        );
        importLibrary = ./import-library.sh;
        hostElf = ./host-elf.sh;
        dontUnpack = true;
        dontConfigure = true;
        dontBuild = true;
        # Debian's files are stripped already.
        dontStrip = true;
        installPhase = ''
          runHook preInstall
          source "$hostElf"
          source "$importLibrary"
          importLibraryInstall
          runHook postInstall
        '';
        postFixup = ''
          importLibraryFixup
        '';
        passthru = {
          inherit debian;
          hostpkgsImport = {
            inherit attr;
            debianPackages = map debian.qualified packageNames;
            nixpkgs = entry.nixpkgs;
          };
        };
        meta = {
          description = "${entry.meta.description} (host's Debian build, imported)";
          platforms = [ platform.system ];
        }
        // lib.optionalAttrs (entry.meta ? homepage) { inherit (entry.meta) homepage; }
        // lib.optionalAttrs (entry.meta ? mainProgram) { inherit (entry.meta) mainProgram; }
        // lib.optionalAttrs (entry.meta ? pkgConfigModules) { inherit (entry.meta) pkgConfigModules; }
        // lib.optionalAttrs (entry.meta ? license) {
          license =
            if lib.length entry.meta.license == 1 then
              license (lib.head entry.meta.license)
            else
              map license entry.meta.license;
        };
      }
      // lib.filterAttrs (n: _: lib.elem n [
        "outputBin"
        "outputDev"
        "outputInclude"
        "outputLib"
        "outputDoc"
        "outputMan"
        "outputDevman"
        "outputInfo"
      ]) set
      // lib.optionalAttrs (set ? propagatedBuildOutputs) {
        propagatedBuildOutputs = lib.concatStringsSep " " set.propagatedBuildOutputs;
      }
      # Evaluating the derivation (drvPath, outPath) fails with the reason;
      # name, outputs and meta stay readable, as in nixpkgs' meta checks.
      // lib.optionalAttrs (unavailable != null) { hostpkgsUnavailable = throw "hostpkgs: ${unavailable}"; }
    );
in
{
  inherit table importLibrary;
  names = lib.attrNames table;
  packages = lib.genAttrs (lib.attrNames table) importLibrary;
}
