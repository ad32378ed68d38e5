# hostpkgs cargoInstallHook (nixpkgs: pkgs/build-support/rust/hooks/
# cargo-install-hook.sh): after the build, the executables cargo left in
# target/<target>/<build type>/ are remembered; the install phase copies
# them to $outputBin/bin and the libraries (.so, .a) to $outputLib/lib.
# Cargo names the files, so nothing depends on a hand-written path.
# Substituted: targetSubdirectory.

cargoInstallPostBuildHook() {
    echo "Executing cargoInstallPostBuildHook"
    releaseDir=target/@targetSubdirectory@/$cargoBuildType
    tmpDir="${releaseDir}-tmp"
    mkdir -p "$tmpDir"
    cp -r "${releaseDir}"/* "$tmpDir"/
    bins=$(find "$tmpDir" -maxdepth 1 -type f -executable ! -regex ".*\.\(so.[0-9.]+\|so\|a\|dylib\)")
    echo "Finished cargoInstallPostBuildHook"
}

cargoInstallHook() {
    echo "Executing cargoInstallHook"
    runHook preInstall
    mkdir -p "${!outputBin}/bin" "${!outputLib}/lib"
    if [ -n "$bins" ]; then
        # shellcheck disable=SC2086
        cp -t "${!outputBin}/bin" $bins
    fi
    find "$tmpDir" -maxdepth 1 -regex ".*\.\(so.[0-9.]+\|so\|a\|dylib\)" -print0 | xargs -r -0 cp -t "${!outputLib}/lib"
    rmdir --ignore-fail-on-non-empty "${!outputLib}/lib" "${!outputBin}/bin"
    runHook postInstall
    echo "Finished cargoInstallHook"
}

if [ -z "${dontCargoInstall-}" ] && [ -z "${installPhase-}" ]; then
    installPhase=cargoInstallHook
    postBuildHooks+=(cargoInstallPostBuildHook)
fi
