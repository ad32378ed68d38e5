# nixbuild's overlay inspection (nixbuild overlay list | check | why).
#
# Imports the project's generated .nixbuild/pkgs.nix twice for one target:
# with the overlays up to and including overlay `index` ("with") and with
# those before it ("without"), and reports the attributes the overlay
# returns (`builtins.attrNames (overlay final prev)` with final = "with" and
# prev = "without") and, in mode "check", each one's drvPath on both sides.
# Every argument is a string (--argstr); lists come as JSON.
{
  generated, # absolute path of .nixbuild
  target,
  buildSystem,
  files, # JSON list: absolute paths of every applied overlay, in order
  index, # JSON integer: the overlay under inspection
  mode ? "names", # "names" | "check" | "force" | "outputs"
  attr ? "", # "force": an attribute; "outputs": the attribute path whose output paths to report
}:
let
  paths = builtins.fromJSON files;
  i = builtins.fromJSON index;
  overlays = map (f: import (/. + f)) paths;
  pkgsWith =
    os:
    import (/. + generated + "/pkgs.nix") {
      inherit target buildSystem;
      overlays = os;
    };
  before = builtins.genList (k: builtins.elemAt overlays k) i;
  withSet = pkgsWith (before ++ [ (builtins.elemAt overlays i) ]);
  withoutSet = pkgsWith before;
  names = builtins.attrNames ((builtins.elemAt overlays i) withSet withoutSet);

  # A derivation's drvPath; "absent", "not-a-derivation", or false when evaluating it throws.
  probe =
    set: name:
    let
      r = builtins.tryEval (
        if !(builtins.hasAttr name set) then
          "absent"
        else
          let
            v = builtins.getAttr name set;
          in
          if builtins.isAttrs v && v ? drvPath then v.drvPath else "not-a-derivation"
      );
    in
    if r.success then r.value else false;

  select = set: path: builtins.foldl' (s: n: s.${n}) set (builtins.filter builtins.isString (builtins.split "\\." path));
  outputsOf =
    set:
    let
      r = builtins.tryEval (
        let
          v = select set attr;
        in
        map (o: v.${o}.outPath) (v.outputs or [ "out" ])
      );
    in
    if r.success then r.value else false;
in
if mode == "names" then
  { inherit names; }
else if mode == "check" then
  {
    inherit names;
    attrs = map (n: {
      name = n;
      "with" = probe withSet n;
      without = probe withoutSet n;
    }) names;
  }
else if mode == "force" then
  { drvPath = (builtins.getAttr attr withSet).drvPath; }
else
  { outputs = outputsOf (pkgsWith overlays); }
