# rustPlatform (nixpkgs: pkgs/development/compilers/rust/make-rust-platform.nix)
# for the host's Debian rustc and cargo: buildRustPackage with nixpkgs'
# arguments (pkgs/build-support/rust/build-rust-package/default.nix), the
# cargo hooks it puts in nativeBuildInputs (./hooks, with the values nixpkgs'
# pkgs/build-support/rust/hooks/default.nix substitutes), importCargoLock and
# fetchCargoVendor.
#
# How a package builds, as in nixpkgs: after unpacking, cargoSetupHook
# writes .cargo/config.toml (the vendored sources: cargoVendorDir inside
# the source, or cargoDeps from importCargoLock/fetchCargoVendor; the linker
# of each platform: the set's wrapped C compiler, so the program's
# interpreter and RUNPATH are the store's C library); cargoBuildHook runs
# `cargo build --offline --target <hostPlatform.rust.rustcTargetSpec>
# --profile <buildType>`; cargoCheckHook `cargo test` (native builds only);
# cargoInstallHook copies the executables cargo wrote to
# target/<cargoShortTarget>/<buildType>/ into $out/bin.
#
# Differences: offline, so a dependency that nixpkgs downloads (a crates.io
# or git crate in importCargoLock, fetchCargoVendor's cargoHash) is a
# derivation whose build fails with one message (vendor the dependencies
# with `cargo vendor` and use cargoVendorDir); no cargo-auditable (auditable
# defaults to false; true is an error), no cargo-nextest (useNextest).
{
  lib,
  stdenv,
  stdenvNoCC,
  runCommand,
  diffutils,
  rustc,
  cargo,
  # The build platform's C compiler (nixpkgs: pkgsBuildHost.stdenv.cc), for
  # build scripts and proc macros that cargo builds for the build machine.
  buildCC,
}:
let
  host = stdenv.hostPlatform;
  build = stdenv.buildPlatform;
  isCross = host.rust.rustcTarget != build.rust.rustcTarget;
  hostCC = stdenv.cc;
  ccOf = cc: "${cc}/bin/${cc.targetPrefix}cc";
  cxxOf = cc: "${cc}/bin/${cc.targetPrefix}c++";

  # nixpkgs' rust.envVars.setEnv: the compilers and linkers per platform.
  setEnv = lib.concatStringsSep " " (
    [
      "env"
      "\"CC_${build.rust.cargoEnvVarTarget}=${ccOf buildCC}\""
      "\"CXX_${build.rust.cargoEnvVarTarget}=${cxxOf buildCC}\""
      "\"CARGO_TARGET_${build.rust.cargoEnvVarTarget}_LINKER=${ccOf buildCC}\""
      "\"CARGO_BUILD_TARGET=${build.rust.rustcTarget}\""
      "\"HOST_CC=${buildCC}/bin/cc\""
      "\"HOST_CXX=${buildCC}/bin/c++\""
    ]
    ++ lib.optionals isCross [
      "\"CC_${host.rust.cargoEnvVarTarget}=${ccOf hostCC}\""
      "\"CXX_${host.rust.cargoEnvVarTarget}=${cxxOf hostCC}\""
      "\"CARGO_TARGET_${host.rust.cargoEnvVarTarget}_LINKER=${ccOf hostCC}\""
    ]
  );

  # nixpkgs' cargoSetupHook cargoConfig: the host target's linker, and the
  # build machine's linker with crt-static on only for static targets.
  cargoConfig =
    lib.optionalString isCross ''
      [target."${host.rust.rustcTarget}"]
      "linker" = "${ccOf hostCC}"
    ''
    + ''
      [target."${build.rust.rustcTarget}"]
      "linker" = "${ccOf (if isCross then buildCC else hostCC)}"
      "rustflags" = [ "-C", "target-feature=${if host.isStatic then "+" else "-"}crt-static" ]
    '';

  # A setup hook: the script with @name@ replaced by the attribute's value.
  makeHook =
    name: script: substitutions:
    stdenvNoCC.mkDerivation (
      substitutions
      // {
        inherit name script;
        substNames = lib.attrNames substitutions;
        buildCommand = ''
          mkdir -p "$out/nix-support"
          args=()
          for n in $substNames; do args+=(--subst-var "$n"); done
          substitute "$script" "$out/nix-support/setup-hook" "''${args[@]}"
        '';
      }
    );

  cargoSetupHook = makeHook "cargo-setup-hook.sh" ./hooks/cargo-setup-hook.sh {
    defaultConfig = ./hooks/default-config.toml;
    # By absolute path, so that the build's inputs cannot change which diff runs.
    diff = "${lib.getBin diffutils}/bin/diff";
    inherit cargoConfig;
  };
  cargoBuildHook = makeHook "cargo-build-hook.sh" ./hooks/cargo-build-hook.sh {
    inherit (host.rust) rustcTargetSpec;
    inherit setEnv;
  };
  cargoCheckHook = makeHook "cargo-check-hook.sh" ./hooks/cargo-check-hook.sh {
    inherit (host.rust) rustcTargetSpec;
    inherit setEnv;
  };
  cargoInstallHook = makeHook "cargo-install-hook.sh" ./hooks/cargo-install-hook.sh {
    targetSubdirectory = host.rust.cargoShortTarget;
  };

  # A dependency nixpkgs would download: evaluates as a fixed-output
  # derivation of the same hash; building it fails with `message`.
  offlineFetch =
    {
      name,
      outputHash,
      outputHashMode ? "flat",
      outputHashAlgo ? null,
      message,
    }:
    stdenvNoCC.mkDerivation {
      inherit
        name
        outputHash
        outputHashMode
        outputHashAlgo
        message
        ;
      buildCommand = ''
        echo "error: $message" >&2
        exit 1
      '';
    };

  vendorHint = "vendor the dependencies with `cargo vendor` and set cargoVendorDir, or build with real nixpkgs";

  fetchCargoVendor = lib.setFunctionArgs (
    args:
    let
      name =
        args.name or (if args ? pname && args ? version then "${args.pname}-${args.version}" else "cargo-deps");
    in
    offlineFetch {
      name = "${name}-vendor";
      outputHash = args.hash or (throw "fetchCargoVendor requires a `hash` value to be set for ${name}");
      outputHashMode = "recursive";
      outputHashAlgo = if (args.hash or null) == "" then "sha256" else null;
      message = "fetchCargoVendor (${name}, cargoHash) downloads the crates in Cargo.lock, which hostpkgs cannot do offline (hint: ${vendorHint})";
    }
  ) { name = true; hash = true; nativeBuildInputs = true; };

  importCargoLock = lib.setFunctionArgs (
    {
      lockFile ? null,
      lockFileContents ? null,
      allowBuiltinFetchGit ? false,
      extraRegistries ? { },
      outputHashes ? { },
    }:
    assert (lockFile == null) != (lockFileContents == null);
    let
      contents = if lockFile != null then builtins.readFile lockFile else lockFileContents;
      parsed = builtins.fromTOML contents;
      # The root crate and path dependencies have no `source`: nothing to vendor.
      deps = lib.filter (p: p ? source) (parsed.package or [ ]);
      crate =
        pkg:
        offlineFetch {
          name = "crate-${pkg.name}-${pkg.version}.tar.gz";
          outputHash = pkg.checksum or parsed.metadata."checksum ${pkg.name} ${pkg.version} (${pkg.source})" or (
            throw "importCargoLock: ${pkg.name} ${pkg.version} (${pkg.source}) has no checksum in Cargo.lock"
          );
          outputHashAlgo = "sha256";
          message = "importCargoLock would download ${pkg.name} ${pkg.version} from ${pkg.source}, which hostpkgs cannot do offline (hint: ${vendorHint})";
        };
      crates = map crate deps;
    in
    runCommand "cargo-vendor-dir"
      (
        if lockFile == null then
          {
            inherit lockFileContents;
            passAsFile = [ "lockFileContents" ];
          }
        else
          { passthru.lockFile = lockFile; }
      )
      ''
        mkdir -p $out/.cargo
        ${
          if lockFile != null then
            "ln -s ${lockFile} $out/Cargo.lock"
          else
            "cp \"$lockFileContentsPath\" $out/Cargo.lock"
        }
        cat > $out/.cargo/config.toml <<EOF
        [source.crates-io]
        replace-with = "vendored-sources"

        [source.vendored-sources]
        directory = "cargo-vendor-dir"
        EOF
        for crate in ${toString crates}; do
          ln -s "$crate" $out/$(basename "$crate" | cut -c 34-)
        done
      ''
  ) {
    lockFile = true;
    lockFileContents = true;
    allowBuiltinFetchGit = true;
    extraRegistries = true;
    outputHashes = true;
  };

  # The arguments nixpkgs' buildRustPackage destructures (all have defaults).
  # (nixos-26.05: name, src and the unpack phases are read from the
  # derivation's attributes, not destructured.)
  functionArgs = lib.genAttrs [
    "cargoDepsName"
    "cargoPatches"
    "patches"
    "sourceRoot"
    "cargoRoot"
    "logLevel"
    "buildInputs"
    "nativeBuildInputs"
    "cargoUpdateHook"
    "cargoDepsHook"
    "buildType"
    "meta"
    "useFetchCargoVendor"
    "cargoDeps"
    "cargoLock"
    "cargoVendorDir"
    "checkType"
    "buildNoDefaultFeatures"
    "checkNoDefaultFeatures"
    "buildFeatures"
    "checkFeatures"
    "useNextest"
    "auditable"
    "depsExtraArgs"
    "buildAndTestSubdir"
  ] (_: true);

  extend =
    finalAttrs: args:
    let
      name = args.name or "${args.pname}-${args.version}";
      cargoDepsName = args.cargoDepsName or name;
      src = args.src or null;
      cargoPatches = args.cargoPatches or [ ];
      patches = args.patches or [ ];
      cargoVendorDir = args.cargoVendorDir or null;
      cargoDeps = args.cargoDeps or null;
      cargoLock = args.cargoLock or null;
      buildType = args.buildType or "release";
      checkType = args.checkType or buildType;
      buildNoDefaultFeatures = args.buildNoDefaultFeatures or false;
      buildFeatures = args.buildFeatures or [ ];
      meta = args.meta or { };
      auditable = args.auditable or false;
      useNextest = args.useNextest or false;
    in
    assert lib.assertMsg (args.useFetchCargoVendor or true)
      "buildRustPackage: `useFetchCargoVendor` is non‐optional and enabled by default as of 25.05";
    assert lib.assertMsg (!auditable) "buildRustPackage: hostpkgs has no cargo-auditable (auditable = true)";
    assert lib.assertMsg (!useNextest) "buildRustPackage: hostpkgs has no cargo-nextest (useNextest = true)";
    (lib.removeAttrs args [
      "depsExtraArgs"
      "cargoUpdateHook"
      "cargoLock"
    ])
    // {
      cargoDeps =
        if cargoVendorDir != null then
          null
        else if cargoDeps != null then
          cargoDeps
        else if cargoLock != null then
          importCargoLock cargoLock
        else if args.cargoHash or null == null then
          throw "cargoHash, cargoVendorDir, cargoDeps, or cargoLock must be set"
        else
          fetchCargoVendor (
            {
              inherit src;
              name = cargoDepsName;
              patches = cargoPatches;
              hash = args.cargoHash;
            }
            // (args.depsExtraArgs or { })
          );
      buildAndTestSubdir = args.buildAndTestSubdir or null;
      cargoBuildType = buildType;
      cargoCheckType = checkType;
      cargoBuildNoDefaultFeatures = buildNoDefaultFeatures;
      cargoCheckNoDefaultFeatures = args.checkNoDefaultFeatures or buildNoDefaultFeatures;
      cargoBuildFeatures = buildFeatures;
      cargoCheckFeatures = args.checkFeatures or buildFeatures;

      nativeBuildInputs = (args.nativeBuildInputs or [ ]) ++ [
        cargoBuildHook
        cargoCheckHook
        cargoInstallHook
        cargoSetupHook
        rustc
        cargo
      ];
      buildInputs = args.buildInputs or [ ];
      patches = cargoPatches ++ patches;
      PKG_CONFIG_ALLOW_CROSS = if isCross then 1 else 0;

      postUnpack = ''
        eval "$cargoDepsHook"

        export RUST_LOG=${args.logLevel or ""}
      '' + (args.postUnpack or "");

      configurePhase =
        args.configurePhase or ''
          runHook preConfigure
          runHook postConfigure
        '';

      doCheck = args.doCheck or true;
      strictDeps = true;

      meta = meta // {
        badPlatforms = (meta.badPlatforms or [ ]) ++ rustc.badTargetPlatforms;
        platforms = lib.filter (p: lib.elem p rustc.targetPlatforms) (meta.platforms or rustc.targetPlatforms);
      };
    };

  buildRustPackage = lib.setFunctionArgs (
    fpargs:
    stdenv.mkDerivation (
      finalAttrs: extend finalAttrs (if lib.isFunction fpargs then fpargs finalAttrs else fpargs)
    )
  ) functionArgs;
in
{
  inherit
    buildRustPackage
    importCargoLock
    fetchCargoVendor
    cargoSetupHook
    cargoBuildHook
    cargoCheckHook
    cargoInstallHook
    ;
}
