# hostpkgs stdenv setup script.
#
# Sourced by every stdenv.mkDerivation builder (and by nix-shell). It offers
# the same phase names, hook names, variables and helper functions that
# nixpkgs' pkgs/stdenv/generic/setup.sh and multiple-outputs.sh offer to
# package expressions, implemented for the host's tools under /usr.
# The stdenv derivation prepends a preamble defining: initialPath (store
# paths whose bin/ are PATH after the inputs'), defaultNativeBuildInputs,
# stdenvShell.

_hostpkgsSetOriginal=$-
if [ -z "${IN_NIX_SHELL:-}" ]; then
    set -eu
    set -o pipefail
fi
shopt -s extglob

# __structuredAttrs (as nixpkgs' setup.sh detects it): the builder sourced
# .attrs.sh, so lists are bash arrays and `outputs` maps each output name to
# its path. Each output is exported by name, and so is every entry of `env`.
if [ -f .attrs.sh ] || [[ -n "${NIX_ATTRS_JSON_FILE:-}" ]]; then
    __structuredAttrs=1
    for _output in "${!outputs[@]}"; do
        export "$_output=${outputs[$_output]}"
    done
    # Nix 2.8 points NIX_ATTRS_JSON_FILE outside the sandbox (NixOS/nix#6736).
    if ! [[ -e "${NIX_ATTRS_JSON_FILE:-}" ]]; then export NIX_ATTRS_JSON_FILE="$NIX_BUILD_TOP/.attrs.json"; fi
    if ! [[ -e "${NIX_ATTRS_SH_FILE:-}" ]]; then export NIX_ATTRS_SH_FILE="$NIX_BUILD_TOP/.attrs.sh"; fi
    if [[ "$(declare -p env 2>/dev/null)" == "declare -A"* ]]; then
        for _output in "${!env[@]}"; do
            declare -x "$_output=${env[$_output]}"
        done
    fi
    unset _output
else
    __structuredAttrs=
    : "${outputs:=out}"
fi
: "${NIX_BUILD_CORES:=1}"
[ "$NIX_BUILD_CORES" -gt 0 ] 2>/dev/null || NIX_BUILD_CORES=1
export NIX_BUILD_CORES
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-315532800}"
export SHELL="$stdenvShell"
export CONFIG_SHELL="$stdenvShell"
export TZ=UTC
if [ -z "${IN_NIX_SHELL:-}" ]; then export LC_ALL=C; fi

# ---------------------------------------------------------------- hooks ----

# runHook NAME ARGS...: run the implicit hook NAME (a function, or a variable
# holding shell code), then every entry of the array NAMEHooks.
runHook() {
    local hookName="$1"
    shift
    _callImplicitHook "$hookName" "$@"
    local hooksSlice="${hookName%Hook}Hooks[@]"
    local hook
    for hook in "${!hooksSlice-}"; do
        _eval "$hook" "$@"
    done
    return 0
}

_callImplicitHook() {
    local hookName="$1"
    shift
    case "$(type -t "$hookName")" in
        function | alias | builtin) "$hookName" "$@" ;;
        file) source "$hookName" ;;
        keyword) : ;;
        *) if [ -n "${!hookName:-}" ]; then eval "${!hookName}"; fi ;;
    esac
}

_eval() {
    if [ "$(type -t "$1")" = function ]; then
        "$@"
    else
        eval "$1"
    fi
}

addEnvHooks() { local depHostOffset="$1"; shift; envHooks+=("$@"); }

# ---------------------------------------------------------------- utils ----

# appendToVar / prependToVar NAME WORD...: add words to a variable that is a
# bash array (structured attrs, or declared so) or a space-separated string.
_addToVar() {
    local where="$1" name="$2"
    shift 2
    local -n _atvRef="$name"
    local isArray
    case "$(declare -p "$name" 2>/dev/null)" in
        "declare -A"*)
            echo "${where}ToVar(): ERROR: $name is an associative array" >&2
            return 1
            ;;
        "declare -a"*) isArray=1 ;;
        "") isArray="$__structuredAttrs" ;;
        *) isArray= ;;
    esac
    if [ -n "$isArray" ] && [ "$where" = append ]; then
        _atvRef=(${_atvRef+"${_atvRef[@]}"} "$@")
    elif [ -n "$isArray" ]; then
        _atvRef=("$@" ${_atvRef+"${_atvRef[@]}"})
    elif [ "$where" = append ]; then
        _atvRef="${_atvRef:+$_atvRef }$*"
    else
        _atvRef="$*${_atvRef:+ $_atvRef}"
    fi
}
appendToVar() { _addToVar append "$@"; }
prependToVar() { _addToVar prepend "$@"; }

