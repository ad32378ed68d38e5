# hostpkgs' autoreconfHook: before configure, regenerate the build system of a
# tree that ships configure.ac (and Makefile.am) but no configure, as
# nixpkgs' autoreconfHook does (tests/data/nixpkgs-interface.json,
# setupHooks.autoreconfHook): the phase autoreconfPhase is appended to
# preConfigurePhases (appendToVar: a string, or an array under structured
# attrs) and runs autoreconf between the preAutoreconf and postAutoreconf
# hooks. Its arguments: autoreconfFlags when that variable is set at all
# (concatTo: a string is split into words, an array keeps its elements; set
# but empty means no arguments), else --install --force --verbose.
appendToVar preConfigurePhases autoreconfPhase

autoreconfPhase() {
    runHook preAutoreconf
    local -a _autoreconfArgs=()
    if [[ -v autoreconfFlags ]]; then
        concatTo _autoreconfArgs autoreconfFlags
    else
        _autoreconfArgs=(--install --force --verbose)
    fi
    autoreconf "${_autoreconfArgs[@]}"
    runHook postAutoreconf
}
