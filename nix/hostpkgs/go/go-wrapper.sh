#!/bin/bash
# hostpkgs go: the host's Go with the defaults nixpkgs' go has built in.
#
# nixpkgs builds its go for one target platform, which becomes the default
# of GOOS, GOARCH and GOARM, and links dynamically linked programs (cgo)
# against the store's C library. The host's Go has the host's defaults and
# writes the host's loader (/lib64/ld-linux-x86-64.so.2) as interpreter; this
# wrapper supplies the target's defaults and, when a build links for that
# target with a C library, passes the store loader (-I) and the library's
# directory (-r: the host's glibc loader does not search the store on its
# own, nixpkgs' does) to the Go linker ahead of the build's own -ldflags.
# Substituted at build time: @goBin@ @GOOS@ @GOARCH@ @GOARM@
# @dynamicLinker@ @libcLib@.
set -u

export GOOS="${GOOS:-@GOOS@}"
export GOARCH="${GOARCH:-@GOARCH@}"
if [ -n "@GOARM@" ] && [ "$GOARCH" = arm ]; then
    export GOARM="${GOARM:-@GOARM@}"
fi
# Go ≥ 1.21 would download another toolchain for a newer `go` line in
# go.mod; nixpkgs forbids that (GOTOOLCHAIN=local), and so does this one.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

loaderFlags=""
if [ -n "@dynamicLinker@" ] && [ "$GOOS" = "@GOOS@" ] && [ "$GOARCH" = "@GOARCH@" ]; then
    loaderFlags="-I @dynamicLinker@ -r @libcLib@"
fi

case "${1:-}" in
    build | install | run | test) ;;
    *) loaderFlags="" ;;
esac

if [ -z "$loaderFlags" ]; then
    exec @goBin@ "$@"
fi

# Prepend the loader flags to the (last) -ldflags, or add one.
args=("$1")
shift
found=0
while [ "$#" -gt 0 ]; do
    case "$1" in
        -ldflags=* | --ldflags=*)
            args+=("-ldflags=$loaderFlags ${1#*=}")
            found=1
            ;;
        -ldflags | --ldflags)
            if [ "$#" -gt 1 ]; then
                args+=("-ldflags=$loaderFlags $2")
                shift
            else
                args+=("$1")
            fi
            found=1
            ;;
        --)
            break
            ;;
        *)
            args+=("$1")
            ;;
    esac
    shift
done
if [ "$found" = 0 ]; then
    args=("${args[0]}" "-ldflags=$loaderFlags" "${args[@]:1}")
fi
exec @goBin@ "${args[@]}" "$@"
