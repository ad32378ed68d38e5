# hostpkgs' cmake setup hook: the behaviour of nixpkgs' cmake setup hook
# (pkgs/by-name/cm/cmake/setup-hook.sh; its functions, variables and hooks
# are recorded in tests/data/nixpkgs-interface.json, "setupHooks"), written
# for hostpkgs' setup.sh.
#
# With `cmake` in nativeBuildInputs the configure phase becomes
# cmakeConfigurePhase (unless the derivation sets configurePhase or
# dontUseCmakeConfigure): an out-of-source build in $cmakeBuildDir (default
# "build"), Release, the install directories of the multiple outputs
# (GNUInstallDirs), the compilers and tools of the cc-wrapper, no tests unless
# doCheck, then the derivation's cmakeFlags (mkDerivation adds the cross
# compilation ones) and cmakeFlagsArray. The build and install phases stay
# make's, run in the build directory. Every input's prefix is on
# NIXPKGS_CMAKE_PREFIX_PATH and its include and lib directories on
# CMAKE_INCLUDE_PATH / CMAKE_LIBRARY_PATH, so find_package, find_path and
# find_library see the inputs and nothing of the host.

# envHook: each input's prefix (cmake searches it for packages, not programs).
addCMakeParams() {
    addToSearchPath NIXPKGS_CMAKE_PREFIX_PATH "$1"
}

# /usr and /opt in the project's cmake files name directories of no
# sandbox: they become /var/empty.
fixCmakeFiles() {
    echo "fixing cmake files..."
    local file
    while IFS= read -r -d '' file; do
        sed -i -E -e 's#/usr([ /]|$)#/var/empty\1#g' -e 's#/opt([ /]|$)#/var/empty\1#g' "$file"
    done < <(find "$1" -type f \( -name '*.cmake' -o -name '*.cmake.in' -o -name CMakeLists.txt \) -print0)
}

# The name under share/doc: project() of CMakeLists.txt when it is a plain
# name, else pname (else the derivation name without its version).
parseShareDocName() {
    local lists="${1:-$cmakeDir/CMakeLists.txt}" found=""
    if [ -f "$lists" ]; then
        found=$(grep -oiE '(^|[^A-Za-z0-9_])project[[:space:]]*\([[:space:]]*"?[^[:space:]")]+' "$lists" \
            | head -n1 | sed -E 's/.*\([[:space:]]*"?//') || true
    fi
    if [ -z "$found" ] || printf '%s' "$found" | grep -q '[^a-zA-Z0-9_+-]'; then
        if [ -n "${pname:-}" ]; then
            found="$pname"
        else
            found=$(printf '%s' "$name" | sed 's/-[^a-zA-Z].*//')
        fi
    fi
    echo "$found"
}

