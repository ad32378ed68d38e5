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
    "meta"
    "passthru"
    "pos"
    "env"
    "finalPackage"
    "overrideAttrs"
  ];

  makeDerivation =
    overrideAttrs: attrs:
    let
      isCrossOrStatic = hostPlatform.config != buildPlatform.config;
      hostSuffix = lib.optionalString (
        isCrossOrStatic && !(attrs.dontAddHostSuffix or false)
      ) "-${hostPlatform.config}";
      staticMarker = lib.optionalString hostPlatform.isStatic "-static";
      name =
        if attrs ? name then
          attrs.name + hostSuffix
        else if attrs ? pname && attrs ? version then
          "${attrs.pname}${staticMarker}${hostSuffix}-${attrs.version}"
        else
          throw "stdenv.mkDerivation: set either `name`, or `pname` and `version`";
      outputs = attrs.outputs or [ "out" ];
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
      topChecks = lib.filterAttrs (n: _: lib.elem n checkNames) attrs;
      outputChecks = lib.genAttrs outputs (
        o: topChecks // ((attrs.outputChecks or { }).${o} or { })
      );
      clash = lib.filter (n: attrs ? ${n}) (lib.attrNames env);
      drvAttrs =
        lib.removeAttrs attrs (removedAttrs ++ lib.optionals structured checkNames)
        # Structured attrs keep `env` as an attribute; setup exports it.
        // (if structured then { inherit env outputChecks; } else env)
        // {
          inherit name outputs;
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
          doCheck = attrs.doCheck or false;
          doInstallCheck = attrs.doInstallCheck or false;
          strictDeps = attrs.strictDeps or false;
          __ignoreNulls = true;
        };
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