# concatTo ARRAY NAME[=DEFAULT]...: append the words of each variable to the
# indexed array ARRAY, with nixpkgs' semantics: an array contributes its
# elements unchanged (so a flag may contain spaces); a string is split on
# whitespace, without glob expansion, except that a *Array variable holding
# a string is one word; a variable unset or empty contributes DEFAULT if
# given.
concatTo() {
    local -n _ctTarget="$1"
    shift
    local -
    set -o noglob
    local spec name default decl
    for spec in "$@"; do
        name="${spec%%=*}"
        default=""
        if [[ "$spec" == *=* ]]; then default="${spec#*=}"; fi
        decl="$(declare -p "$name" 2>/dev/null || true)"
        local -n _ctSource="$name"
        case "$decl" in
            "declare -A"*)
                echo "concatTo(): ERROR: $name is an associative array" >&2
                return 1
                ;;
            "declare -a"*)
                if [ -n "${_ctSource[*]}" ]; then
                    _ctTarget+=("${_ctSource[@]}")
                elif [ -n "$default" ]; then
                    _ctTarget+=("$default")
                fi
                ;;
            "")
                if [ -n "$default" ]; then _ctTarget+=("$default"); fi
                ;;
            *)
                if [ -z "$_ctSource" ]; then
                    if [ -n "$default" ]; then _ctTarget+=("$default"); fi
                elif [[ "$name" == *Array ]]; then
                    _ctTarget+=("$_ctSource")
                else
                    # shellcheck disable=SC2206
                    _ctTarget+=($_ctSource)
                fi
                ;;
        esac
        unset -n _ctSource
    done
}

# echoCmd LABEL ARG...: "LABEL: ARG..." with every argument shell-quoted, so
# the words a command received are unambiguous (as nixpkgs logs its flags).
echoCmd() {
    printf "%s:" "$1"
    shift
    printf ' %q' "$@"
    echo
}

addToSearchPathWithCustomDelimiter() {
    local delimiter="$1" varName="$2" dir="$3"
    if [[ -d "$dir" && "${!varName:+${delimiter}${!varName}${delimiter}}" != *"${delimiter}${dir}${delimiter}"* ]]; then
        export "${varName}=${!varName:+${!varName}${delimiter}}${dir}"
    fi
}
addToSearchPath() { addToSearchPathWithCustomDelimiter ":" "$@"; }

stripHash() {
    local strippedName casematchOpt=0
    strippedName="$(basename -- "$1")"
    if [[ "$strippedName" =~ ^[a-z0-9]{32}- ]]; then
        echo "${strippedName:33}"
    else
        echo "$strippedName"
    fi
}

isELF() {
    local fn="$1" fd magic
    exec {fd}<"$fn"
    read -r -n 4 -u "$fd" magic || true
    exec {fd}<&-
    [ "$magic" = $'\177ELF' ]
}

isScript() {
    local fn="$1" fd magic
    exec {fd}<"$fn"
    read -r -n 2 -u "$fd" magic || true
    exec {fd}<&-
    [[ "$magic" =~ \#! ]]
}

substitute() {
    local input="$1" output="$2"
    shift 2
    local content
    content="$(cat "$input"; printf x)"
    content="${content%x}"
    while (("$#")); do
        case "$1" in
            --replace | --replace-fail | --replace-warn | --replace-quiet)
                local pattern="$2" replacement="$3"
                if [[ "$1" == --replace-fail && "$content" != *"$pattern"* ]]; then
                    echo "substitute: pattern '$pattern' not found in $input" >&2
                    return 1
                fi
                content="${content//"$pattern"/"$replacement"}"
                shift 3
                ;;
            --subst-var)
                local varName="$2"
                content="${content//@$varName@/${!varName}}"
                shift 2
                ;;
            --subst-var-by)
                content="${content//@$2@/$3}"
                shift 3
                ;;
            *)
                echo "substitute: unknown argument $1" >&2
                return 1
                ;;
        esac
    done
    printf '%s' "$content" >"$output.tmp"
    if [ -x "$output" ]; then chmod +x "$output.tmp"; fi
    mv -f "$output.tmp" "$output"
}
substituteInPlace() {
    local fileName="$1"
    shift
    substitute "$fileName" "$fileName" "$@"
}

