# buildEnv: a tree of symlinks to the `pathsToLink` parts of `paths`, with
# the user-facing arguments of nixpkgs' pkgs/build-support/buildenv.
# Collisions are an error unless ignoreCollisions.
{ lib, runCommand }:
lib.makeOverridable (
  {
    # name, or pname and version (nixpkgs' buildEnv takes either).
    name ? null,
    pname ? null,
    version ? null,
    paths,
    # More mkDerivation arguments (nixpkgs: e.g. nativeBuildInputs for postBuild).
    derivationArgs ? { },
    ignoreCollisions ? false,
    checkCollisionContents ? true,
    postBuild ? "",
    extraOutputsToInstall ? [ ],
    extraPrefix ? "",
    pathsToLink ? [ "/" ],
    buildInputs ? [ ],
    nativeBuildInputs ? [ ],
    meta ? { },
    passthru ? { },
    manifest ? "",
    ignoreSingleFileOutputs ? false,
    includeClosures ? false,
    ...
  }:
  let
    drvName =
      if name != null then
        name
      else if pname != null && version != null then
        "${pname}-${version}"
      else
        throw "buildEnv: set `name`, or `pname` and `version`";
    chosenOutputs = lib.concatMap (
      drv:
      if lib.isDerivation drv && !(drv.outputSpecified or false) then
        map (o: drv.${o}) (
          lib.filter (o: drv ? ${o}) (
            lib.unique ((drv.meta.outputsToInstall or [ (drv.outputName or "out") ]) ++ extraOutputsToInstall)
          )
        )
      else
        [ drv ]
    ) (lib.filter (p: p != null) paths);
  in
  if includeClosures then
    throw "buildEnv (${drvName}): includeClosures is not yet supported in hostpkgs"
  else
    runCommand drvName
      (derivationArgs // {
        inherit
          meta
          passthru
          buildInputs
          nativeBuildInputs
          extraPrefix
          postBuild
          ;
        paths = map toString chosenOutputs;
        inherit pathsToLink;
        ignoreCollisions = if ignoreCollisions then "1" else "";
        passAsFile = [ "postBuild" ];
        preferLocalBuild = derivationArgs.preferLocalBuild or true;
        allowSubstitutes = derivationArgs.allowSubstitutes or false;
      })
      ''
        target="$out$extraPrefix"
        mkdir -p "$target"
        for p in $paths; do
          for sub in $pathsToLink; do
            src="$p''${sub%/}"
            [ -d "$src" ] || continue
            (cd "$src" && find . -mindepth 1 \( -type f -o -type l \) -print0) |
              while IFS= read -r -d "" rel; do
                rel="''${rel#./}"
                dst="$target''${sub%/}/$rel"
                if [ -e "$dst" ] || [ -L "$dst" ]; then
                  if [ -z "$ignoreCollisions" ] && ! cmp -s "$dst" "$src/$rel"; then
                    echo "buildEnv: collision between $(readlink "$dst") and $src/$rel" >&2
                    exit 1
                  fi
                  continue
                fi
                mkdir -p "$(dirname "$dst")"
                ln -s "$src/$rel" "$dst"
              done
          done
        done
        source "$postBuildPath"
      ''
)
