# What the package set has: the package-set attribute paths nixbuild.toml
# names ([package] inputs, [image] extra, [image] forbid).
#
#   facts PATH   whether the set has it (null: it does not evaluate for this
#                target), the names beside the deepest part that exists (for
#                close matches), and the outputs of the value and of its
#                parent (for "openssl.out"); nixbuild explains a refused entry
#                with them (nixbuild/pkgset.py).
#   check ASKED VALUE
#                VALUE when every entry passes, else an evaluation error; the
#                generated default.nix wraps `package` and `image` in it, so a
#                wrong entry never builds, and the check costs no evaluation
#                of its own (nixbuild runs `facts` only to explain a failure).
#                ASKED = { inputs = [ PATH … ]; extra = [ … ]; forbid = [ … ]; }
#                with each PATH a list of attribute names.
#
# The rules (nixbuild/pkgset.py decides the same from `facts`): an input or a
# forbid entry fails when the set does not have it (one that does not evaluate
# for this target passes); an extra entry passes only when it names an output
# of a derivation ("openssl.out", not "openssl").
{ pkgs }:
let
  inherit (pkgs) lib;
  outs = v: if lib.isDerivation v then v.outputs or [ "out" ] else null;
  parentOf = p: builtins.genList (builtins.elemAt p) (builtins.length p - 1);
  has = p: builtins.tryEval (lib.hasAttrByPath p pkgs);
  deepest = p: if p == [ ] || (has p).value or false then p else deepest (parentOf p);
  namesAt =
    p:
    let
      v = builtins.tryEval (lib.attrByPath p null pkgs);
    in
    if v.success && builtins.isAttrs v.value then
      (
        if lib.isDerivation v.value then
          v.value.outputs or [ "out" ] ++ builtins.attrNames v.value
        else
          builtins.attrNames v.value
      )
    else
      [ ];
  facts =
    p:
    let
      found = has p;
      exists = found.success && found.value;
      deep = deepest p;
      value = builtins.tryEval (outs (lib.attrByPath p null pkgs));
      parent = builtins.tryEval (outs (lib.attrByPath (parentOf p) null pkgs));
    in
    {
      found = if found.success then found.value else null;
      near = if exists then [ ] else map (n: builtins.concatStringsSep "." (deep ++ [ n ])) (namesAt deep);
      outputs = if exists && value.success then value.value else null;
      parentOutputs = if parent.success then parent.value else null;
    };
  present = p: (facts p).found != false;
  isOutput =
    p:
    let
      parents = (facts p).parentOutputs;
    in
    p != [ ] && parents != null && builtins.elem (lib.last p) parents;
  passes =
    asked:
    builtins.all present asked.inputs && builtins.all isOutput asked.extra && builtins.all present asked.forbid;
in
{
  inherit facts;
  check =
    asked: value:
    if passes asked then
      value
    else
      throw "nixbuild: nixbuild.toml names a package-set attribute that this package set lacks, or a package where [image] extra needs an output; run nixbuild to see which";
}