# ------------------------------------------------------- multiple outputs ----
# Same variables as nixpkgs' multiple-outputs.sh: outputBin, outputLib, ...
# hold output *names*; "${!outputBin}" is the path.

_overrideFirst() {
    if [ -z "${!1-}" ]; then
        _assignFirst "$@"
    fi
}
_assignFirst() {
    local varName="$1"
    local _var
    local REMOVE=REMOVE
    shift
    for _var in "$@"; do
        if [ -n "${!_var-}" ]; then
            eval "${varName}=\"${_var}\""
            return
        fi
    done
    echo "error: _assignFirst: could not find a non-empty variable whose name to assign to ${varName}." >&2
    return 1
}

_overrideFirst outputDev "dev" "out"
_overrideFirst outputBin "bin" "out"
_overrideFirst outputInclude "$outputDev"
_overrideFirst outputLib "lib" "out"
_overrideFirst outputDoc "doc" "out"
_overrideFirst outputDevdoc "devdoc" REMOVE
_overrideFirst outputMan "man" "$outputBin"
_overrideFirst outputDevman "devman" "devdoc" "$outputMan"
_overrideFirst outputInfo "info" "$outputBin"

getAllOutputNames() {
    if [ -n "$__structuredAttrs" ]; then
        echo "${!outputs[*]}"
    else
        echo "$outputs"
    fi
}

# moveToOutput PATTERN OUTPUT: move files matching PATTERN (relative to each
# output) from every other output into OUTPUT (a path, or REMOVE to delete).
moveToOutput() {
    local patt="$1"
    local dstOut="$2"
    local output
    for output in $(getAllOutputNames); do
        if [ "${!output}" = "$dstOut" ]; then continue; fi
        local srcPath
        for srcPath in "${!output}"/$patt; do
            if [ ! -e "$srcPath" ] && [ ! -L "$srcPath" ]; then continue; fi
            if [ "$dstOut" = REMOVE ]; then
                echo "Removing $srcPath"
                rm -r "$srcPath"
            else
                local dstPath="$dstOut${srcPath#"${!output}"}"
                echo "Moving $srcPath to $dstPath"
                if [ -d "$dstPath" ] && [ -d "$srcPath" ]; then
                    rmdir "$srcPath" --ignore-fail-on-non-empty
                    if [ -d "$srcPath" ]; then
                        mv -t "$dstPath" "$srcPath"/*
                        rmdir "$srcPath"
                    fi
                else
                    mkdir -p "$(readlink -m "$dstPath/..")"
                    mv "$srcPath" "$dstPath"
                fi
            fi
            local srcParent
            srcParent="$(readlink -m "$srcPath/..")"
            if [ -n "$(find "$srcParent" -maxdepth 0 -type d -empty 2>/dev/null)" ]; then
                rmdir -p --ignore-fail-on-non-empty "$srcParent" 2>/dev/null || true
            fi
        done
    done
}

_multioutConfig() {
    if [ "$(getAllOutputNames)" = "out" ] || [ -z "${setOutputFlags-1}" ]; then return; fi
    local confScript="${configureScript:-}"
    if [ -z "$confScript" ] && [ -x ./configure ]; then confScript=./configure; fi
    if [ -z "$confScript" ]; then return; fi
    if [ -z "${shareDocName:-}" ]; then
        if [ -f "$confScript" ]; then
            shareDocName="$(sed -n "s/^PACKAGE_TARNAME='\(.*\)'$/\1/p" <"$confScript")"
        fi
        if [ -z "${shareDocName:-}" ] || echo "$shareDocName" | grep -q '[^a-zA-Z0-9_-]'; then
            shareDocName="$(echo "$name" | sed 's/-[^a-zA-Z].*//')"
        fi
    fi
    prependToVar configureFlags \
        --bindir="${!outputBin}"/bin --sbindir="${!outputBin}"/sbin \
        --includedir="${!outputInclude}"/include \
        --mandir="${!outputMan}"/share/man --infodir="${!outputInfo}"/share/info \
        --docdir="${!outputDoc}"/share/doc/"${shareDocName}" \
        --libdir="${!outputLib}"/lib --libexecdir="${!outputLib}"/libexec \
        --localedir="${!outputLib}"/share/locale
}

