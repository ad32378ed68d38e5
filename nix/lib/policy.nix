# Closure policy helpers: the store paths an image must not contain.
# Used by the generated image.nix; the result goes to disallowedRequisites.
{ lib }:
{
  # The package-set attributes named by `paths` (each a list of attribute
  # names, e.g. [ "stdenv" "cc" ]); names the package set lacks, or that do
  # not evaluate for this platform, are skipped.
  attributes =
    pkgs: paths:
    let
      lookup =
        path:
        let
          found = builtins.tryEval (
            let
              value = lib.attrByPath path null pkgs;
            in
            if value == null then null else builtins.seq value.outPath value
          );
        in
        if found.success then found.value else null;
    in
    lib.filter (x: x != null) (map lookup paths);

  # The `names` outputs (e.g. [ "dev" "man" "doc" ]) of the package and of its
  # direct inputs, where they have them.
  outputsOf =
    package: names:
    let
      drvs =
        [ package ]
        ++ (package.buildInputs or [ ])
        ++ (package.nativeBuildInputs or [ ])
        ++ (package.propagatedBuildInputs or [ ]);
      pick = drv: map (name: drv.${name}) (lib.filter (name: builtins.elem name (drv.outputs or [ ])) names);
    in
    lib.unique (lib.concatMap pick (lib.filter lib.isDerivation drvs));

  # The store paths forbidden by a policy: `entries` are package-set attribute
  # paths ("bash", "stdenv.cc") and "@<output>" classes ("@dev": the dev
  # outputs of the package and of its inputs).
  forbidden =
    pkgs: package: entries:
    let
      self = import ./policy.nix { inherit lib; };
      classes = lib.filter (lib.hasPrefix "@") entries;
      attrs = lib.filter (e: !(lib.hasPrefix "@" e)) entries;
    in
    self.attributes pkgs (map (lib.splitString ".") attrs)
    ++ self.outputsOf package (map (lib.removePrefix "@") classes);

  # Each entry with the store paths it forbids (for explaining a violation).
  resolve =
    pkgs: package: entries:
    let
      self = import ./policy.nix { inherit lib; };
    in
    map (entry: {
      inherit entry;
      paths = map toString (self.forbidden pkgs package [ entry ]);
    }) entries;
}
