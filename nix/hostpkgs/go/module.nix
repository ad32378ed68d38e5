# buildGoModule with nixpkgs' interface (pkgs/build-support/go/module.nix,
# the lib.extendMkDerivation form of nixos-26.05: CGO_ENABLED in `env`), built by
# the host's Go (./default.nix). Same arguments, defaults, attributes and
# phases: configure (GOPATH/GOCACHE in $TMPDIR, GOPROXY=off, vendor/),
# build (`go install` of subPackages, or of every package with Go files
# outside vendor/, examples/, testdata/ and `_*`), check (`go test`, on by
# default, native builds only), install ($GOPATH/bin → $out/bin; a cross
# build's bin/<GOOS>_<GOARCH>/ is flattened as in nixpkgs).
#
# Differences: `vendorHash` other than null names a fixed-output derivation
# that runs `go mod vendor` with network access in nixpkgs; hostpkgs is
# offline, so that derivation evaluates and its build fails with one message
# (commit vendor/ and use vendorHash = null). `goSum` is accepted and only
# names the derivation, as in nixpkgs.
{
  lib,
  stdenv,
  go,
}:
let
  # The arguments nixpkgs' buildGoModule destructures (all have defaults);
  # lib.functionArgs of the real function returns exactly these.
  functionArgs = {
    nativeBuildInputs = true;
    passthru = true;
    buildTestBinaries = true;
    overrideModAttrs = true;
    modRoot = true;
    vendorHash = true;
    goSum = true;
    deleteVendor = true;
    proxyVendor = true;
    enableParallelBuilding = true;
    allowGoReference = true;
    meta = true;
    ldflags = true;
    GOFLAGS = true;
  };

  toExtension = f: if lib.isFunction f then (final: prev: let r = f prev; in if lib.isFunction r then f final prev else r) else (_: _: f);

  extend =
    finalAttrs: args:
    let
      nativeBuildInputs = args.nativeBuildInputs or [ ];
      passthru = args.passthru or { };
      overrideModAttrs = args.overrideModAttrs or (_: _: { });
      modRoot = args.modRoot or "./";
      vendorHash =
        args.vendorHash or (throw (
          if args ? vendorSha256 then
            "buildGoModule: Expect vendorHash instead of vendorSha256"
          else
            "buildGoModule: vendorHash is missing"
        ));
      goSum = args.goSum or null;
      deleteVendor = args.deleteVendor or false;
      proxyVendor = args.proxyVendor or false;
      enableParallelBuilding = args.enableParallelBuilding or true;
      allowGoReference = args.allowGoReference or false;
      meta = args.meta or { };
      ldflags = args.ldflags or [ ];
      GOFLAGS = args.GOFLAGS or [ ];
      # Test binaries (`go test -c`) instead of programs in $out/bin.
      buildTestBinaries = args.buildTestBinaries or false;
      name = finalAttrs.name or "${finalAttrs.pname}-${finalAttrs.version}";

      goModulesDrv =
        (stdenv.mkDerivation {
          name = "${name}-go-modules";
          inherit (finalAttrs) src;
          inherit modRoot;
          outputHashMode = "recursive";
          outputHash = finalAttrs.vendorHash;
          outputHashAlgo = if finalAttrs.vendorHash == "" then "sha256" else null;
          message = "buildGoModule (${name}): vendorHash fetches the Go modules from the network (a fixed-output derivation running `go mod vendor`), which hostpkgs cannot do offline (hint: commit vendor/ with `go mod vendor` and set vendorHash = null, or build with real nixpkgs)";
          buildCommand = ''
            echo "error: $message" >&2
            exit 1
          '';
        }).overrideAttrs
          (toExtension (finalAttrs.passthru.overrideModAttrs or overrideModAttrs));
    in
    (lib.removeAttrs args [
      "overrideModAttrs"
      "CGO_ENABLED"
    ])
    // {
      inherit
        modRoot
        vendorHash
        deleteVendor
        proxyVendor
        goSum
        enableParallelBuilding
        ;
      goModules = if finalAttrs.vendorHash == null then "" else goModulesDrv;

      nativeBuildInputs = [ go ] ++ nativeBuildInputs;

      env = (args.env or { }) // {
        inherit (go) GOOS GOARCH;
        GO111MODULE = "on";
        GOTOOLCHAIN = "local";
        CGO_ENABLED =
          args.env.CGO_ENABLED or (
            if args ? CGO_ENABLED then
              lib.warn "buildGoModule: specify CGO_ENABLED with env.CGO_ENABLED instead." args.CGO_ENABLED
            else
              go.CGO_ENABLED
          );
      };

      GOFLAGS =
        GOFLAGS
        ++ lib.optional (!finalAttrs.proxyVendor) "-mod=vendor"
        ++ lib.optional (!allowGoReference) "-trimpath";

      # An explicit -buildid= unless the caller set one: reproducible output.
      ldflags = ldflags ++ lib.optional (!lib.any (lib.hasPrefix "-buildid=") ldflags) "-buildid=";

      configurePhase =
        args.configurePhase or (
          ''
            runHook preConfigure

            export GOCACHE=$TMPDIR/go-cache
            export GOPATH="$TMPDIR/go"
            export GOPROXY=off
            export GOSUMDB=off
            cd "$modRoot"
          ''
          + lib.optionalString (finalAttrs.vendorHash != null) (
            if finalAttrs.proxyVendor then
              ''
                export GOPROXY="file://$goModules"
              ''
            else
              ''
                rm -rf vendor
                cp -r --reflink=auto "$goModules" vendor
              ''
          )
          + ''
            if [[ "''${NIX_HARDENING_ENABLE:-}" =~ "pie" ]]; then
              export GOFLAGS="-buildmode=pie $GOFLAGS"
            fi

            runHook postConfigure
          ''
        );

      buildPhase =
        args.buildPhase or (
          ''
            runHook preBuild

            _goExclude='\(/_\|examples\|Godeps\|testdata'
            if [[ -n "''${excludedPackages:-}" ]]; then
              for _p in $excludedPackages; do _goExclude+='\|'"$_p"; done
            fi
            _goExclude+='\)'

            # go CMD DIR with the build's flags; a directory without Go files
            # for this platform is not an error.
            buildGoDir() {
              local cmd="$1" dir="$2"
              local -a flags=()
              if [[ -n "''${tags:-}" ]]; then flags+=("-tags=''${tags// /,}"); fi
              if [[ -n "''${ldflags:-}" ]]; then flags+=("-ldflags=$ldflags"); fi
              flags+=(-p "$NIX_BUILD_CORES")
              if (( "''${NIX_DEBUG:-0}" >= 1 )); then flags+=(-x); fi
              if [ "$cmd" = test ]; then
                flags+=(-vet=off)
                flags+=(''${checkFlags:-})
              fi
              local out
              if ! out="$(go $cmd "''${flags[@]}" "$dir" 2>&1)"; then
                if ! echo "$out" | grep -qE '(no( buildable| non-test)?|build constraints exclude all) Go (source )?files'; then
                  echo "$out" >&2
                  return 1
                fi
              fi
              if [ -n "$out" ]; then echo "$out" >&2; fi
              return 0
            }

            # The package directories: subPackages, else every directory with
            # Go files (TYPE "test": test files) outside vendor/.
            getGoDirs() {
              local type="$1"
              if [ -n "''${subPackages:-}" ]; then
                echo "$subPackages" | sed "s,\(^\| \),\1./,g"
              else
                find . -type f -name "*$type.go" -exec dirname {} \; | grep -v "/vendor/" | sort --unique | grep -v "$_goExclude" || true
              fi
            }

            if [ -z "$enableParallelBuilding" ]; then
              export NIX_BUILD_CORES=1
            fi
            for pkg in $(getGoDirs ""); do
            ${
              if buildTestBinaries then
                ''
                  echo "Building test binary for $pkg"
                  # nixpkgs passes the directory (-o $GOPATH/bin/), which needs
                  # Go >= 1.21; Debian 12's Go 1.19 takes the file it names the
                  # same way (<package>.test).
                  mkdir -p "$GOPATH/bin"
                  buildGoDir "test -c -o $GOPATH/bin/''${pkg##*/}.test" "$pkg"
                ''
              else
                ''
                  echo "Building subPackage $pkg"
                  buildGoDir install "$pkg"
                ''
            }
            done
          ''
          + lib.optionalString (stdenv.hostPlatform != stdenv.buildPlatform) ''
            # A cross build installs into bin/<GOOS>_<GOARCH>/: flatten it.
            (
              dir=$GOPATH/bin/''${GOOS}_''${GOARCH}
              if [[ -n "$(shopt -s nullglob; echo $dir/*)" ]]; then
                mv $dir/* $dir/..
              fi
              if [[ -d $dir ]]; then
                rmdir $dir
              fi
            )
          ''
          + ''
            runHook postBuild
          ''
        );

      doCheck = args.doCheck or (!buildTestBinaries);
      checkPhase =
        args.checkPhase or ''
          runHook preCheck
          # Tests may read their own files by path: no -trimpath.
          export GOFLAGS=''${GOFLAGS//-trimpath/}
          for pkg in $(getGoDirs test); do
            buildGoDir test "$pkg"
          done
          runHook postCheck
        '';

      installPhase =
        args.installPhase or ''
          runHook preInstall
          mkdir -p $out
          dir="$GOPATH/bin"
          [ -e "$dir" ] && cp -r $dir $out
          runHook postInstall
        '';

      strictDeps = true;

      disallowedReferences = lib.optional (!allowGoReference) go;

      passthru = {
        inherit go;
        overrideModAttrs = toExtension overrideModAttrs;
      } // passthru;

      meta = {
        platforms = go.meta.platforms or [ ];
      } // meta;
    };

  buildGoModule =
    fpargs:
    stdenv.mkDerivation (
      finalAttrs: extend finalAttrs (if lib.isFunction fpargs then fpargs finalAttrs else fpargs)
    );
in
lib.setFunctionArgs buildGoModule functionArgs
