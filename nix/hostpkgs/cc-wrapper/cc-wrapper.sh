#!/bin/bash
# hostpkgs cc-wrapper: runs a host compiler driver and, when it links, points
# the result at the C library in the Nix store (interpreter + RUNPATH), so a
# binary's store closure is complete. Compile flags come from
# NIX_CFLAGS_COMPILE, link flags from NIX_LDFLAGS (ld syntax, as in nixpkgs).
# Substituted at build time: @prog@ @linkMode@ @dynamicLinker@ @libcLib@
# @extraRpath@.
set -eu -o pipefail

prog=@prog@
linkMode=@linkMode@ # dynamic | static

# Informational invocations pass straight through.
if [ "$#" -eq 1 ]; then
    case "$1" in
        -v | --version | --help | -dumpversion | -dumpfullversion | -dumpmachine | -dumpspecs | -print-*)
            exec "$prog" "$1"
            ;;
    esac
fi

dontLink=0
isStatic=0
isShared=0
[ "$linkMode" = static ] && isStatic=1
libDirs=()
libNames=()
prev=""
for arg in "$@"; do
    case "$prev" in
        -L) libDirs+=("$arg") ;;
        -l) libNames+=("$arg") ;;
    esac
    case "$arg" in
        -c | -S | -E | -M | -MM) dontLink=1 ;;
        -static | -static-pie) isStatic=1 ;;
        -shared) isShared=1 ;;
        -L?*) libDirs+=("${arg#-L}") ;;
        -l?*) libNames+=("${arg#-l}") ;;
    esac
    prev="$arg"
done

extraBefore=()
extraAfter=()
# shellcheck disable=SC2206
compileFlags=(${NIX_CFLAGS_COMPILE:-})
extraAfter+=("${compileFlags[@]}")

if [ "$dontLink" = 0 ]; then
    if [ "$isStatic" = 1 ]; then
        extraBefore+=(-static)
    fi
    # NIX_LDFLAGS holds linker (ld) arguments; hand them to the driver.
    # shellcheck disable=SC2206
    ldFlags=(${NIX_LDFLAGS:-})
    i=0
    while [ "$i" -lt "${#ldFlags[@]}" ]; do
        f="${ldFlags[$i]}"
        case "$f" in
            -L?*)
                libDirs+=("${f#-L}")
                extraAfter+=("$f")
                ;;
            -l?*) extraAfter+=("$f") ;;
            -rpath)
                i=$((i + 1))
                extraAfter+=("-Wl,-rpath,${ldFlags[$i]}")
                ;;
            *) extraAfter+=("-Wl,$f") ;;
        esac
        i=$((i + 1))
    done
    if [ "$isStatic" = 0 ]; then
        libcLib=@libcLib@
        if [ -n "$libcLib" ]; then
            if [ "$isShared" = 0 ]; then
                extraAfter+=("-Wl,--dynamic-linker=@dynamicLinker@")
            fi
            rpaths=("$libcLib")
            for r in @extraRpath@; do rpaths+=("$r"); done
            # Like nixpkgs' ld-wrapper: a store library directory goes into the
            # RUNPATH only if a library named with -l is found there.
            for name in "${libNames[@]}"; do
                for dir in "${libDirs[@]}"; do
                    case "$dir" in
                        "${NIX_STORE:-/nix/store}"/*) ;;
                        *) continue ;;
                    esac
                    if [ -e "$dir/lib$name.so" ]; then
                        rpaths+=("$dir")
                        break
                    elif [ -e "$dir/lib$name.a" ]; then
                        break
                    fi
                done
            done
            declare -A seen=()
            for r in "${rpaths[@]}"; do
                if [ -z "${seen[$r]:-}" ]; then
                    seen[$r]=1
                    extraAfter+=("-Wl,-rpath,$r")
                fi
            done
        fi
    fi
fi

if [ -n "${NIX_DEBUG:-}" ]; then
    echo "hostpkgs cc-wrapper: $prog ${extraBefore[*]} $* ${extraAfter[*]}" >&2
fi
exec "$prog" "${extraBefore[@]}" "$@" "${extraAfter[@]}"
