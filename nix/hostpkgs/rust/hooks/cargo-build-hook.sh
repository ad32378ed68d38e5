# hostpkgs cargoBuildHook (nixpkgs: pkgs/build-support/rust/hooks/
# cargo-build-hook.sh): `cargo build --offline --target <host target>` with
# the build type's profile, the features and cargoBuildFlags, and the
# compilers and linkers of the build and host platforms in the environment.
# stdenv strips afterwards, so cargo must not. Substituted: rustcTargetSpec
# setEnv.

cargoBuildHook() {
    echo "Executing cargoBuildHook"
    runHook preBuild
    export "CARGO_PROFILE_${cargoBuildType@U}_STRIP"=false
    if [ -n "${buildAndTestSubdir-}" ]; then
        CARGO_TARGET_DIR="$(pwd)/target"
        export CARGO_TARGET_DIR
        pushd "${buildAndTestSubdir}"
    fi
    local flagsArray=(
        "-j" "$NIX_BUILD_CORES"
        "--target" "@rustcTargetSpec@"
        "--offline"
    )
    if [ "${cargoBuildType:-release}" != "debug" ]; then
        flagsArray+=("--profile" "${cargoBuildType:-release}")
    fi
    if [ -n "${cargoBuildNoDefaultFeatures-}" ]; then
        flagsArray+=("--no-default-features")
    fi
    if [ -n "${cargoBuildFeatures-}" ]; then
        flagsArray+=("--features=${cargoBuildFeatures// /,}")
    fi
    # shellcheck disable=SC2206
    flagsArray+=(${cargoBuildFlags-})
    echo "cargoBuildHook flags: ${flagsArray[*]}"
    @setEnv@ cargo build "${flagsArray[@]}"
    if [ -n "${buildAndTestSubdir-}" ]; then
        popd
    fi
    runHook postBuild
    echo "Finished cargoBuildHook"
}

if [ -z "${dontCargoBuild-}" ] && [ -z "${buildPhase-}" ]; then
    buildPhase=cargoBuildHook
fi
