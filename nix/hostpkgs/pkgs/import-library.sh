# The builder of a library imported from Debian packages (./import-library.nix
# explains the steps). Sourced in installPhase after ./host-elf.sh; reads the
# derivation's attributes: debianPackages ("root|package|list file" each),
# triplet, debianLibDirs, mapRules, excludes, links, moves, places,
# pkgConfigWrite, renames, archivesOutput,
# pkgConfigLibdir, importStatic, glibcLib, hostLoader, depLibDirs.

# _debianToPrefix PATH: where a file Debian installed at PATH goes in the
# install prefix (relative), or fail when the package does not take it.
_debianToPrefix() {
    local p="$1" rule from rest
    for rule in $mapRules; do
        from="${rule%%=*}"
        case "$p" in
            "$from"*)
                echo "${rule#*=}${p#"$from"}"
                return 0
                ;;
        esac
    done
    case "$p" in
        /usr/lib/"$triplet"/*) echo "lib/${p#/usr/lib/"$triplet"/}" ;;
        /lib/"$triplet"/*) echo "lib/${p#/lib/"$triplet"/}" ;;
        /usr/include/"$triplet"/*) echo "include/${p#/usr/include/"$triplet"/}" ;;
        /usr/include/*) echo "include/${p#/usr/include/}" ;;
        /usr/bin/* | /bin/*) echo "bin/${p##*/}" ;;
        /usr/sbin/* | /sbin/*) echo "sbin/${p##*/}" ;;
        /usr/share/doc/*/*)
            # Each Debian package's /usr/share/doc/<package> is the
            # package's share/doc/<pname> (the first file of a name wins).
            rest="${p#/usr/share/doc/*/}"
            echo "share/doc/$pname/$rest"
            ;;
        /usr/share/lintian/* | /usr/share/bug/* | /usr/share/doc-base/* | /usr/share/doc/*) return 1 ;;
        /usr/share/*) echo "share/${p#/usr/share/}" ;;
        *) return 1 ;;
    esac
}

# _importPath ROOT PATH STAGE: copy one listed file (or symlink) into STAGE.
_importPath() {
    local root="$1" path="$2" stage="$3" src rel dst target abs trel
    src="$root$path"
    # Debian 12 has merged /usr: /bin, /sbin and /lib are links into /usr,
    # and the build sandbox shows only /usr.
    case "$path" in
        /bin/* | /sbin/* | /lib/*)
            if [ ! -e "$src" ] && [ ! -L "$src" ]; then src="$root/usr$path"; fi
            ;;
    esac
    if [ -d "$src" ] && [ ! -L "$src" ]; then return 0; fi
    # dpkg's path-exclude settings may have left a listed file out.
    if [ ! -e "$src" ] && [ ! -L "$src" ]; then return 0; fi
    rel="$(_debianToPrefix "$path")" || return 0
    dst="$stage/$rel"
    if [ -e "$dst" ] || [ -L "$dst" ]; then return 0; fi
    mkdir -p "$(dirname "$dst")"
    if [ -L "$src" ]; then
        target="$(readlink "$src")"
        case "$target" in
            /*) abs="$target" ;;
            *) abs="$(realpath -ms "$(dirname "$path")/$target")" ;;
        esac
        if ! trel="$(_debianToPrefix "$abs")"; then
            echo "not importing $path -> $target (the target is outside the package's files)"
            return 0
        fi
        ln -s "$(realpath -ms --relative-to="$(dirname "$dst")" "$stage/$trel")" "$dst"
    else
        cp "$src" "$dst"
        chmod u+w "$dst"
    fi
}

importLibraryInstall() {
    local stage="$NIX_BUILD_TOP/stage" entry root name list path pattern f m o
    mkdir -p "$stage"
    for entry in $debianPackages; do
        IFS='|' read -r root name list <<<"$entry"
        echo "importing Debian package $name ($list)"
        while IFS= read -r path; do
            _importPath "$root" "$path" "$stage"
        done <"$list"
    done

    for pattern in $excludes; do
        for f in "$stage"/$pattern; do
            if [ -e "$f" ] || [ -L "$f" ]; then
                echo "excluding ${f#"$stage"/}"
                rm -rf "$f"
            fi
        done
    done

    for m in $places; do
        if [ -e "$stage/${m%%=*}" ]; then
            mkdir -p "$stage/$(dirname "${m#*=}")"
            mv "$stage/${m%%=*}" "$stage/${m#*=}"
        fi
    done

    for m in $links; do
        if [ -e "$stage/$(dirname "${m%%=*}")/${m#*=}" ] && [ ! -e "$stage/${m%%=*}" ]; then
            ln -s "${m#*=}" "$stage/${m%%=*}"
        fi
    done

    if [ -n "$importStatic" ]; then
        # pkgsStatic: --disable-shared builds no shared objects, and Debian's
        # programs are dynamically linked against glibc.
        rm -rf "$stage/bin" "$stage/sbin"
        if [ -d "$stage/lib" ]; then
            find "$stage/lib" \( -name '*.so' -o -name '*.so.*' \) \( -type f -o -type l \) -delete
        fi
        for m in $renames; do
            if [ -e "$stage/${m%%=*}" ]; then mv "$stage/${m%%=*}" "$stage/${m#*=}"; fi
        done
    elif [ -z "$archivesOutput" ] && [ -d "$stage/lib" ]; then
        # nixpkgs' configure runs with --disable-static.
        find "$stage/lib" -maxdepth 1 -name '*.a' -delete
    fi

    # As nixpkgs' configure flags place them (multiple-outputs.sh).
    if [ -d "$stage/bin" ]; then mkdir -p "${!outputBin}" && mv "$stage/bin" "${!outputBin}/bin"; fi
    if [ -d "$stage/sbin" ]; then mkdir -p "${!outputBin}" && mv "$stage/sbin" "${!outputBin}/sbin"; fi
    if [ -d "$stage/lib" ]; then mkdir -p "${!outputLib}" && mv "$stage/lib" "${!outputLib}/lib"; fi
    mkdir -p "$out"
    cp -a "$stage/." "$out/"
    rm -rf "$stage"

    if [ -n "$archivesOutput" ]; then
        moveToOutput "lib/*.a" "${!archivesOutput}"
    fi
    for m in $moves; do
        o="${m#*=}"
        moveToOutput "${m%%=*}" "${!o}"
    done
    for o in $outputs; do mkdir -p "${!o}"; done
    for m in $pkgConfigWrite; do
        mkdir -p "${!outputDev}/lib/pkgconfig"
        cp "${m#*=}" "${!outputDev}/lib/pkgconfig/${m%%=*}"
        chmod u+w "${!outputDev}/lib/pkgconfig/${m%%=*}"
    done
}

# _storeText FILE: rewrite Debian's /usr paths in a pkg-config file, CMake
# file or *-config script to the outputs' store paths.
_storeText() {
    local file="$1" libdir="$2"
    sed -i \
        -e "s|^prefix\( *\)=.*|prefix\1=\1$out|" \
        -e "s|^exec_prefix\( *\)=.*|exec_prefix\1=\1\${prefix}|" \
        -e "s|^libdir\( *\)=.*|libdir\1=\1$libdir/lib|" \
        -e "s|^sharedlibdir\( *\)=.*|sharedlibdir\1=\1\${libdir}|" \
        -e "s|^includedir\( *\)=.*|includedir\1=\1${!outputInclude}/include|" \
        -e "s|\${_IMPORT_PREFIX}/lib/$triplet|$libdir/lib|g" \
        -e "s|\${_IMPORT_PREFIX}/include|${!outputInclude}/include|g" \
        -e "s|/usr/lib/$triplet|$libdir/lib|g" \
        -e "s|/usr/include/$triplet|${!outputInclude}/include|g" \
        -e "s|/usr/include|${!outputInclude}/include|g" \
        -e "s|/usr/share|$out/share|g" \
        "$file"
}

importLibraryFixup() {
    local o f pc libdir d
    # moveToOutput removes directories it leaves empty, an output's own
    # included; every output exists, as nixpkgs requires.
    for o in $outputs; do mkdir -p "${!o}"; done
    # pkg-config files: every path names an output in the store.
    for f in "${!outputDev}"/lib/pkgconfig/*.pc "${!outputDev}"/share/pkgconfig/*.pc; do
        if [ ! -f "$f" ] || [ -L "$f" ]; then continue; fi
        libdir="${!outputLib}"
        for pc in $pkgConfigLibdir; do
            if [ "${f##*/}" = "${pc%%=*}" ]; then
                o="${pc#*=}"
                libdir="${!o}"
            fi
        done
        _storeText "$f" "$libdir"
        if grep -n '/usr' "$f"; then
            echo "error: ${f##*/} still names /usr after the import" >&2
            exit 1
        fi
    done
    for f in "${!outputDev}"/lib/cmake/*/*.cmake "${!outputDev}"/bin/*-config; do
        if [ -f "$f" ] && [ ! -L "$f" ] && ! isELF "$f"; then _storeText "$f" "${!outputLib}"; fi
    done

    if [ -n "$importStatic" ]; then
        for o in $outputs; do
            if find "${!o}" -type f \( -name '*.so' -o -name '*.so.*' \) | grep -q .; then
                echo "error: pkgsStatic output $o has shared objects" >&2
                exit 1
            fi
        done
        return 0
    fi

    # ELF files: the store's loader, RUNPATH into the store only. The debug
    # output's files (objcopy --only-keep-debug) are never run nor patched.
    local -a elves=() dirs=() lookIn=() queue=()
    for o in $outputs; do
        if [ "$o" = debug ]; then continue; fi
        while IFS= read -r -d '' f; do
            if isELF "$f" && patchelf --print-needed "$f" >/dev/null 2>&1; then elves+=("$f"); fi
        done < <(find "${!o}" -type f -print0)
    done
    for o in $outputs; do
        for d in "${!o}/lib" "${!o}/lib/engines-3" "${!o}/lib/ossl-modules"; do
            if [ -d "$d" ]; then dirs+=("$d"); fi
        done
    done
    for d in $depLibDirs; do dirs+=("$d"); done
    dirs+=("$glibcLib")

    # Libraries none of those directories has come from Debian's multiarch
    # directories, copied into $outputLib/lib.
    local bundle="${!outputLib}/lib" n found
    queue=("${elves[@]}")
    while ((${#queue[@]})); do
        f="${queue[0]}"
        queue=("${queue[@]:1}")
        for n in $(patchelf --print-needed "$f"); do
            found=""
            for d in "${dirs[@]}"; do
                if [ -e "$d/$n" ]; then found=1; break; fi
            done
            if [ -n "$found" ]; then continue; fi
            for d in $debianLibDirs; do
                if [ -e "$d/$n" ]; then found="$d/$n"; break; fi
            done
            if [ -z "$found" ]; then
                echo "error: $n (needed by ${f#"$NIX_STORE"/}) is in no store directory and not in Debian's ${debianLibDirs// /, }" >&2
                exit 1
            fi
            mkdir -p "$bundle"
            echo "bundling Debian's $n (needed by ${f##*/}) into ${bundle#"$NIX_STORE"/}"
            cp -L "$found" "$bundle/$n"
            chmod 0555 "$bundle/$n"
            elves+=("$bundle/$n")
            queue+=("$bundle/$n")
            case " ${dirs[*]} " in *" $bundle "*) ;; *) dirs=("$bundle" "${dirs[@]}") ;; esac
        done
    done

    for f in "${elves[@]}"; do
        chmod u+w "$f"
        hostElfFix "$f" "${dirs[@]}"
    done
    local -a outPaths=()
    for o in $outputs; do if [ "$o" != debug ]; then outPaths+=("${!o}"); fi; done
    hostElfCheck "${outPaths[@]}"
}
