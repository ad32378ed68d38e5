# The slice of nixpkgs' `lib` that nixbuild's generated code and hostpkgs
# itself use. Names and semantics follow nixpkgs' lib (lib/attrsets.nix,
# lib/lists.nix, lib/strings.nix, lib/meta.nix, lib/customisation.nix,
# lib/fixed-points.nix, lib/trivial.nix); the implementations are our own and
# use only builtins available in Nix 2.8.
let
  b = builtins;

  lib = rec {
    inherit (b)
      attrNames
      attrValues
      elem
      filter
      head
      tail
      length
      isAttrs
      isList
      isString
      isBool
      isInt
      concatLists
      concatStringsSep
      hasAttr
      getAttr
      genList
      listToAttrs
      mapAttrs
      removeAttrs
      replaceStrings
      stringLength
      substring
      toJSON
      fromJSON
      intersectAttrs
      catAttrs
      foldl'
      ;

    # --- trivial ---------------------------------------------------------
    # The nixpkgs release hostpkgs stands in for (lib/.version, as nixpkgs').
    trivial = {
      release = b.head (b.match "([^\n]*)\n?" (b.readFile ./lib/.version));
      versionSuffix = "-hostpkgs";
    };
    version = trivial.release + trivial.versionSuffix;
    id = x: x;
    const = x: _: x;
    boolToString = v: if v then "true" else "false";
    warn = msg: v: b.trace "warning: ${msg}" v;
    warnIf = cond: msg: if cond then warn msg else id;
    throwIf = cond: msg: if cond then throw msg else id;
    throwIfNot = cond: msg: if cond then id else throw msg;
    assertMsg = pred: msg: pred || throw msg;

    # --- fixed points ------------------------------------------------------
    fix =
      f:
      let
        x = f x;
      in
      x;
    extends =
      overlay: f: final:
      let
        prev = f final;
      in
      prev // overlay final prev;
    composeExtensions =
      f: g: final: prev:
      let
        fApplied = f final prev;
        prev' = prev // fApplied;
      in
      fApplied // g final prev';
    composeManyExtensions = b.foldl' composeExtensions (_: _: { });

    # --- function arguments ----------------------------------------------
    isFunction = f: b.isFunction f || (f ? __functor && isFunction (f.__functor f));
    functionArgs =
      f:
      if f ? __functor then
        f.__functionArgs or (functionArgs (f.__functor f))
      else
        b.functionArgs f;
    setFunctionArgs = f: args: {
      __functor = _self: f;
      __functionArgs = args;
    };
    mirrorFunctionArgs =
      f:
      let
        fArgs = functionArgs f;
      in
      g: setFunctionArgs g fArgs;

    # --- lists -------------------------------------------------------------
    optional = cond: elem: if cond then [ elem ] else [ ];
    optionals = cond: elems: if cond then elems else [ ];
    toList = x: if b.isList x then x else [ x ];
    flatten = x: if b.isList x then b.concatMap flatten x else [ x ];
    last =
      list:
      assert assertMsg (list != [ ]) "lists.last: list must not be empty!";
      b.elemAt list (b.length list - 1);
    unique = b.foldl' (acc: e: if b.elem e acc then acc else acc ++ [ e ]) [ ];
    reverseList =
      xs:
      let
        l = b.length xs;
      in
      b.genList (n: b.elemAt xs (l - n - 1)) l;
    subtractLists = e: b.filter (x: !(b.elem x e));
    any = b.any;
    all = b.all;
    foldl = op: nul: list: b.foldl' op nul list;
    foldr =
      op: nul: list:
      let
        len = b.length list;
        fold' = n: if n == len then nul else op (b.elemAt list n) (fold' (n + 1));
      in
      fold' 0;
    concatMap = b.concatMap;
    range = first: last: if first > last then [ ] else b.genList (n: first + n) (last - first + 1);
    imap0 = f: list: b.genList (n: f n (b.elemAt list n)) (b.length list);

    # --- strings -----------------------------------------------------------
    concatStrings = b.concatStringsSep "";
    concatMapStrings = f: list: concatStrings (map f list);
    concatMapStringsSep =
      sep: f: list:
      b.concatStringsSep sep (map f list);
    optionalString = cond: string: if cond then string else "";
    hasPrefix = pref: str: b.substring 0 (b.stringLength pref) str == pref;
    hasSuffix =
      suffix: content:
      let
        lenContent = b.stringLength content;
        lenSuffix = b.stringLength suffix;
      in
      lenContent >= lenSuffix && b.substring (lenContent - lenSuffix) lenContent content == suffix;
    removePrefix =
      prefix: str:
      if hasPrefix prefix str then
        b.substring (b.stringLength prefix) (b.stringLength str - b.stringLength prefix) str
      else
        str;
    removeSuffix =
      suffix: str:
      if hasSuffix suffix str then b.substring 0 (b.stringLength str - b.stringLength suffix) str else str;
    toLower = b.replaceStrings upperChars lowerChars;
    toUpper = b.replaceStrings lowerChars upperChars;
    lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
    upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    stringToCharacters = s: b.genList (p: b.substring p 1 s) (b.stringLength s);
    splitString =
      sep: s:
      let
        escaped = b.replaceStrings [ "\\" "." "*" "+" "?" "[" "]" "(" ")" "{" "}" "^" "$" "|" ] [
          "\\\\"
          "\\."
          "\\*"
          "\\+"
          "\\?"
          "\\["
          "\\]"
          "\\("
          "\\)"
          "\\{"
          "\\}"
          "\\^"
          "\\$"
          "\\|"
        ] (toString sep);
      in
      # nixpkgs keeps the string's context (its store paths) on every part.
      map (part: b.substring 0 0 (toString s) + part) (b.filter b.isString (b.split escaped (toString s)));
    # Words made only of characters the shell takes literally stay unquoted
    # (as nixpkgs' escapeShellArg); anything else is single-quoted.
    escapeShellArg =
      arg:
      let
        s = toString arg;
      in
      if b.match "[[:alnum:],._+:@%/-]+" s != null then s else "'${b.replaceStrings [ "'" ] [ "'\\''" ] s}'";
    escapeShellArgs = concatMapStringsSep " " escapeShellArg;
    makeSearchPath =
      subDir: paths: b.concatStringsSep ":" (map (path: path + "/" + subDir) (b.filter (x: x != null) paths));
    makeSearchPathOutput =
      output: subDir: pkgs:
      makeSearchPath subDir (map (getOutput output) pkgs);
    makeBinPath = makeSearchPathOutput "bin" "bin";
    makeLibraryPath = makeSearchPathOutput "lib" "lib";
    versionOlder = v1: v2: b.compareVersions v2 v1 == 1;
    versionAtLeast = v1: v2: !versionOlder v1 v2;

    # --- attribute sets ----------------------------------------------------
    optionalAttrs = cond: as: if cond then as else { };
    filterAttrs =
      pred: set:
      b.listToAttrs (
        b.concatMap (
          name:
          let
            v = set.${name};
          in
          if pred name v then [ (nameValuePair name v) ] else [ ]
        ) (b.attrNames set)
      );
    nameValuePair = name: value: { inherit name value; };
    mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (b.attrNames attrs);
    mapAttrs' = f: set: b.listToAttrs (map (attr: f attr set.${attr}) (b.attrNames set));
    genAttrs = names: f: b.listToAttrs (map (n: nameValuePair n (f n)) names);
    attrByPath =
      attrPath: default: e:
      let
        attr = b.head attrPath;
      in
      if attrPath == [ ] then
        e
      else if e ? ${attr} then
        attrByPath (b.tail attrPath) default e.${attr}
      else
        default;
    hasAttrByPath =
      attrPath: e:
      let
        attr = b.head attrPath;
      in
      if attrPath == [ ] then true else e ? ${attr} && hasAttrByPath (b.tail attrPath) e.${attr};
    recursiveUpdateUntil =
      pred: lhs: rhs:
      let
        f =
          attrPath:
          b.zipAttrsWith (
            n: values:
            let
              here = attrPath ++ [ n ];
            in
            if b.length values == 1 || pred here (b.elemAt values 1) (b.head values) then
              b.head values
            else
              f here values
          );
      in
      f [ ] [
        rhs
        lhs
      ];
    recursiveUpdate =
      lhs: rhs:
      recursiveUpdateUntil (
        _path: lhs: rhs:
        !(b.isAttrs lhs && b.isAttrs rhs)
      ) lhs rhs;
    isDerivation = value: value.type or null == "derivation";

    # --- outputs (lib/attrsets.nix, lib/meta.nix) --------------------------
    getOutput = output: pkg: if !(pkg ? outputSpecified) || !pkg.outputSpecified then pkg.${output} or pkg.out or pkg else pkg;
    getBin = getOutput "bin";
    getLib = getOutput "lib";
    getDev = getOutput "dev";
    getMan = getOutput "man";
    getExe =
      x:
      getExe' x (
        x.meta.mainProgram or (warn
          "getExe: Package ${x.name or "?"} does not have the meta.mainProgram attribute; guessing from its name."
          (x.pname or (b.parseDrvName x.name).name)
        )
      );
    "getExe'" =
      x: y:
      assert assertMsg (isDerivation x) "lib.meta.getExe': The first argument is of type ${b.typeOf x}, but it should be a derivation instead.";
      assert assertMsg (b.isString y) "lib.meta.getExe': The second argument is of type ${b.typeOf y}, but it should be a string instead.";
      assert assertMsg (b.match ".*/.*" y == null) "lib.meta.getExe': The second argument \"${y}\" is a nested path with a \"/\" character, but it should just be the name of the executable instead.";
      "${getBin x}/bin/${y}";

    # --- licenses (lib/licenses) ----------------------------------------------
    # The entries hostpkgs' packages name, as nixpkgs has them.
    licenses = {
      asl20 = {
        shortName = "asl20";
        spdxId = "Apache-2.0";
        fullName = "Apache License 2.0";
        url = "https://spdx.org/licenses/Apache-2.0.html";
        free = true;
        redistributable = true;
        deprecated = false;
        licenseType = "simple";
      };
      zlib = {
        shortName = "zlib";
        spdxId = "Zlib";
        fullName = "zlib License";
        url = "https://spdx.org/licenses/Zlib.html";
        free = true;
        redistributable = true;
        deprecated = false;
        licenseType = "simple";
      };
      gpl3Plus = {
        shortName = "gpl3Plus";
        spdxId = "GPL-3.0-or-later";
        fullName = "GNU General Public License v3.0 or later";
        url = "https://spdx.org/licenses/GPL-3.0-or-later.html";
        free = true;
        redistributable = true;
        deprecated = false;
        licenseType = "simple";
      };
      gpl2Only = {
        shortName = "gpl2Only";
        spdxId = "GPL-2.0-only";
        fullName = "GNU General Public License v2.0 only";
        url = "https://spdx.org/licenses/GPL-2.0-only.html";
        free = true;
        redistributable = true;
        deprecated = false;
        licenseType = "simple";
      };
      bsd3 = {
        shortName = "bsd3";
        spdxId = "BSD-3-Clause";
        fullName = "BSD 3-clause \"New\" or \"Revised\" License";
        url = "https://spdx.org/licenses/BSD-3-Clause.html";
        free = true;
        redistributable = true;
        deprecated = false;
        licenseType = "simple";
      };
      gpl2Plus = {
        shortName = "gpl2Plus";
        spdxId = "GPL-2.0-or-later";
        fullName = "GNU General Public License v2.0 or later";
        url = "https://spdx.org/licenses/GPL-2.0-or-later.html";
        free = true;
        redistributable = true;
        deprecated = false;
        licenseType = "simple";
      };
      "mit-modern" = {
        shortName = "mit-modern";
        spdxId = "MIT-Modern-Variant";
        fullName = "MIT License Modern Variant";
        url = "https://spdx.org/licenses/MIT-Modern-Variant.html";
        free = true;
        redistributable = true;
        deprecated = false;
        licenseType = "simple";
      };
    };

    # --- platforms (lib/systems) --------------------------------------------
    # elaborate (on a system string or a set), examples, equals.
    systems = (import ./systems.nix { inherit lib; }).public;

    # --- customisation (lib/customisation.nix) -----------------------------
    # makeOverridable: the result gets `override` (taking the function's
    # arguments, or a function of the old ones) and, when it is a set,
    # `overrideDerivation` and (if it has one) `overrideAttrs`, each giving
    # a result that is overridable again. A function result keeps its
    # formal arguments.
    makeOverridable =
      f:
      let
        withArgs = mirrorFunctionArgs f;
        call =
          origArgs:
          let
            result = f origArgs;
            override = withArgs (
              newArgs: makeOverridable f (origArgs // (if isFunction newArgs then newArgs origArgs else newArgs))
            );
            again = g: makeOverridable (withArgs g) origArgs;
          in
          if b.isAttrs result then
            result
            // {
              inherit override;
              overrideDerivation = fdrv: again (args: overrideDerivation (f args) fdrv);
            }
            // optionalAttrs (result ? overrideAttrs) {
              overrideAttrs = fattrs: again (args: (f args).overrideAttrs fattrs);
            }
          else if isFunction result then
            setFunctionArgs result (functionArgs result) // { inherit override; }
          else
            result;
      in
      withArgs call;

    # A new derivation from the old one's attributes changed by `f`; it keeps
    # the old `meta` and `passthru`.
    overrideDerivation =
      drv: f:
      extendDerivation (b.seq drv.drvPath true) (
        {
          meta = drv.meta or { };
          passthru = drv.passthru or { };
        }
        // (drv.passthru or { })
      ) (derivation (drv.drvAttrs // f drv));

    # A missing argument aborts the evaluation (nixpkgs uses `abort`, so that
    # tryEval cannot hide a package that cannot be called).
    callPackageWith =
      autoArgs: fn: args:
      let
        f = if isFunction fn then fn else import fn;
        fargs = functionArgs f;
        allArgs = b.intersectAttrs fargs autoArgs // args;
        missing = b.filter (n: !fargs.${n} && !(allArgs ? ${n})) (b.attrNames fargs);
      in
      if missing == [ ] then
        makeOverridable f allArgs
      else
        abort "lib.customisation.callPackageWith: Function called without required argument \"${b.head missing}\"${
          if b.isPath fn then " (${toString fn})" else ""
        }; hostpkgs may not offer it";

    # A derivation extended with `passthru`; every output (drv.bin …) is the
    # extended set too, with its own outPath, and `all` lists the outputs.
    # Its paths are only available when `condition` holds.
    extendDerivation =
      condition: passthru: drv:
      let
        guarded = v: assert condition; v;
        outputNames = drv.outputs or [ "out" ];
        outputs = b.listToAttrs (
          map (name: {
            inherit name;
            value =
              extended
              // {
                inherit (drv.${name}) type outputName;
                outputSpecified = true;
                drvPath = guarded drv.${name}.drvPath;
                outPath = guarded drv.${name}.outPath;
              }
              // optionalAttrs (passthru ? overrideAttrs) {
                overrideAttrs = g: (passthru.overrideAttrs g).${name};
              };
          }) outputNames
        );
        extended =
          drv
          // outputs
          // { all = map (name: outputs.${name}) outputNames; }
          // passthru
          // {
            drvPath = guarded drv.drvPath;
            outPath = guarded drv.outPath;
          };
      in
      extended;
  };
in
lib
