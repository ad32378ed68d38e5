# Exported like nixpkgs' cc-wrapper and bintools-wrapper setup hooks do
# (targetPrefix is empty for native builds).
export NIX_CC=@out@
export CC=@targetPrefix@cc
# nixpkgs' compilers always have C++; here only when the host has the C++
# compiler for the target (no musl C++ on the host: CXX stays unset there
# rather than naming a program that does not exist).
if [ -e "@out@/bin/@targetPrefix@c++" ]; then
    export CXX=@targetPrefix@c++
fi
export CPP="@targetPrefix@cc -E"
export AR=@targetPrefix@ar
export AS=@targetPrefix@as
export LD=@targetPrefix@ld
export NM=@targetPrefix@nm
export OBJCOPY=@targetPrefix@objcopy
export OBJDUMP=@targetPrefix@objdump
export RANLIB=@targetPrefix@ranlib
export READELF=@targetPrefix@readelf
export SIZE=@targetPrefix@size
export STRINGS=@targetPrefix@strings
export STRIP=@targetPrefix@strip
