# autoreconfHook as nixpkgs offers it (pkgs/by-name/au/autoreconfHook): a
# setup hook (./setup-hook.sh) that propagates autoconf, automake, gettext
# and libtool, the host's programs linked into the store.
{
  makeSetupHook,
  autoconf,
  automake,
  gettext,
  libtool,
}:
makeSetupHook {
  name = "autoreconf-hook";
  propagatedBuildInputs = [
    autoconf
    automake
    gettext
    libtool
  ];
} ./setup-hook.sh
