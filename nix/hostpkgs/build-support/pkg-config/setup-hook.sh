# Like nixpkgs' pkg-config wrapper setup hook: the build's pkg-config
# (the inputs' lib/pkgconfig and share/pkgconfig are on PKG_CONFIG_PATH
# through the stdenv's setup).
export PKG_CONFIG=@targetPrefix@pkg-config