_multioutDocs() {
    local REMOVE=REMOVE
    moveToOutput share/info "${!outputInfo}"
    moveToOutput share/doc "${!outputDoc}"
    moveToOutput share/man "${!outputMan}"
    moveToOutput share/man/man3 "${!outputDevman}"
}

_multioutDevs() {
    if [ "$(getAllOutputNames)" = "out" ] || [ -z "${moveToDev-1}" ]; then return; fi
    moveToOutput include "${!outputInclude}"
    moveToOutput lib/pkgconfig "${!outputDev}"
    moveToOutput share/pkgconfig "${!outputDev}"
    moveToOutput lib/cmake "${!outputDev}"
    moveToOutput share/aclocal "${!outputDev}"
}

# The dev output propagates the other outputs, as in nixpkgs.
_multioutPropagateDev() {
    if [ "$(getAllOutputNames)" = "out" ]; then return; fi
    local outputFirst
    for outputFirst in $(getAllOutputNames); do break; done
    local propagaterOutput="$outputDev"
    if [ -z "$propagaterOutput" ]; then propagaterOutput="$outputFirst"; fi
    if [ -z "${propagatedBuildOutputs+1}" ]; then
        local po_dirty="$outputBin $outputInclude $outputLib"
        set +o pipefail
        propagatedBuildOutputs=$(echo "$po_dirty" | tr -s ' ' '\n' | grep -v -F "$propagaterOutput" | sort -u | tr '\n' ' ')
        set -o pipefail
    fi
    if [ -z "$propagatedBuildOutputs" ] || [ ! -e "${!propagaterOutput}" ]; then return; fi
    mkdir -p "${!propagaterOutput}/nix-support"
    local output
    for output in $propagatedBuildOutputs; do
        if [ -e "${!output}" ]; then
            echo -n " ${!output}" >>"${!propagaterOutput}/nix-support/propagated-build-inputs"
        fi
    done
}

# ----------------------------------------------------------- the inputs ----
# Every input path (build inputs arrive already expanded to their bin, dev and
# lib outputs by mkDerivation) contributes its bin/ to PATH, include/ and lib/
# to the compiler flags, and its nix-support/setup-hook is sourced.

declare -a envHooks=()
declare -A _inputsSeen=()
declare -A _inputOffset=()
_allInputs=()

_addInput() {
    local p="$1" hostOffset="$2"
    if [ -n "${_inputsSeen[$p]:-}" ]; then return; fi
    _inputsSeen[$p]=1
    if [ ! -e "$p" ]; then
        echo "build input $p does not exist" >&2
        return 1
    fi
    _allInputs+=("$p")
    _inputOffset[$p]="$hostOffset"
    if [ -f "$p" ]; then
        source "$p"
        return
    fi
    if [ -f "$p/nix-support/setup-hook" ]; then
        # The dependency's offsets, as nixpkgs' setup hooks expect them while
        # they are sourced (-1 0: a nativeBuildInput, 0 1: a buildInput).
        local targetOffset=$((hostOffset + 1))
        source "$p/nix-support/setup-hook"
    fi
    local q
    if [ -f "$p/nix-support/propagated-build-inputs" ]; then
        for q in $(<"$p/nix-support/propagated-build-inputs"); do
            _addInput "$q" "$hostOffset"
        done
    fi
    # What an input propagates for building runs on the build platform.
    if [ -f "$p/nix-support/propagated-native-build-inputs" ]; then
        for q in $(<"$p/nix-support/propagated-native-build-inputs"); do
            _addInput "$q" -1
        done
    fi
}

_activateInput() {
    local p="$1" hostOffset="$2"
    # strictDeps (on for cross and static builds): only build-platform inputs
    # (nativeBuildInputs) put their bin/ on PATH, as in nixpkgs.
    if [ -z "${strictDeps:-}" ] || [ "$hostOffset" -le -1 ]; then
        addToSearchPath _PATH "$p/bin"
    fi
    if [ -d "$p/include" ]; then
        export NIX_CFLAGS_COMPILE="${NIX_CFLAGS_COMPILE:-} -isystem $p/include"
    fi
    if [ -d "$p/lib" ]; then
        export NIX_LDFLAGS="${NIX_LDFLAGS:-} -L$p/lib"
    fi
    addToSearchPath PKG_CONFIG_PATH "$p/lib/pkgconfig"
    addToSearchPath PKG_CONFIG_PATH "$p/share/pkgconfig"
    local hook
    for hook in "${envHooks[@]}"; do
        _eval "$hook" "$p"
    done
}

