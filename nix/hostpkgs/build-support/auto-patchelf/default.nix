# autoPatchelfHook with nixpkgs' interface (a setup hook for
# nativeBuildInputs; see README.md here): hostpkgs' own auto-patchelf, run
# with the host's python3 and pyelftools. Like nixpkgs' hook it propagates
# the package set's bintools, whose nix-support/dynamic-linker and orig-libc
# it reads through $NIX_BINTOOLS.
{ stdenvNoCC, binutils }:
stdenvNoCC.mkDerivation {
  name = "auto-patchelf-hook";
  hook = ./setup-hook.sh;
  script = ./auto-patchelf.py;
  python = "/usr/bin/python3";
  inherit binutils;
  buildCommand = ''
    if ! "$python" -c 'import elftools' 2>/dev/null; then
      echo "error: autoPatchelfHook needs pyelftools for $python (hint: apt-get install python3-pyelftools)" >&2
      exit 1
    fi
    mkdir -p "$out/nix-support" "$out/share/auto-patchelf"
    cp "$script" "$out/share/auto-patchelf/auto-patchelf.py"
    substitute "$hook" "$out/nix-support/setup-hook" \
      --subst-var-by python "$python -B" \
      --subst-var-by script "$out/share/auto-patchelf/auto-patchelf.py"
    echo -n "$binutils" > "$out/nix-support/propagated-native-build-inputs"
  '';
  meta.description = "hostpkgs' autoPatchelfHook (nixpkgs' interface; host python3 + pyelftools)";
}
