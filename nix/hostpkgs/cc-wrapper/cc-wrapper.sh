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
# As nixpkgs' ld-wrapper collects them: library search directories (-L) in
# order, and the file names of the shared libraries the link names (-lNAME
# → libNAME.so, or a store .so given by path).
libDirs=()
declare -A libs=()
named=() # the NAMEs of -lNAME, as the link names them
prev=""
for arg in "$@"; do
    case "$prev" in
        -L) libDirs+=("$arg") ;;
        -l)
            libs["lib$arg.so"]=1
            named+=("$arg")
            ;;
    esac
    case "$arg" in
        -c | -S | -E | -M | -MM) dontLink=1 ;;
        -static | -static-pie) isStatic=1 ;;
        -shared) isShared=1 ;;
        -L?*) libDirs+=("${arg#-L}") ;;
        -l?*)
            libs["lib${arg#-l}.so"]=1
            named+=("${arg#-l}")
            ;;
        "${NIX_STORE:-/nix/store}"/*.so | "${NIX_STORE:-/nix/store}"/*.so.*)
            libDirs+=("${arg%/*}")
            libs["${arg##*/}"]=1
            ;;
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
            -l?*)
                libs["lib${f#-l}.so"]=1
                extraAfter+=("$f")
                ;;
            -rpath)
                i=$((i + 1))
                extraAfter+=("-Wl,-rpath,${ldFlags[$i]}")
                ;;
            *) extraAfter+=("-Wl,$f") ;;
        esac
        i=$((i + 1))
    done
    # nixpkgs' compilers search only the store: a library the link names is
    # on the -L path (the inputs' lib/, added by their setup, or the
    # project's own directories), or it is the C library's or the
    # compiler's own. The host driver would also search the host's library
    # directories (/usr/lib/<multiarch>, where Debian's -dev packages put
    # libz.so …): a library found only there fails as ld fails in nixpkgs,
    # so that a forgotten input fails the link (and configure's checks) here
    # too, instead of linking a library the image will not have.
    for name in "${named[@]}"; do
        case "$name" in
            c | m | pthread | dl | rt | util | resolv | anl | mvec | BrokenLocale | c_nonshared) continue ;;
            gcc | gcc_s | gcc_eh | stdc++ | stdc++fs | supc++ | atomic | gomp | quadmath | ssp | ssp_nonshared) continue ;;
            asan | ubsan | tsan | lsan | hwasan | itm | :*) continue ;;
        esac
        found=
        for dir in "${libDirs[@]}"; do
            if [ -e "$dir/lib$name.so" ] || [ -e "$dir/lib$name.a" ]; then
                found=1
                break
            fi
        done
        if [ -z "$found" ]; then
            echo "ld: cannot find -l$name: No such file or directory (hostpkgs: only the -L path of the inputs and the project is searched, as in nixpkgs; the host's lib$name.so is not used)" >&2
            exit 1
        fi
    done
    if [ "$isStatic" = 0 ]; then
        libcLib=@libcLib@
        if [ -n "$libcLib" ]; then
            if [ "$isShared" = 0 ]; then
                extraAfter+=("-Wl,--dynamic-linker=@dynamicLinker@")
            fi
            # nixpkgs' ld-wrapper: unless NIX_DONT_SET_RPATH=1, every store
            # directory on the library search path that holds a shared
            # library the link names goes into the RUNPATH, in search-path
            # order (directories outside the store never do). The C library
            # (and, for C++, the compiler's runtime) come first here because
            # the driver adds -lc/-lstdc++ itself, below this wrapper.
            if [ "${NIX_DONT_SET_RPATH:-}" != 1 ]; then
                rpaths=("$libcLib")
                for r in @extraRpath@; do rpaths+=("$r"); done
                for dir in "${libDirs[@]}"; do
                    dir="$(realpath -s "$dir" 2>/dev/null)" || continue
                    case "$dir" in
                        "${NIX_STORE:-/nix/store}"/*) ;;
                        *) continue ;;
                    esac
                    for path in "$dir"/*; do
                        if [ -n "${libs[${path##*/}]:-}" ]; then
                            rpaths+=("$dir")
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
fi

if [ -n "${NIX_DEBUG:-}" ]; then
    echo "hostpkgs cc-wrapper: $prog ${extraBefore[*]} $* ${extraAfter[*]}" >&2
fi
exec "$prog" "${extraBefore[@]}" "$@" "${extraAfter[@]}"
