# hostpkgs' autoreconfHook: before configure, regenerate the build system of a
# tree that ships configure.ac (and Makefile.am) but no configure, as
# nixpkgs' autoreconfHook does: the phase autoreconfPhase, added to
# preConfigurePhases, runs `autoreconf $autoreconfFlags` (default
# `--install --force`) between the preAutoreconf and postAutoreconf hooks.
preConfigurePhases+=" autoreconfPhase"

autoreconfPhase() {
    runHook preAutoreconf
    # shellcheck disable=SC2086 # the flags are words, as nixpkgs passes them
    autoreconf ${autoreconfFlags:---install --force}
    runHook postAutoreconf
}