_PATH=""
# Store paths have no spaces: a list attribute is a string or (structured
# attrs) an array, and ${name[*]} gives its words either way.
for _p in ${defaultNativeBuildInputs[*]:-} ${nativeBuildInputs[*]:-} ${propagatedNativeBuildInputs[*]:-}; do
    _addInput "$_p" -1
done
for _p in ${buildInputs[*]:-} ${propagatedBuildInputs[*]:-}; do
    _addInput "$_p" 0
done
for _p in "${_allInputs[@]}"; do
    _activateInput "$_p" "${_inputOffset[$_p]}"
done
unset _p

# initialPath: packages whose bin/ follow the inputs', as in nixpkgs ("/"
# stands for the root directory).
for _p in $initialPath; do
    if [ "$_p" = / ]; then _p=; fi
    addToSearchPath _PATH "$_p/bin"
done
PATH="$_PATH"
export PATH
_stdenvPath="$PATH"
unset _PATH

# nix-shell prepends the directory of NIX_BUILD_SHELL to PATH after sourcing
# this file; with the host's /bin/bash that would put host /bin (with the
# unwrapped cc) first. Put the environment's own directories back in front
# before the shell hook runs (runHook shellHook runs shellHooks too).
_hostpkgsShellPath() {
    PATH="$_stdenvPath:$PATH"
    export PATH
}
if [ -n "${IN_NIX_SHELL:-}" ]; then
    shellHooks+=(_hostpkgsShellPath)
fi
export NIX_CFLAGS_COMPILE="${NIX_CFLAGS_COMPILE:-}"
export NIX_LDFLAGS="${NIX_LDFLAGS:-}"

# The package's own library directory goes into every link's RUNPATH, so a
# program finds the libraries its package installs beside it: nixpkgs'
# multiple-outputs.sh does it for the output that gets lib/
# (`_addRpathPrefix "${!outputLib}"`, in place of setup.sh's `-rpath
# $out/lib`), unless NIX_NO_SELF_RPATH=1. The fixup phase's `patchelf
# --shrink-rpath` drops it again from every file that needs nothing there.
if [ "${NIX_NO_SELF_RPATH:-0}" != 1 ]; then
    export NIX_LDFLAGS="-rpath ${!outputLib}/lib ${NIX_LDFLAGS}"
fi

# Allow the caller to augment buildInputs.
runHook preHook
runHook addInputsHook

# ---------------------------------------------------------------- phases ----

unpackPhase() {
    runHook preUnpack
    if [ -z "${srcs[*]:-}" ]; then
        if [ -z "${src:-}" ]; then
            echo 'variable $src or $srcs should point to the source' >&2
            return 1
        fi
        srcs="$src"
    fi
    local -a srcsArray=()
    concatTo srcsArray srcs
    local dirsBefore="" i
    for i in *; do
        if [ -d "$i" ]; then dirsBefore="$dirsBefore $i "; fi
    done
    for i in "${srcsArray[@]}"; do
        unpackFile "$i"
    done
    : "${sourceRoot=}"
    if [ -n "${setSourceRoot:-}" ]; then
        runHook setSourceRoot
    elif [ -z "$sourceRoot" ]; then
        for i in *; do
            if [ -d "$i" ]; then
                case $dirsBefore in
                    *\ $i\ *) ;;
                    *)
                        if [ -n "$sourceRoot" ]; then
                            echo "unpacker produced multiple directories" >&2
                            return 1
                        fi
                        sourceRoot="$i"
                        ;;
                esac
            fi
        done
    fi
    if [ -z "$sourceRoot" ]; then
        echo "unpacker appears to have produced no directories" >&2
        return 1
    fi
    echo "source root is $sourceRoot"
    if [ -z "${dontMakeSourcesWritable:-}" ]; then
        chmod -R u+w -- "$sourceRoot"
    fi
    runHook postUnpack
}

unpackFile() {
    curSrc="$1"
    echo "unpacking source archive $curSrc"
    if [ -d "$curSrc" ]; then
        local destination
        destination="$(stripHash "$curSrc")"
        if [ -e "$destination" ]; then
            echo "Cannot copy $curSrc to $destination: destination already exists!" >&2
            return 1
        fi
        cp -r --preserve=mode,timestamps --reflink=auto -- "$curSrc" "$destination"
    else
        case "$curSrc" in
            *.tar | *.tar.* | *.tgz | *.tbz2 | *.tbz | *.txz)
                tar xf "$curSrc" --mode=+w --warning=no-timestamp
                ;;
            *.zip)
                /usr/bin/python3 -m zipfile -e "$curSrc" .
                ;;
            *)
                echo "do not know how to unpack source archive $curSrc" >&2
                return 1
                ;;
        esac
    fi
}

