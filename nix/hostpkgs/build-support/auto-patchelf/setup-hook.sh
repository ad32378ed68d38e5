# hostpkgs' autoPatchelfHook: nixpkgs' interface (pkgs/build-support/
# setup-hooks/auto-patchelf.sh), see README.md beside this file.
#   autoPatchelfLibs            the lib/ of every dependency (an env hook)
#   addAutoPatchelfSearchPath [--no-recurse] [--] PATH...
#                               more directories holding shared libraries
#   autoPatchelf [--no-recurse] [--] PATH...
#                               fix the ELF files under PATH...
# Variables: autoPatchelfIgnoreMissingDeps (patterns; "1" means "*",
# deprecated), runtimeDependencies (their lib/ prepended to executables'
# RUNPATH), appendRunpaths, patchelfFlags, autoPatchelfFlags,
# dontAutoPatchelf. Runs in postFixup over every output but `debug`.

declare -ga autoPatchelfLibs
declare -ga extraAutoPatchelfLibs

gatherLibraries() {
    autoPatchelfLibs+=("$1/lib")
}

addEnvHooks "${targetOffset:-0}" gatherLibraries

addAutoPatchelfSearchPath() {
    local -a findOpts=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --) shift; break ;;
            --no-recurse) shift; findOpts+=(-maxdepth 1) ;;
            --*)
                echo "addAutoPatchelfSearchPath: ERROR: Invalid command line argument: $1" >&2
                return 1
                ;;
            *) break ;;
        esac
    done
    local dir
    while IFS= read -r -d '' dir; do
        extraAutoPatchelfLibs+=("$dir")
    done < <(find "$@" "${findOpts[@]}" \! -type d \( -name '*.so' -o -name '*.so.*' \) -print0 \
        | sed -z 's#/[^/]*$##' | sort -zu)
}

# Words of a variable that may be a bash array or a space-separated string.
_autoPatchelfWords() {
    local -n _out="$1"
    local name="$2"
    _out=()
    if [[ "$(declare -p "$name" 2>/dev/null)" == "declare -a"* ]]; then
        local -n _in="$name"
        _out=("${_in[@]}")
    elif [ -n "${!name:-}" ]; then
        read -r -a _out <<<"${!name}"
    fi
}

autoPatchelf() {
    local norecurse=
    while [ $# -gt 0 ]; do
        case "$1" in
            --) shift; break ;;
            --no-recurse) shift; norecurse=1 ;;
            --*)
                echo "autoPatchelf: ERROR: Invalid command line argument: $1" >&2
                return 1
                ;;
            *) break ;;
        esac
    done
    local -a ignoreMissingDepsArray appendRunpathsArray runtimeDependenciesArray \
        patchelfFlagsArray autoPatchelfFlagsArray
    _autoPatchelfWords ignoreMissingDepsArray autoPatchelfIgnoreMissingDeps
    _autoPatchelfWords appendRunpathsArray appendRunpaths
    _autoPatchelfWords runtimeDependenciesArray runtimeDependencies
    _autoPatchelfWords patchelfFlagsArray patchelfFlags
    _autoPatchelfWords autoPatchelfFlagsArray autoPatchelfFlags
    local dep
    for dep in "${ignoreMissingDepsArray[@]}"; do
        if [ "$dep" = 1 ]; then
            echo "autoPatchelf: WARNING: setting 'autoPatchelfIgnoreMissingDeps = true;' is deprecated" \
                "and will be removed in a future release. Use 'autoPatchelfIgnoreMissingDeps = [ \"*\" ];' instead." >&2
            ignoreMissingDepsArray=("*")
            break
        fi
    done
    @python@ @script@ \
        ${norecurse:+--no-recurse} \
        --ignore-missing "${ignoreMissingDepsArray[@]}" \
        --paths "$@" \
        --libs "${autoPatchelfLibs[@]}" "${extraAutoPatchelfLibs[@]}" \
        --runtime-dependencies "${runtimeDependenciesArray[@]/%//lib}" \
        --append-rpaths "${appendRunpathsArray[@]}" \
        "${autoPatchelfFlagsArray[@]}" \
        --extra-args "${patchelfFlagsArray[@]}"
}

autoPatchelfPostFixup() {
    if [ -z "${dontAutoPatchelf:-}" ]; then
        local output
        local -a roots=()
        for output in $(getAllOutputNames); do
            [ -e "${!output}" ] || continue
            [ "$output" = debug ] && continue
            roots+=("${!output}")
        done
        autoPatchelf -- "${roots[@]}"
    fi
}

postFixupHooks+=(autoPatchelfPostFixup)
