# The project's source as a store path: everything under `root` except
# nixbuild's own outputs, result links and version-control metadata, so that
# regenerating .nixbuild/ or building never changes the source hash.
{
  # The project directory (a path).
  root,
  # Name of the resulting store path.
  name,
  # Names excluded at the top of the project.
  excludeTop ? [
    ".nixbuild"
    "nixbuild-result"
    "result"
  ],
  # Names excluded at any depth.
  excludeAnywhere ? [
    ".git"
    ".hg"
    ".svn"
  ],
}:
let
  rootString = toString root;
  prefixLength = builtins.stringLength rootString + 1;
  relative = path: builtins.substring prefixLength (builtins.stringLength path) path;
in
builtins.path {
  inherit name;
  path = root;
  filter =
    path: type:
    !(builtins.elem (relative path) excludeTop) && !(builtins.elem (baseNameOf path) excludeAnywhere);
}
