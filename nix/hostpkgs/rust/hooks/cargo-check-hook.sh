# hostpkgs cargoCheckHook (nixpkgs: pkgs/build-support/rust/hooks/
# cargo-check-hook.sh): `cargo test` with the check type's profile, for the
# host target (stdenv runs the check phase only when the build machine can
# run the host's programs). Substituted: rustcTargetSpec setEnv.

cargoCheckHook() {
    echo "Executing cargoCheckHook"
    runHook preCheck
    if [ -n "${buildAndTestSubdir-}" ]; then
        pushd "${buildAndTestSubdir}"
    fi
    local flagsArray=("-j" "$NIX_BUILD_CORES" "--target" "@rustcTargetSpec@" "--offline")
    if [ "${cargoCheckType:-release}" != "debug" ]; then
        flagsArray+=("--profile" "${cargoCheckType:-release}")
    fi
    if [ -n "${cargoCheckNoDefaultFeatures-}" ]; then
        flagsArray+=("--no-default-features")
    fi
    if [ -n "${cargoCheckFeatures-}" ]; then
        flagsArray+=("--features=${cargoCheckFeatures// /,}")
    fi
    # shellcheck disable=SC2206
    flagsArray+=(${cargoTestFlags-})
    local threads="$NIX_BUILD_CORES"
    if [ -n "${dontUseCargoParallelTests-}" ]; then threads=1; fi
    echo "cargoCheckHook flags: ${flagsArray[*]} -- --test-threads=$threads ${checkFlags-}"
    # shellcheck disable=SC2086
    @setEnv@ cargo test "${flagsArray[@]}" -- "--test-threads=$threads" ${checkFlags-}
    if [ -n "${buildAndTestSubdir-}" ]; then
        popd
    fi
    runHook postCheck
    echo "Finished cargoCheckHook"
}

if [ -z "${dontCargoCheck-}" ] && [ -z "${checkPhase-}" ]; then
    checkPhase=cargoCheckHook
fi
