# hostpkgs cargoSetupHook (nixpkgs: pkgs/build-support/rust/hooks/
# cargo-setup-hook.sh): after unpacking, point cargo at the vendored
# dependencies ($cargoDeps, copied into the build directory, or
# $cargoVendorDir inside the source) and give it the linkers of the build
# and host platforms, in .cargo/config.toml of the build directory; after
# patching, check that the source's Cargo.lock is the one the dependencies
# were vendored for. Substituted: defaultConfig diff cargoConfig.

cargoSetupPostUnpackHook() {
    echo "Executing cargoSetupPostUnpackHook"
    if [ -z "${cargoVendorDir-}" ]; then
        if [ -d "$cargoDeps" ]; then
            local dest
            dest=$(stripHash "$cargoDeps")
            cp -Lr --reflink=auto -- "$cargoDeps" "$dest"
            chmod -R u+w -- "$dest"
        else
            unpackFile "$cargoDeps"
        fi
        cargoDepsCopy="$(realpath "$(stripHash "$cargoDeps")")"
    else
        cargoDepsCopy="$(realpath "$(pwd)/$sourceRoot/${cargoRoot:+$cargoRoot/}${cargoVendorDir}")"
    fi
    export cargoDepsCopy
    mkdir -p .cargo
    local config="$cargoDepsCopy/.cargo/config.toml"
    if [ ! -e "$config" ]; then
        config=@defaultConfig@
    fi
    local tmpConfig
    tmpConfig=$(mktemp)
    substitute "$config" "$tmpConfig" --subst-var-by vendor "$cargoDepsCopy"
    cat "$tmpConfig" >>.cargo/config.toml
    cat >>.cargo/config.toml <<'CARGOCONFIG'
@cargoConfig@
CARGOCONFIG
    echo "Finished cargoSetupPostUnpackHook"
}

cargoSetupPostPatchHook() {
    echo "Executing cargoSetupPostPatchHook"
    local depsLock="$cargoDepsCopy/Cargo.lock"
    local srcLock
    srcLock="$(pwd)/${cargoRoot:+$cargoRoot/}Cargo.lock"
    echo "Validating consistency between $srcLock and $depsLock"
    if ! @diff@ "$srcLock" "$depsLock"; then
        if [ ! -e "$srcLock" ]; then
            echo "ERROR: Missing Cargo.lock from src. Expected to find it at: $srcLock"
            exit 1
        fi
        if [ ! -e "$depsLock" ]; then
            echo "ERROR: Missing lockfile from cargo vendor. Expected to find it at: $depsLock"
            exit 1
        fi
        echo "ERROR: cargoHash or cargoSha256 is out of date: Cargo.lock is not the same in $cargoDepsCopy"
        exit 1
    fi
    unset cargoDepsCopy
    echo "Finished cargoSetupPostPatchHook"
}

if [ -z "${dontCargoSetupPostUnpack-}" ]; then
    postUnpackHooks+=(cargoSetupPostUnpackHook)
fi
if [ -z "${cargoVendorDir-}" ]; then
    postPatchHooks+=(cargoSetupPostPatchHook)
fi
