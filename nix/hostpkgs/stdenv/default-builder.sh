# With __structuredAttrs the attributes are not in the environment: they are
# in .attrs.sh, which comes first (as in nixpkgs' default-builder.sh).
if [ -f .attrs.sh ]; then
    source .attrs.sh
fi
source "$stdenv/setup"
genericBuild
