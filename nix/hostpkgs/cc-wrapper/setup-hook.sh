# Exported like nixpkgs' cc-wrapper and bintools-wrapper setup hooks do
# (targetPrefix is empty for native builds).
export CC=@targetPrefix@cc
export CXX=@targetPrefix@c++
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