patchPhase() {
    runHook prePatch
    local -a patchesArray=() flagsArray=()
    concatTo patchesArray patches
    concatTo flagsArray patchFlags=-p1
    local i
    for i in "${patchesArray[@]}"; do
        echo "applying patch $i"
        case "$i" in
            *.gz) gzip -d <"$i" | patch "${flagsArray[@]}" ;;
            *.xz) xz -d <"$i" | patch "${flagsArray[@]}" ;;
            *) patch "${flagsArray[@]}" <"$i" ;;
        esac
    done
    runHook postPatch
}

configurePhase() {
    runHook preConfigure
    : "${configureScript=}"
    if [[ -z "$configureScript" && -x ./configure ]]; then
        configureScript=./configure
    fi
    if [ -n "$configureScript" ]; then
        if [ -z "${dontAddPrefix:-}" ] && [ -n "$prefix" ]; then
            prependToVar configureFlags "${prefixKey:---prefix=}$prefix"
        fi
        if [ -z "${dontDisableStatic:-}" ] && grep -q enable-static "$configureScript" 2>/dev/null; then
            prependToVar configureFlags --disable-static
        fi
        local -a flagsArray=()
        concatTo flagsArray configureFlags configureFlagsArray
        echoCmd 'configure flags' "${flagsArray[@]}"
        $configureScript "${flagsArray[@]}"
    else
        echo "no configure script, doing nothing"
    fi
    runHook postConfigure
}

_hasMakefile() {
    [ -n "${makefile:-}" ] || [ -e Makefile ] || [ -e makefile ] || [ -e GNUmakefile ]
}

buildPhase() {
    runHook preBuild
    if ! _hasMakefile; then
        echo "no Makefile or custom buildPhase, doing nothing"
    else
        local -a flagsArray=(
            ${enableParallelBuilding:+-j${NIX_BUILD_CORES}}
            SHELL="$SHELL"
        )
        concatTo flagsArray makeFlags makeFlagsArray buildFlags buildFlagsArray
        echoCmd 'build flags' "${flagsArray[@]}"
        make ${makefile:+-f $makefile} "${flagsArray[@]}"
    fi
    runHook postBuild
}

checkPhase() {
    runHook preCheck
    if ! _hasMakefile; then
        echo "no Makefile or custom checkPhase, doing nothing"
        runHook postCheck
        return
    fi
    if [ -z "${checkTarget:-}" ]; then
        if make -n ${makefile:+-f $makefile} check >/dev/null 2>&1; then
            checkTarget=check
        elif make -n ${makefile:+-f $makefile} test >/dev/null 2>&1; then
            checkTarget=test
        fi
    fi
    if [ -z "${checkTarget:-}" ]; then
        echo "no check/test target in ${makefile:-Makefile}, doing nothing"
    else
        local -a flagsArray=(
            ${enableParallelChecking:+-j${NIX_BUILD_CORES}}
            SHELL="$SHELL"
        )
        concatTo flagsArray makeFlags makeFlagsArray checkFlags=VERBOSE=y checkFlagsArray checkTarget
        echoCmd 'check flags' "${flagsArray[@]}"
        make ${makefile:+-f $makefile} "${flagsArray[@]}"
    fi
    runHook postCheck
}

installPhase() {
    runHook preInstall
    if ! _hasMakefile; then
        echo "no Makefile or custom installPhase, doing nothing"
        runHook postInstall
        return
    fi
    if [ -n "$prefix" ]; then
        mkdir -p "$prefix"
    fi
    local -a flagsArray=(
        ${enableParallelInstalling:+-j${NIX_BUILD_CORES}}
        SHELL="$SHELL"
    )
    concatTo flagsArray makeFlags makeFlagsArray installFlags installFlagsArray installTargets=install
    echoCmd 'install flags' "${flagsArray[@]}"
    make ${makefile:+-f $makefile} "${flagsArray[@]}"
    runHook postInstall
}

