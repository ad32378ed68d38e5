# stdenv.mkDerivation: same calling conventions as nixpkgs'
# pkgs/stdenv/generic/make-derivation.nix (an attrset or a `finalAttrs:`
# function; overrideAttrs with `old:` or `final: prev:`), reduced to what a
# host-toolchain stdenv can honour.
{
  lib,
  stdenv,
  setup,
}:
let
  inherit (stdenv) hostPlatform buildPlatform;

  # A dependency without an explicitly chosen output contributes the outputs
  # a build needs from it (nixpkgs reaches the same set through the dev
  # output's propagated-build-inputs).
  expandInput =
    dep:
    if lib.isDerivation dep && !(dep.outputSpecified or false) then
      lib.unique [
        (lib.getBin dep)
        (lib.getDev dep)
        (lib.getLib dep)
      ]
    else
      [ dep ];
  expandInputs = deps: lib.concatMap expandInput (lib.filter (d: d != null) (lib.flatten deps));

  removedAttrs = [
    "configurePlatforms"
    "meta"
    "passthru"
    "pos"
    "env"
    "finalPackage"
    "overrideAttrs"
  ];

  # A store path as a plain string, without the context that would make Nix
  # build it: reference checks name paths, they do not need them built.
  unsafeDerivationToUntrackedOutpath =
    drv: if lib.isDerivation drv then builtins.unsafeDiscardStringContext drv.outPath else drv;

  makeDerivation =
    overrideAttrs: attrs:
    let
      isCrossOrStatic = hostPlatform.config != buildPlatform.config;
      # As nixpkgs: no suffix from a stdenv without a C compiler (stdenvNoCC,
      # runCommand …) nor for a fixed-output derivation without host inputs.
      noNonNativeDeps = (attrs.buildInputs or [ ]) == [ ] && (attrs.propagatedBuildInputs or [ ]) == [ ];
      dontAddHostSuffix = attrs ? outputHash && noNonNativeDeps || !stdenv.hasCC;
      hostSuffix = lib.optionalString (isCrossOrStatic && !dontAddHostSuffix) "-${hostPlatform.config}";
      # nixpkgs: a separate `debug` output for ELF debug info, on Linux.
      separateDebugInfo = (attrs.separateDebugInfo or false) && hostPlatform.isLinux;
      staticMarker = lib.optionalString hostPlatform.isStatic "-static";
      name =
        if attrs ? name then
          attrs.name + hostSuffix
        else if attrs ? pname && attrs ? version then
          "${attrs.pname}${staticMarker}${hostSuffix}-${attrs.version}"
        else
          throw "stdenv.mkDerivation: set either `name`, or `pname` and `version`";
      outputs = (attrs.outputs or [ "out" ]) ++ lib.optional separateDebugInfo "debug";
      # As nixpkgs: a cross (or static) build runs configure with --build and
      # --host (configurePlatforms), and cmake with the cross-compilation
      # entries of make-derivation.nix's makeCMakeFlags.
      configurePlatforms = attrs.configurePlatforms or (lib.optionals isCrossOrStatic [ "build" "host" ]);
      configureFlags =
        (attrs.configureFlags or [ ])
        ++ lib.optional (lib.elem "build" configurePlatforms) "--build=${buildPlatform.config}"
        ++ lib.optional (lib.elem "host" configurePlatforms) "--host=${hostPlatform.config}";
      crossCmakeFlags = lib.optionals isCrossOrStatic (
        lib.optional (hostPlatform.uname.system != null) "-DCMAKE_SYSTEM_NAME=${hostPlatform.uname.system}"
        ++ lib.optional (
          hostPlatform.uname.processor != null
        ) "-DCMAKE_SYSTEM_PROCESSOR=${hostPlatform.uname.processor}"
        ++ lib.optional (
          hostPlatform.uname.release != null
        ) "-DCMAKE_SYSTEM_VERSION=${hostPlatform.uname.release}"
        ++ lib.optional (
          buildPlatform.uname.system != null
        ) "-DCMAKE_HOST_SYSTEM_NAME=${buildPlatform.uname.system}"
        ++ lib.optional (
          buildPlatform.uname.processor != null
        ) "-DCMAKE_HOST_SYSTEM_PROCESSOR=${buildPlatform.uname.processor}"
        ++ lib.optional (buildPlatform.canExecute hostPlatform) "-DCMAKE_CROSSCOMPILING_EMULATOR=env"
        ++ lib.optional hostPlatform.isStatic "-DCMAKE_LINK_SEARCH_START_STATIC=ON"
      );
      env = attrs.env or { };
      structured = attrs.__structuredAttrs or false;
      # Under structured attrs Nix reads reference checks per output from
      # outputChecks.<output> (as nixpkgs moves them there).
      checkNames = [
        "allowedReferences"
        "allowedRequisites"
        "disallowedReferences"
        "disallowedRequisites"
      ];
      # As nixpkgs, the paths of a check reach Nix without their context:
      # Nix compares them, it does not build them.
      untracked = v: if v == null then null else map unsafeDerivationToUntrackedOutpath v;
      topChecks = lib.mapAttrs (_: untracked) (lib.filterAttrs (n: _: lib.elem n checkNames) attrs);
      outputChecks = lib.genAttrs outputs (
        o: topChecks // lib.mapAttrs (_: untracked) ((attrs.outputChecks or { }).${o} or { })
      );
      clash = lib.filter (n: attrs ? ${n}) (lib.attrNames env);
      drvAttrs =
        lib.removeAttrs attrs (removedAttrs ++ lib.optionals structured checkNames)
        # Structured attrs keep `env` as an attribute; setup exports it.
        // (if structured then { inherit env outputChecks; } else env)
        // {
          inherit name outputs configureFlags;
          cmakeFlags = (attrs.cmakeFlags or [ ]) ++ crossCmakeFlags;
          system = buildPlatform.system;
          builder = attrs.realBuilder or stdenv.shell;
          args =
            attrs.args or [
              "-e"
              (attrs.builder or ./default-builder.sh)
            ];
          stdenv = setup;
          buildInputs = expandInputs (attrs.buildInputs or [ ]);
          nativeBuildInputs = expandInputs (attrs.nativeBuildInputs or [ ]);
          propagatedBuildInputs = expandInputs (attrs.propagatedBuildInputs or [ ]);
          propagatedNativeBuildInputs = expandInputs (attrs.propagatedNativeBuildInputs or [ ]);
          # As nixpkgs: tests run only where the build machine can run the
          # host platform's programs (never in a cross build).
          doCheck = (attrs.doCheck or false) && buildPlatform.canExecute hostPlatform;
          doInstallCheck = (attrs.doInstallCheck or false) && buildPlatform.canExecute hostPlatform;
          # On by default for cross (and static) builds, as in nixpkgs: the
          # bin/ of buildInputs is then not on PATH (nativeBuildInputs' is).
          strictDeps = attrs.strictDeps or isCrossOrStatic;
          separateDebugInfo = separateDebugInfo;
          __ignoreNulls = true;
        }
        // lib.optionalAttrs (!structured) topChecks;
      checked =
        if clash != [ ] then
          throw "stdenv.mkDerivation (${name}): `env` attributes clash with derivation arguments: ${toString clash}"
        else
          drvAttrs;
      drv = derivation checked;
      meta = {
        inherit name;
        outputsToInstall =
          let
            first = lib.head outputs;
          in
          [ first ] ++ lib.optional (first != "man" && lib.elem "man" outputs) "man";
        available = true;
        broken = false;
      } // (attrs.meta or { });
    in
    lib.extendDerivation true (
      (attrs.passthru or { })
      // {
        inherit meta overrideAttrs stdenv;
        passthru = attrs.passthru or { };
      }
    ) drv;

  # Same fixed point as nixpkgs' makeDerivationExtensible.
  makeDerivationExtensible =
    rattrs:
    let
      args = rattrs (args // { inherit finalPackage overrideAttrs; });
      finalPackage = makeDerivation overrideAttrs args;
      overrideAttrs =
        f0:
        let
          f =
            self: super:
            let
              x = f0 super;
            in
            if lib.isFunction x then f0 self super else x;
        in
        makeDerivationExtensible (
          self:
          let
            super = rattrs self;
          in
          super // f self super
        );
    in
    finalPackage;
in
fpargs: makeDerivationExtensible (if lib.isFunction fpargs then fpargs else (_: fpargs))
