# The bintools of the package set's compiler, as nixpkgs' bintools-wrapper
# setup hook exports it: tools such as autoPatchelfHook read the dynamic
# linker and the C library from $NIX_BINTOOLS/nix-support.
export NIX_BINTOOLS=@out@