# Strip debug information (an unstripped binary references its sources and
# compiler through DWARF) from ELF files of one output, like nixpkgs' strip.sh.
_doStrip() {
    if [ -n "${dontStrip:-}" ]; then return; fi
    local dirs="${stripDebugList[*]:-lib lib32 lib64 libexec bin sbin}"
    local d f
    for d in $dirs; do
        [ -e "$prefix/$d" ] || continue
        while IFS= read -r -d '' f; do
            if isELF "$f"; then
                "${STRIP:-strip}" ${stripDebugFlags:--S} -p "$f" 2>/dev/null || true
            fi
        done < <(find "$prefix/$d" -type f -print0)
    done
    if [ -n "${stripAllList[*]:-}" ]; then
        for d in ${stripAllList[*]}; do
            [ -e "$prefix/$d" ] || continue
            while IFS= read -r -d '' f; do
                if isELF "$f"; then "${STRIP:-strip}" ${stripAllFlags:--s} -p "$f" 2>/dev/null || true; fi
            done < <(find "$prefix/$d" -type f -print0)
        done
    fi
}

# Like the setup hook of nixpkgs' patchelf (in every stdenv): drop from the
# RUNPATH of each ELF file the directories that hold none of the libraries it
# needs (or do not exist here, like a build directory outside the sandbox).
patchELF() {
    local dir="$1" i
    [ -e "$dir" ] || return 0
    echo "shrinking RPATHs of ELF executables and libraries in $dir"
    while IFS= read -r -d '' i; do
        if [[ "$i" =~ .build-id ]]; then continue; fi
        if ! isELF "$i"; then continue; fi
        echo "shrinking $i"
        patchelf --shrink-rpath "$i" 2>/dev/null || true
    done < <(find "$dir" -type f -print0)
}
_patchELFOutput() {
    if [ -z "${dontPatchELF:-}" ]; then patchELF "$prefix"; fi
}

# nixpkgs moves doc/man/info under share/ before splitting outputs.
_moveToShare() {
    local d
    for d in doc man info; do
        if [ -d "$prefix/$d" ]; then
            if [ -d "$prefix/share/$d" ]; then
                echo "both $d/ and share/$d/ exist!" >&2
            else
                mkdir -p "$prefix/share"
                mv "$prefix/$d" "$prefix/share/$d"
            fi
        fi
    done
}

