# The nixpkgs releases nixbuild supports (./window.json), checked before
# nixpkgs is imported, from files only, so that an unsupported pin or a Nix
# too old for it fails with one line naming the window instead of nixpkgs'
# own error (README, "Supported nixpkgs and Nix").
#
# Every failure is `throw "nixbuild: <what>: <message> (hint: <hint>)"`;
# nixbuild turns such a line into its own error (nixbuild/window.py).
let
  window = builtins.fromJSON (builtins.readFile ./window.json);
  inherit (window) oldest newest;
  span = "nixbuild supports nixpkgs ${oldest} … ${newest}";

  fileOr = path: default: if builtins.pathExists path then builtins.readFile path else default;
  trim = s: builtins.head (builtins.match "[[:space:]]*([^[:space:]]*)[[:space:]]*" s);
  majorMinor = v: builtins.concatStringsSep "." (builtins.genList (builtins.elemAt (builtins.splitVersion v)) 2);
  older = a: b: builtins.compareVersions a b < 0;
  # The newest release of the window whose nixpkgs this Nix can evaluate.
  newestFor =
    nixVersion:
    let
      ok = builtins.filter (
        r: !(older nixVersion (maxVersion window.releases.${r}.nixpkgs-minimum-nix))
      ) (builtins.attrNames window.releases);
    in
    if ok == [ ] then null else builtins.foldl' (a: b: if older a b then b else a) (builtins.head ok) ok;
  maxVersion = v: if older v window.nixbuild-minimum-nix then window.nixbuild-minimum-nix else v;
  # lib.functionArgs: a function's formals, also through a functor
  # (lib.makeOverridable, lib.setFunctionArgs).
  functionArgs =
    f: if f ? __functor then f.__functionArgs or (functionArgs (f.__functor f)) else builtins.functionArgs f;
in
rec {
  inherit oldest newest;

  # What a nixpkgs tree says about itself: its release (lib/.version, the
  # value of lib.trivial.release), the Nix its lib/minver.nix asks for
  # (nixpkgs up to 25.05) and the conditions of lib/minfeatures.nix (25.11 on)
  # that this Nix does not meet.
  facts =
    nixpkgs:
    let
      versionText = fileOr (nixpkgs + "/lib/.version") (fileOr (nixpkgs + "/.version") "");
      release = if versionText == "" then null else majorMinor (trim versionText);
      minver = if builtins.pathExists (nixpkgs + "/lib/minver.nix") then import (nixpkgs + "/lib/minver.nix") else null;
      features =
        if builtins.pathExists (nixpkgs + "/lib/minfeatures.nix") then import (nixpkgs + "/lib/minfeatures.nix") else null;
      known = if release != null then window.releases.${release} or null else null;
      nixpkgsMinimum =
        if minver != null then
          minver
        else if known != null then
          known.nixpkgs-minimum-nix
        else
          null;
    in
    {
      inherit release nixpkgsMinimum;
      # What this Nix must be at least for nixpkgs and for nixbuild's own code.
      minimumNix = maxVersion (if nixpkgsMinimum == null then "0" else nixpkgsMinimum);
      missingFeatures = if features == null then [ ] else map (f: f.description) features.missing;
      nixVersion = builtins.nixVersion;
      supported = release != null && !(older release oldest);
    };

  # nixpkgs itself when nixbuild supports it and this Nix can evaluate it;
  # otherwise one line saying which and what to do.
  check =
    nixpkgs:
    let
      f = facts nixpkgs;
      where = toString nixpkgs;
      fallback = newestFor builtins.nixVersion;
      nixTooOld = older builtins.nixVersion f.minimumNix || f.missingFeatures != [ ];
    in
    if f.release == null then
      throw "nixbuild: unsupported nixpkgs: ${where} has no lib/.version, so it is not nixpkgs or is older than ${oldest}; ${span} (hint: pin a supported nixpkgs, e.g. nixbuild lock --url https://github.com/NixOS/nixpkgs/archive/nixos-${newest}.tar.gz)"
    else if !f.supported then
      throw "nixbuild: unsupported nixpkgs: nixpkgs ${f.release} is older than nixbuild supports; ${span} (hint: pin a newer one, e.g. nixbuild lock --url https://github.com/NixOS/nixpkgs/archive/nixos-${newest}.tar.gz)"
    else if nixTooOld then
      throw "nixbuild: Nix too old: nixpkgs ${f.release} needs Nix ${f.minimumNix} or newer${
        if f.missingFeatures == [ ] then "" else " (" + builtins.concatStringsSep "; " f.missingFeatures + ")"
      } and this is Nix ${builtins.nixVersion}; ${span} (hint: upgrade Nix to ${f.minimumNix} or newer${
        if fallback == null then "" else ", or pin nixpkgs ${fallback}, the newest release this Nix evaluates"
      })"
    else
      nixpkgs;

  # The arguments nixbuild passes to a nixpkgs function, checked against what
  # it takes (functionArgs; a function that hides its arguments is not
  # checked), and the attributes nixbuild reads from its result.
  checkArgs =
    what: f: args:
    let
      takes = functionArgs f;
      missing = builtins.filter (a: !(takes ? ${a})) (builtins.attrNames args);
    in
    if takes == { } || missing == [ ] then
      f args
    else
      throw "nixbuild: unsupported nixpkgs: its ${what} takes no ${builtins.head missing} argument; ${span} (hint: pin a supported nixpkgs, e.g. nixbuild lock --url https://github.com/NixOS/nixpkgs/archive/nixos-${newest}.tar.gz)";
  checkResult =
    what: names: value:
    let
      missing = builtins.filter (n: !(value ? ${n})) names;
    in
    if missing == [ ] then
      value
    else
      throw "nixbuild: unsupported nixpkgs: its ${what} has no ${builtins.head missing}; ${span} (hint: pin a supported nixpkgs, e.g. nixbuild lock --url https://github.com/NixOS/nixpkgs/archive/nixos-${newest}.tar.gz)";
}