cmakeConfigurePhase() {
    runHook preConfigure

    : "${cmakeBuildDir:=build}"
    export CTEST_OUTPUT_ON_FAILURE=1
    if [ -n "${enableParallelChecking-1}" ]; then
        export CTEST_PARALLEL_LEVEL="$NIX_BUILD_CORES"
    fi
    if [ -z "${dontFixCmake:-}" ]; then
        fixCmakeFiles .
    fi

    if [ -z "${dontUseCmakeBuildDir:-}" ]; then
        mkdir -p "$cmakeBuildDir"
        cd "$cmakeBuildDir"
        : "${cmakeDir:=..}"
    else
        : "${cmakeDir:=.}"
    fi

    declare -ga cmakeDefaultFlags=(
        "-DCMAKE_CXX_COMPILER=$CXX"
        "-DCMAKE_C_COMPILER=$CC"
        "-DCMAKE_AR=$(command -v "$AR")"
        "-DCMAKE_RANLIB=$(command -v "$RANLIB")"
        "-DCMAKE_STRIP=$(command -v "$STRIP")"
        "-DCMAKE_FIND_FRAMEWORK=LAST"
        "-DCMAKE_POLICY_DEFAULT_CMP0025=NEW"
        "-DCMAKE_INSTALL_NAME_DIR=${!outputLib}/lib"
        "-DCMAKE_INSTALL_BINDIR=${!outputBin}/bin"
        "-DCMAKE_INSTALL_SBINDIR=${!outputBin}/sbin"
        "-DCMAKE_INSTALL_INCLUDEDIR=${!outputInclude}/include"
        "-DCMAKE_INSTALL_MANDIR=${!outputMan}/share/man"
        "-DCMAKE_INSTALL_INFODIR=${!outputInfo}/share/info"
        "-DCMAKE_INSTALL_LIBDIR=${!outputLib}/lib"
        "-DCMAKE_INSTALL_LIBEXECDIR=${!outputLib}/libexec"
        "-DCMAKE_INSTALL_LOCALEDIR=${!outputLib}/share/locale"
        "-DCMAKE_BUILD_TYPE=${cmakeBuildType:-Release}"
        "-DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON"
        "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF"
        "-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF"
    )
    # hostpkgs only: nixpkgs' cmake is patched to search its inputs
    # (NIXPKGS_CMAKE_PREFIX_PATH) and no system prefixes, and its sandbox has
    # no /usr; Debian's cmake gets the same by the environment's
    # CMAKE_PREFIX_PATH and by ignoring the host's prefixes.
    export CMAKE_PREFIX_PATH="${CMAKE_PREFIX_PATH:-${NIXPKGS_CMAKE_PREFIX_PATH:-}}"
    cmakeDefaultFlags+=("-DCMAKE_SYSTEM_IGNORE_PREFIX_PATH=/usr;/usr/local;/opt;/")
    if [ -z "${dontAddPrefix:-}" ]; then
        cmakeDefaultFlags+=("-DCMAKE_INSTALL_PREFIX=$prefix")
    fi
    if [ -z "${doCheck:-}" ]; then
        cmakeDefaultFlags+=("-DBUILD_TESTING=OFF")
    fi
    local docName="${shareDocName:-}"
    if [ -z "$docName" ]; then
        docName=$(parseShareDocName)
    fi
    cmakeDefaultFlags+=("-DCMAKE_INSTALL_DOCDIR=${!outputDoc}/share/doc/$docName")

    # As nixpkgs: cmakeFlags split on whitespace (a list under structured
    # attrs keeps each element), then cmakeFlagsArray.
    local flagsArray=()
    concatTo flagsArray cmakeDefaultFlags cmakeFlags cmakeFlagsArray
    echoCmd 'cmake flags' "${flagsArray[@]}"
    cmake "$cmakeDir" "${flagsArray[@]}"

    if ! [[ -v enableParallelBuilding ]]; then
        enableParallelBuilding=1
        echo "cmake: enabled parallel building"
    fi
    if [[ "$enableParallelBuilding" -ne 0 ]]; then
        export CMAKE_BUILD_PARALLEL_LEVEL="$NIX_BUILD_CORES"
    fi
    if ! [[ -v enableParallelInstalling ]]; then
        enableParallelInstalling=1
        echo "cmake: enabled parallel installing"
    fi

    runHook postConfigure
}

if [ -z "${dontUseCmakeConfigure:-}" ] && [ -z "${configurePhase:-}" ]; then
    # configure's --prefix/--libdir flags are not cmake's.
    setOutputFlags=
    configurePhase=cmakeConfigurePhase
fi

addEnvHooks "${targetOffset:-0}" addCMakeParams

# postHook: the compiler's -isystem/-I and the linker's -L directories (the
# inputs') become cmake's include and library search paths.
makeCmakeFindLibs() {
    local flag isystem=""
    for flag in ${NIX_CFLAGS_COMPILE:-} ${NIX_LDFLAGS:-}; do
        if [ -n "$isystem" ] && [ -d "$flag" ]; then
            addToSearchPath CMAKE_INCLUDE_PATH "$flag"
            isystem=""
            continue
        fi
        isystem=""
        case "$flag" in
            -I*) addToSearchPath CMAKE_INCLUDE_PATH "${flag:2}" ;;
            -L*) addToSearchPath CMAKE_LIBRARY_PATH "${flag:2}" ;;
            -isystem) isystem=1 ;;
        esac
    done
    export CMAKE_INCLUDE_PATH CMAKE_LIBRARY_PATH
}
postHooks+=(makeCmakeFindLibs)