# separateDebugInfo (mkDerivation adds the `debug` output): the debug info of
# every ELF file with a build id goes to $debug/lib/debug/.build-id/xx/rest.debug
# before stripping, as nixpkgs' separate-debug-info.sh does.
_separateDebugInfo() {
    local output f id
    mkdir -p "$debug/lib/debug"
    for output in $(getAllOutputNames); do
        [ "$output" = debug ] && continue
        [ -e "${!output}" ] || continue
        while IFS= read -r -d '' f; do
            isELF "$f" || continue
            id="$("${READELF:-/usr/bin/readelf}" -n "$f" 2>/dev/null | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p' | head -n1)"
            [ ${#id} -gt 2 ] || continue
            mkdir -p "$debug/lib/debug/.build-id/${id:0:2}"
            "${OBJCOPY:-/usr/bin/objcopy}" --only-keep-debug "$f" "$debug/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
        done < <(find "${!output}" -type f -print0)
    done
}

fixupPhase() {
    local output
    for output in $(getAllOutputNames); do
        if [ -e "${!output}" ]; then chmod -R u+w,u-s,g-s "${!output}"; fi
    done
    if [ -n "${separateDebugInfo:-}" ]; then _separateDebugInfo; fi
    runHook preFixup
    for output in $(getAllOutputNames); do
        prefix="${!output}" runHook fixupOutput
    done
    if [ -n "${propagatedBuildInputs[*]:-}" ]; then
        mkdir -p "${!outputDev}/nix-support"
        printf '%s' "${propagatedBuildInputs[*]}" >"${!outputDev}/nix-support/propagated-build-inputs"
    fi
    if [ -n "${propagatedNativeBuildInputs[*]:-}" ]; then
        mkdir -p "${!outputDev}/nix-support"
        printf '%s' "${propagatedNativeBuildInputs[*]}" >"${!outputDev}/nix-support/propagated-native-build-inputs"
    fi
    if [ -n "${setupHook:-}" ]; then
        mkdir -p "${!outputDev}/nix-support"
        substitute "$setupHook" "${!outputDev}/nix-support/setup-hook" --subst-var-by out "$out"
    fi
    runHook postFixup
}

installCheckPhase() {
    runHook preInstallCheck
    if ! _hasMakefile; then
        echo "no Makefile or custom installCheckPhase, doing nothing"
    elif [ -z "${installCheckTarget:-}" ] && ! make -n ${makefile:+-f $makefile} installcheck >/dev/null 2>&1; then
        echo "no installcheck target in ${makefile:-Makefile}, doing nothing"
    else
        local -a flagsArray=(SHELL="$SHELL")
        concatTo flagsArray makeFlags makeFlagsArray installCheckFlags installCheckFlagsArray \
            installCheckTarget=installcheck
        echoCmd 'installcheck flags' "${flagsArray[@]}"
        make ${makefile:+-f $makefile} "${flagsArray[@]}"
    fi
    runHook postInstallCheck
}

distPhase() {
    runHook preDist
    echo "distPhase: not supported by hostpkgs, doing nothing"
    runHook postDist
}

showPhaseHeader() { echo "Running phase: $1"; }

runPhase() {
    local curPhase="$*"
    if [[ "$curPhase" = unpackPhase && -n "${dontUnpack:-}" ]]; then return; fi
    if [[ "$curPhase" = patchPhase && -n "${dontPatch:-}" ]]; then return; fi
    if [[ "$curPhase" = configurePhase && -n "${dontConfigure:-}" ]]; then return; fi
    if [[ "$curPhase" = buildPhase && -n "${dontBuild:-}" ]]; then return; fi
    if [[ "$curPhase" = checkPhase && -z "${doCheck:-}" ]]; then return; fi
    if [[ "$curPhase" = installPhase && -n "${dontInstall:-}" ]]; then return; fi
    if [[ "$curPhase" = fixupPhase && -n "${dontFixup:-}" ]]; then return; fi
    if [[ "$curPhase" = installCheckPhase && -z "${doInstallCheck:-}" ]]; then return; fi
    if [[ "$curPhase" = distPhase && -z "${doDist:-}" ]]; then return; fi
    showPhaseHeader "$curPhase"
    # The phase is either a variable holding shell code or a function.
    if [ -n "${!curPhase:-}" ]; then
        eval "${!curPhase}"
    else
        "$curPhase"
    fi
    if [ "$curPhase" = unpackPhase ]; then
        [ -n "${sourceRoot:-}" ] && chmod +x -- "${sourceRoot}"
        cd -- "${sourceRoot:-.}"
    fi
}

genericBuild() {
    if [ -f "${buildCommandPath:-}" ]; then
        source "$buildCommandPath"
        return
    fi
    if [ -n "${buildCommand:-}" ]; then
        eval "$buildCommand"
        return
    fi
    if [ -z "${phases[*]:-}" ]; then
        phases="${prePhases[*]:-} unpackPhase patchPhase ${preConfigurePhases[*]:-} \
            configurePhase ${preBuildPhases[*]:-} buildPhase checkPhase \
            ${preInstallPhases[*]:-} installPhase ${preFixupPhases[*]:-} fixupPhase installCheckPhase \
            ${preDistPhases[*]:-} distPhase ${postPhases[*]:-}"
    fi
    local phase
    for phase in ${phases[*]}; do
        runPhase "$phase"
    done
}

# ------------------------------------------------------------- defaults ----

for _output in $(getAllOutputNames); do
    export "$_output=${!_output:-/nix-shell-output-$_output}"
done
unset _output
if [ -n "${out:-}" ]; then
    : "${prefix:=$out}"
else
    _firstOutput="$(getAllOutputNames)"
    _firstOutput="${_firstOutput%% *}"
    : "${prefix:=${!_firstOutput}}"
    unset _firstOutput
fi

declare -a makeFlagsArray=() buildFlagsArray=() checkFlagsArray=() installFlagsArray=() \
    installCheckFlagsArray=() configureFlagsArray=() 2>/dev/null || true
preConfigureHooks+=(_multioutConfig)
preFixupHooks+=(_moveToShare _multioutDocs _multioutDevs)
fixupOutputHooks+=(_patchELFOutput _doStrip)
postFixupHooks+=(_multioutPropagateDev)

runHook postHook

# As nixpkgs' setup.sh: -u only while setting up; phases and hooks run with
# the shell's own options (the builder's -e), so a phase may read a variable
# the derivation does not set.
[[ $_hostpkgsSetOriginal == *u* ]] || set +u
unset _hostpkgsSetOriginal
