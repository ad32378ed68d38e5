# nixbuild overlay: cross-shared-cacert
#
# What it fixes: cross and static images carry their own copy of the
# architecture-independent CA bundle. In a cross or static package set,
# `cacert` (the Mozilla CA bundle that nixbuild puts into images through
# dockerTools.caCertificates) is a separate derivation per target although
# its files are the same on every architecture: each target builds its own
# copy (not in the binary cache for most cross sets), and the images of one
# multi-arch index carry different store paths, hence different layers, for
# identical certificates. This overlay takes `cacert` from buildPackages (the
# build machine's native set) in those sets, so every target shares one
# cacert store path and layer. cacert's outputs (`out`, `unbundled`) hold
# only data. (tzdata is deliberately not included: its `bin` and `dev`
# outputs hold programs and a library for the host platform.)
# Interaction: overlays apply to every stage (as nixpkgs applies `overlays`),
# so a project overlay that modifies `cacert` changes the native cacert and
# then, in a cross set, this shared one again: make such changes idempotent
# (set values, do not append), or switch nixbuild's overlays off.
#
# Targets: cross and static targets (the set's hostPlatform differs from its
# buildPlatform); native sets are unchanged.
# Upstream: none; nixpkgs builds every package per host platform by design.
# Switch off with `[nixpkgs] nixbuild-overlays = false`.
final: prev:
prev.lib.optionalAttrs (prev.stdenv.hostPlatform.config != prev.stdenv.buildPlatform.config) {
  cacert = final.buildPackages.cacert;
}
