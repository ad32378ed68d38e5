# Shell functions for packages imported from the host's Debian files (see
# host-import.nix). Sourced by their builders after $stdenv/setup; needs
# `glibcLib` (the store glibc's lib directory) and patchelf on PATH.
#
# Host binaries name /lib64/ld-linux-x86-64.so.2 as interpreter and find
# their libraries in /usr/lib/x86_64-linux-gnu. These functions re-point
# them at the store: interpreter = the store glibc's ld.so, RUNPATH = only
# the store directories that hold a library the file needs. A needed library
# that the store glibc lacks is copied from the host into a directory of the
# package (hostElfBundleLibs), so the closure is complete and no ELF file
# refers to /usr or /lib.

hostLibDir=/usr/lib/x86_64-linux-gnu
# The interpreter hostElfFix writes; a package for another CPU sets it to its
# store glibc's loader before calling hostElfFix.
hostLoader="${hostLoader:-$glibcLib/ld-linux-x86-64.so.2}"

# hostElfBundleLibs DEST FILE...: copy every library the FILEs need
# (transitively) that is neither in the store glibc nor already in DEST from
# the host into DEST.
hostElfBundleLibs() {
    local dest="$1"
    shift
    local -a queue=("$@")
    local f n
    mkdir -p "$dest"
    while ((${#queue[@]})); do
        f="${queue[0]}"
        queue=("${queue[@]:1}")
        for n in $(patchelf --print-needed "$f"); do
            if [ -e "$glibcLib/$n" ] || [ -e "$dest/$n" ]; then continue; fi
            if [ ! -e "$hostLibDir/$n" ]; then
                echo "hostElfBundleLibs: $n (needed by $f) is not in $hostLibDir" >&2
                return 1
            fi
            echo "bundling host library $n (needed by ${f##*/})"
            cp -L "$hostLibDir/$n" "$dest/$n"
            chmod 0555 "$dest/$n"
            queue+=("$dest/$n")
        done
    done
}

# hostElfFix FILE DIR...: point FILE's interpreter (if it has one) at the
# store glibc and its RUNPATH at those of DIR... and the store glibc that
# hold a library it needs. Fails if a needed library is in none of them.
hostElfFix() {
    local file="$1"
    shift
    local -a dirs=("$@" "$glibcLib") rpath=()
    local n d found
    chmod u+w "$file"
    if patchelf --print-interpreter "$file" >/dev/null 2>&1; then
        patchelf --set-interpreter "$hostLoader" "$file"
    fi
    for n in $(patchelf --print-needed "$file"); do
        found=""
        for d in "${dirs[@]}"; do
            if [ -e "$d/$n" ]; then
                found="$d"
                break
            fi
        done
        if [ -z "$found" ]; then
            echo "hostElfFix: $n (needed by $file) is in none of: ${dirs[*]}" >&2
            return 1
        fi
        case " ${rpath[*]} " in
            *" $found "*) ;;
            *) rpath+=("$found") ;;
        esac
    done
    local IFS=:
    if ((${#rpath[@]})); then
        patchelf --set-rpath "${rpath[*]}" "$file"
    else
        patchelf --remove-rpath "$file"
    fi
}

# hostElfCheck DIR...: every dynamically linked ELF file below DIR... has a
# store interpreter, a RUNPATH inside the store, and finds each needed
# library there. Run last, so a package never leaves the build half-patched.
hostElfCheck() {
    local f interp rp n d ok
    local -a rpdirs
    while IFS= read -r -d '' f; do
        isELF "$f" || continue
        # Static executables have no dynamic section: nothing to check.
        patchelf --print-needed "$f" >/dev/null 2>&1 || continue
        if interp="$(patchelf --print-interpreter "$f" 2>/dev/null)"; then
            case "$interp" in
                "$NIX_STORE"/*) ;;
                *)
                    echo "hostElfCheck: $f: interpreter $interp is outside the store" >&2
                    return 1
                    ;;
            esac
        fi
        rp="$(patchelf --print-rpath "$f")"
        IFS=: read -r -a rpdirs <<<"$rp"
        for d in "${rpdirs[@]}"; do
            case "$d" in
                "$NIX_STORE"/*) ;;
                *)
                    echo "hostElfCheck: $f: RUNPATH entry $d is outside the store" >&2
                    return 1
                    ;;
            esac
        done
        for n in $(patchelf --print-needed "$f"); do
            ok=""
            for d in "${rpdirs[@]}"; do
                if [ -e "$d/$n" ]; then ok=1; fi
            done
            if [ -z "$ok" ]; then
                echo "hostElfCheck: $f: needed library $n is not in its RUNPATH ($rp)" >&2
                return 1
            fi
        done
    done < <(find "$@" -type f -print0)
}
