# Shell mode: the artifact into the package's output, and a record of what
# the fix-up changed. Sourced by .nixbuild/package.nix's installPhase (any
# stdenv: nixpkgs' or hostpkgs'); uses patchelf, which every stdenv has.
#
# $artifacts: store copies of the [package] artifact entries, in order;
# $program: the program's name; $out, $fixup: the outputs.

# nixbuildInstallArtifacts: a lone file is the program (bin/$program); else a
# directory holding bin/, lib/ or share/ is merged into $out, a file named
# *.so or *.so.* goes to lib/, an executable file to bin/, and anything else
# (data files, other directories) to share/$pname/. A library whose SONAME
# differs from its file name gets a SONAME link, as ldconfig would make.
nixbuildInstallArtifacts() {
    local -a entries
    read -r -a entries <<<"$artifacts"
    local e name d
    mkdir -p "$out"
    for e in "${entries[@]}"; do
        if [ -L "$e" ] && [ ! -e "$e" ]; then
            echo "nixbuild: artifact $(stripHash "$e") is a dangling symbolic link" >&2
            return 1
        elif [ ! -e "$e" ]; then
            echo "nixbuild: $e was not built: it is not in the build tree after the build" >&2
            return 1
        fi
    done
    if [ "${#entries[@]}" -eq 1 ] && [ -f "${entries[0]}" ]; then
        install -D -m 0755 "${entries[0]}" "$out/bin/$program"
    else
        for e in "${entries[@]}"; do
            name="$(stripHash "$e")"
            if [ -d "$e" ]; then
                local tree=""
                for d in bin lib share; do
                    if [ -d "$e/$d" ]; then
                        tree=1
                        mkdir -p "$out/$d"
                        cp -R --no-preserve=ownership "$e/$d/." "$out/$d/"
                    fi
                done
                if [ -z "$tree" ]; then
                    mkdir -p "$out/share/$pname"
                    cp -R --no-preserve=ownership "$e" "$out/share/$pname/$name"
                fi
            else
                case "$name" in
                    *.so | *.so.*) d=lib ;;
                    *) if [ -x "$e" ]; then d=bin; else d="share/$pname"; fi ;;
                esac
                if [ -e "$out/$d/$name" ]; then
                    echo "nixbuild: two artifact entries are installed as $d/$name" >&2
                    return 1
                fi
                install -D -m "$([ -x "$e" ] && echo 0755 || echo 0644)" "$e" "$out/$d/$name"
            fi
        done
    fi
    chmod -R u+w "$out"
    local f soname
    if [ -d "$out/lib" ]; then
        while IFS= read -r -d '' f; do
            isELF "$f" || continue
            soname="$(patchelf --print-soname "$f" 2>/dev/null)" || continue
            if [ -n "$soname" ] && [ "$soname" != "${f##*/}" ] && [ ! -e "${f%/*}/$soname" ]; then
                echo "nixbuild: ${f#"$out"/} has SONAME $soname: linking it"
                ln -s "${f##*/}" "${f%/*}/$soname"
            fi
        done < <(find "$out/lib" -type f -print0)
    fi
    if [ ! -x "$out/bin/$program" ]; then
        echo "nixbuild: the artifact has no program bin/$program; installed:" >&2
        (cd "$out" && find . -type f | sort >&2)
        return 1
    fi
}

# An ELF file's interpreter, RUNPATH (or RPATH) and needed libraries (":"-
# separated), joined by the unit separator (a tab would merge empty fields).
_nixbuildElfState() {
    local f="$1" interp rpath needed
    interp="$(patchelf --print-interpreter "$f" 2>/dev/null)" || interp=""
    rpath="$(patchelf --print-rpath "$f" 2>/dev/null)" || rpath=""
    needed="$(patchelf --print-needed "$f" 2>/dev/null | paste -sd: -)" || needed=""
    printf '%s\x1f%s\x1f%s' "$interp" "$rpath" "$needed"
}

# preFixup: remember every ELF file's state before stdenv's fixup and
# autoPatchelfHook change it; the record is written after them.
nixbuildRecordBefore() {
    declare -gA nixbuildBefore=()
    local f
    while IFS= read -r -d '' f; do
        isELF "$f" || continue
        nixbuildBefore["${f#"$out"/}"]="$(_nixbuildElfState "$f")"
    done < <(find "$out" -type f -print0)
    # Registered now, so it runs after autoPatchelfHook's own postFixup hook.
    postFixupHooks+=(nixbuildRecordAfter)
}

# $fixup/elf.tsv: for each ELF file of $out (sorted), tab-separated:
# path, interpreter before, after, RUNPATH before, after, needed before, after.
nixbuildRecordAfter() {
    mkdir -p "$fixup"
    local rel ib rb nb ia ra na
    {
        for rel in "${!nixbuildBefore[@]}"; do
            IFS=$'\x1f' read -r ib rb nb <<<"${nixbuildBefore[$rel]}"
            IFS=$'\x1f' read -r ia ra na <<<"$(_nixbuildElfState "$out/$rel")"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rel" "$ib" "$ia" "$rb" "$ra" "$nb" "$na"
        done
    } | LC_ALL=C sort >"$fixup/elf.tsv"
}
