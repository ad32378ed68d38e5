# The table of inputs on which nixpkgs' lib and hostpkgs' lib must agree.
#
# Evaluated twice: by scripts/record-nixpkgs-lib-facts.sh with the real lib
# (a checkout of nix-community/nixpkgs.lib), which writes the outcomes to
# nixpkgs-lib-facts.json, and by tests/nix/test_hostpkgs_lib_facts.py with
# hostpkgs' `pkgs.lib`, which requires the same outcomes. Only inputs live
# here; what each function does is read from the lib under test.
#
# Every case is an outcome: { value = ...; } (the case's JSON value),
# { throws = true; } (a `throw` or failed `assert`, caught by tryEval) or
# { missing = true; } (a platform field the lib does not have). A case that
# aborts the evaluation (`abort`, a type error) is evaluated alone by the
# caller and recorded as { error = true; }; the cases known to abort in
# nixpkgs are in `aborts`, so that the other sections evaluate at once.
{
  # The lib under test.
  lib,
  # nixbuild's targets (nixbuild/platforms.py): name -> { system; config;
  # static; } with `config` the GNU triple of the target's gnu package set.
  targets,
  # The platform a package set uses for a target, given the target's name
  # and the crossSystem argument (or pkgsStatic's crossSystem). The real
  # lib: `lib.systems.elaborate`, as nixpkgs' stage.nix does; hostpkgs'
  # test also passes its package sets' own stdenv.hostPlatform. null:
  # lib.systems.elaborate of the crossSystem.
  platformFor ? null,
  # [ section ] or [ section group ] or [ section group case ]: evaluate only
  # that part (the caller's fallback when something aborts).
  only ? [ ],
}@args:
let
  b = builtins;

  # The lib under test, where a function (or lib.systems) it lacks throws
  # when used, so that the cases using it fail alone (and quickly).
  lib =
    args.lib
    // b.mapAttrs (name: _: args.lib.${name} or (throw "lib.${name} is missing")) functions
    // {
      systems = args.lib.systems or (throw "lib.systems is missing");
    };

  # --- outcomes ------------------------------------------------------------
  outcome =
    v:
    let
      r = b.tryEval (b.deepSeq v v);
    in
    if r.success then { value = r.value; } else { throws = true; };

  # A field of a platform by attribute path, or { missing = true; }. Only
  # builtins here and below, so the lib under test decides only the values.
  hasPath =
    names: set:
    names == [ ] || (b.isAttrs set && set ? ${b.head names} && hasPath (b.tail names) set.${b.head names});
  getPath = names: set: if names == [ ] then set else getPath (b.tail names) set.${b.head names};
  field =
    platform: path:
    let
      names = b.filter b.isString (b.split "[.]" path);
      present = b.tryEval (hasPath names platform);
    in
    if !present.success then
      { throws = true; }
    else if present.value then
      outcome (getPath names platform)
    else
      { missing = true; };
  genAttrs = names: f: b.listToAttrs (map (name: { inherit name; value = f name; }) names);

  # --- inputs --------------------------------------------------------------
  # Real derivations (instantiated, never built); their store paths depend
  # only on these attributes.
  mkDrv =
    name: outputs:
    derivation {
      inherit name outputs;
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [
        "-c"
        "exit 1"
      ];
    };
  multi = mkDrv "multi-1.0" [
    "bin"
    "out"
    "lib"
    "dev"
  ];
  single = mkDrv "single-2.0" [ "out" ];
  outAndDev = mkDrv "outdev-3.0" [
    "out"
    "dev"
  ];
  withMain = multi // {
    pname = "multi";
    meta.mainProgram = "multi-tool";
  };
  withoutMain = single // {
    pname = "single";
  };
  noPname = single // {
    meta = { };
  };
  notADrv = {
    outPath = "/nix/store/00000000000000000000000000000000-plain";
  };

  # A package function and its calls (customisation).
  pkgFn =
    {
      a,
      b ? 2,
      c ? 3,
    }:
    {
      inherit a b c;
      sum = a + b + c;
    };
  fnResult =
    { x }:
    y: x + y;
  autoArgs = {
    a = 10;
    b = 20;
    unrelated = 1;
  };
  dataOf = r: removeAttrs r [
    "override"
    "overrideDerivation"
    "overrideAttrs"
    "__functor"
    "__functionArgs"
  ];

  # An overlay chain (fixed points).
  base = self: {
    a = 1;
    b = self.a + 1;
    list = [ "base" ];
  };
  ovA = final: prev: {
    a = prev.a + 10;
    list = prev.list ++ [ "A" ];
  };
  ovB = final: prev: {
    c = final.a * 2;
    list = prev.list ++ [ "B" ];
  };

  # --- functions -------------------------------------------------------------
  functions = {
    id = {
      int = lib.id 1;
      list = lib.id [ 1 ];
    };
    const = {
      const = lib.const 1 2;
    };
    boolToString = {
      true = lib.boolToString true;
      false = lib.boolToString false;
    };
    warn = {
      "returns its value" = lib.warn "a warning" 42;
    };
    warnIf = {
      "true returns value" = lib.warnIf true "w" 1;
      "false returns value" = lib.warnIf false "w" 2;
    };
    throwIf = {
      true = lib.throwIf true "fails" 1;
      false = lib.throwIf false "fails" 2;
    };
    throwIfNot = {
      true = lib.throwIfNot true "fails" 1;
      false = lib.throwIfNot false "fails" 2;
    };
    assertMsg = {
      true = lib.assertMsg true "m";
      false = lib.assertMsg false "m";
      "inside assert" = assert lib.assertMsg (1 == 1) "m"; "ok";
    };

    fix = {
      "self reference" = (lib.fix (self: {
        a = 1;
        b = self.a + 1;
      })).b;
    };
    extends = {
      "one overlay" = lib.fix (lib.extends ovA base);
      "two overlays" = lib.fix (lib.extends ovB (lib.extends ovA base));
    };
    composeExtensions = {
      "A then B" = lib.fix (lib.extends (lib.composeExtensions ovA ovB) base);
      "B then A" = lib.fix (lib.extends (lib.composeExtensions ovB ovA) base);
    };
    composeManyExtensions = {
      empty = lib.fix (lib.extends (lib.composeManyExtensions [ ]) base);
      "A, B" = lib.fix (lib.extends (lib.composeManyExtensions [ ovA ovB ]) base);
      "B, A, A" = lib.fix (lib.extends (lib.composeManyExtensions [ ovB ovA ovA ]) base);
    };

    isFunction = {
      lambda = lib.isFunction (x: x);
      primop = lib.isFunction b.head;
      functor = lib.isFunction {
        __functor = self: x: x;
      };
      "set without functor" = lib.isFunction { };
      string = lib.isFunction "f";
    };
    functionArgs = {
      "plain lambda" = lib.functionArgs (x: x);
      formals = lib.functionArgs pkgFn;
      "formals with ellipsis" = lib.functionArgs ({ a, ... }: a);
      functor = lib.functionArgs {
        __functor = self: pkgFn;
      };
      "functor with __functionArgs" = lib.functionArgs {
        __functor = self: x: x;
        __functionArgs = {
          z = true;
        };
      };
    };
    setFunctionArgs = {
      args = lib.functionArgs (lib.setFunctionArgs (x: x) { q = false; });
      call = (lib.setFunctionArgs (x: x.q + 1) { q = false; }) { q = 1; };
      isFunction = lib.isFunction (lib.setFunctionArgs (x: x) { });
    };
    mirrorFunctionArgs = {
      args = lib.functionArgs (lib.mirrorFunctionArgs pkgFn (args: args));
      call = (lib.mirrorFunctionArgs pkgFn (args: args.a)) { a = 7; };
    };

    optional = {
      true = lib.optional true 1;
      false = lib.optional false 1;
      "list element" = lib.optional true [ 1 ];
    };
    optionals = {
      true = lib.optionals true [
        1
        2
      ];
      false = lib.optionals false [ 1 ];
    };
    toList = {
      scalar = lib.toList 1;
      list = lib.toList [ 1 ];
      null = lib.toList null;
      empty = lib.toList [ ];
    };
    flatten = {
      nested = lib.flatten [
        1
        [
          2
          [
            3
            [ ]
          ]
        ]
        4
      ];
      scalar = lib.flatten 1;
      empty = lib.flatten [ ];
    };
    last = {
      three = lib.last [
        1
        2
        3
      ];
      one = lib.last [ "x" ];
      empty = lib.last [ ];
    };
    unique = {
      duplicates = lib.unique [
        3
        1
        3
        2
        1
      ];
      empty = lib.unique [ ];
      "mixed types" = lib.unique [
        "a"
        1
        "a"
        { x = 1; }
        { x = 1; }
      ];
    };
    reverseList = {
      three = lib.reverseList [
        1
        2
        3
      ];
      empty = lib.reverseList [ ];
    };
    subtractLists = {
      some = lib.subtractLists [
        2
        4
      ] [
        1
        2
        3
        4
        2
      ];
      none = lib.subtractLists [ ] [ 1 ];
    };
    any = {
      some = lib.any (x: x > 2) [
        1
        3
      ];
      empty = lib.any (x: true) [ ];
    };
    all = {
      some = lib.all (x: x > 2) [
        1
        3
      ];
      empty = lib.all (x: false) [ ];
    };
    foldl = {
      minus = lib.foldl (acc: x: acc - x) 10 [
        1
        2
        3
      ];
      order = lib.foldl (acc: x: acc + x) "" [
        "a"
        "b"
        "c"
      ];
    };
    "foldl'" = {
      order = lib.foldl' (acc: x: acc + x) "" [
        "a"
        "b"
        "c"
      ];
    };
    foldr = {
      minus = lib.foldr (x: acc: x - acc) 10 [
        1
        2
        3
      ];
      order = lib.foldr (x: acc: acc + x) "" [
        "a"
        "b"
        "c"
      ];
      empty = lib.foldr (x: acc: x) "nul" [ ];
    };
    concatMap = {
      pairs = lib.concatMap (x: [
        x
        x
      ]) [
        1
        2
      ];
    };
    range = {
      "1..4" = lib.range 1 4;
      single = lib.range 3 3;
      empty = lib.range 4 1;
      negative = lib.range (-2) 1;
    };
    imap0 = {
      indexed = lib.imap0 (i: v: "${toString i}${v}") [
        "a"
        "b"
      ];
      empty = lib.imap0 (i: v: v) [ ];
    };
    genList = {
      squares = lib.genList (i: i * i) 4;
    };
    filter = {
      even = lib.filter (x: x / 2 * 2 == x) [
        1
        2
        3
        4
      ];
    };
    elem = {
      yes = lib.elem 2 [
        1
        2
      ];
      no = lib.elem 3 [ ];
    };
    head = {
      list = lib.head [
        1
        2
      ];
    };
    tail = {
      list = lib.tail [
        1
        2
        3
      ];
    };
    length = {
      list = lib.length [
        1
        2
      ];
    };
    concatLists = {
      lists = lib.concatLists [
        [ 1 ]
        [ ]
        [
          2
          3
        ]
      ];
    };
    catAttrs = {
      some = lib.catAttrs "a" [
        { a = 1; }
        { b = 2; }
        { a = 3; }
      ];
    };

    concatStrings = {
      some = lib.concatStrings [
        "a"
        "b"
        "c"
      ];
      empty = lib.concatStrings [ ];
    };
    concatStringsSep = {
      some = lib.concatStringsSep ", " [
        "a"
        "b"
      ];
      one = lib.concatStringsSep ", " [ "a" ];
    };
    concatMapStrings = {
      some = lib.concatMapStrings (x: x + ";") [
        "a"
        "b"
      ];
    };
    concatMapStringsSep = {
      some = lib.concatMapStringsSep "-" (x: toString (x * 2)) [
        1
        2
        3
      ];
      empty = lib.concatMapStringsSep "-" toString [ ];
    };
    optionalString = {
      true = lib.optionalString true "s";
      false = lib.optionalString false "s";
    };
    hasPrefix = {
      yes = lib.hasPrefix "foo" "foobar";
      no = lib.hasPrefix "bar" "foobar";
      empty = lib.hasPrefix "" "x";
      "longer than string" = lib.hasPrefix "foobar" "foo";
      "store path" = lib.hasPrefix "/nix/store/" "${single}";
    };
    hasSuffix = {
      yes = lib.hasSuffix "bar" "foobar";
      no = lib.hasSuffix "foo" "foobar";
      empty = lib.hasSuffix "" "x";
      "longer than string" = lib.hasSuffix "foobar" "bar";
    };
    removePrefix = {
      present = lib.removePrefix "foo" "foobar";
      absent = lib.removePrefix "bar" "foobar";
      whole = lib.removePrefix "foo" "foo";
      empty = lib.removePrefix "" "foo";
      "@ class" = lib.removePrefix "@" "@dev";
    };
    removeSuffix = {
      present = lib.removeSuffix "bar" "foobar";
      absent = lib.removeSuffix "foo" "foobar";
      whole = lib.removeSuffix "bar" "bar";
      ".json" = lib.removeSuffix ".json" "x86_64-unknown-linux-gnu.json";
    };
    toLower = {
      mixed = lib.toLower "Hello-World_1.Z";
      "non-ASCII kept" = lib.toLower "ÄBC";
    };
    toUpper = {
      mixed = lib.toUpper "aarch64-unknown-linux-gnu";
    };
    lowerChars = {
      all = lib.lowerChars;
    };
    upperChars = {
      all = lib.upperChars;
    };
    stringToCharacters = {
      some = lib.stringToCharacters "abc";
      empty = lib.stringToCharacters "";
    };
    splitString = {
      dots = lib.splitString "." "stdenv.cc.cc";
      "no separator" = lib.splitString "." "bash";
      "leading and trailing" = lib.splitString "/" "/a//b/";
      "regex characters" = lib.splitString "+" "a+b+c";
      "multi-character" = lib.splitString "::" "a::b::c";
      empty = lib.splitString "," "";
      "string context kept" = map b.hasContext (lib.splitString "/" "${single}/bin/x");
    };
    escapeShellArg = {
      plain = lib.escapeShellArg "nonroot";
      "safe characters" = lib.escapeShellArg "a-b_c.d/e:f@g%h+i,j";
      space = lib.escapeShellArg "two words";
      quote = lib.escapeShellArg "it's";
      empty = lib.escapeShellArg "";
      dollar = lib.escapeShellArg "$HOME";
      int = lib.escapeShellArg 5;
      "store path" = lib.escapeShellArg "${single}/bin/x";
    };
    escapeShellArgs = {
      some = lib.escapeShellArgs [
        "one"
        "two three"
        "four'five"
      ];
      empty = lib.escapeShellArgs [ ];
    };
    replaceStrings = {
      some = lib.replaceStrings [ "-" ] [ "_" ] "a-b-c";
    };
    stringLength = {
      some = lib.stringLength "abc";
    };
    substring = {
      some = lib.substring 1 2 "abcd";
    };
    makeSearchPath = {
      some = lib.makeSearchPath "bin" [
        "/a"
        "/b"
      ];
      "null skipped" = lib.makeSearchPath "lib" [
        "/a"
        null
      ];
      empty = lib.makeSearchPath "bin" [ ];
    };
    makeSearchPathOutput = {
      outputs = lib.makeSearchPathOutput "dev" "include" [
        multi
        single
      ];
    };
    makeBinPath = {
      packages = lib.makeBinPath [
        multi
        single
        outAndDev
      ];
      "output given" = lib.makeBinPath [ multi.dev ];
    };
    makeLibraryPath = {
      packages = lib.makeLibraryPath [
        multi
        single
      ];
    };
    # Values rather than functions: the release a lib is (lib/.version, read
    # by nixbuild's window check) and the version string built from it.
    trivial = {
      release-is-a-release = b.match "[0-9][0-9][.][0-9][0-9]" lib.trivial.release != null;
      suffix-is-a-string = b.isString lib.trivial.versionSuffix;
    };
    version = {
      release-then-suffix = lib.version == lib.trivial.release + lib.trivial.versionSuffix;
    };
    versionOlder = {
      older = lib.versionOlder "2.8" "2.18";
      newer = lib.versionOlder "2.18.0" "2.8";
      equal = lib.versionOlder "1.0" "1.0";
      pre = lib.versionOlder "1.0pre1" "1.0";
    };
    versionAtLeast = {
      newer = lib.versionAtLeast "2.18" "2.8";
      equal = lib.versionAtLeast "1.0" "1.0";
      older = lib.versionAtLeast "1.0" "1.1";
    };
    toJSON = {
      set = lib.toJSON {
        b = 1;
        a = [ "x" ];
      };
    };
    fromJSON = {
      set = lib.fromJSON ''{"a": [1, null]}'';
    };

    optionalAttrs = {
      true = lib.optionalAttrs true { a = 1; };
      false = lib.optionalAttrs false { a = 1; };
    };
    filterAttrs = {
      values = lib.filterAttrs (n: v: v > 1) {
        a = 1;
        b = 2;
        c = 3;
      };
      names = lib.filterAttrs (n: v: n != "b") {
        a = 1;
        b = 2;
      };
    };
    nameValuePair = {
      pair = lib.nameValuePair "n" 1;
    };
    mapAttrs = {
      some = lib.mapAttrs (n: v: "${n}=${toString v}") {
        a = 1;
        b = 2;
      };
    };
    mapAttrsToList = {
      some = lib.mapAttrsToList (n: v: "${n}=${v}") {
        B = "2";
        a = "1";
      };
      empty = lib.mapAttrsToList (n: v: v) { };
    };
    "mapAttrs'" = {
      rename = lib.mapAttrs' (n: v: lib.nameValuePair "x-${n}" (v + 1)) {
        a = 1;
        b = 2;
      };
    };
    genAttrs = {
      some = lib.genAttrs [
        "a"
        "b"
      ] (n: n + n);
      empty = lib.genAttrs [ ] (n: n);
    };
    attrByPath = {
      found = lib.attrByPath [
        "a"
        "b"
      ] 0 { a.b = 1; };
      "not found" = lib.attrByPath [
        "a"
        "c"
      ] "default" { a.b = 1; };
      "through non-set" = lib.attrByPath [
        "a"
        "b"
        "c"
      ] "default" { a.b = 1; };
      "empty path" = lib.attrByPath [ ] "default" { a = 1; };
    };
    hasAttrByPath = {
      found = lib.hasAttrByPath [
        "a"
        "b"
      ] { a.b = null; };
      "not found" = lib.hasAttrByPath [
        "a"
        "c"
      ] { a.b = 1; };
      "through non-set" = lib.hasAttrByPath [
        "a"
        "b"
        "c"
      ] { a.b = 1; };
      "empty path" = lib.hasAttrByPath [ ] { };
    };
    recursiveUpdate = {
      nested = lib.recursiveUpdate {
        a = {
          x = 1;
          y = 2;
        };
        b = 1;
      } {
        a = {
          y = 3;
          z = 4;
        };
        c = 5;
      };
      "set replaced by value" = lib.recursiveUpdate { a.x = 1; } { a = 2; };
      "value replaced by set" = lib.recursiveUpdate { a = 2; } { a.x = 1; };
    };
    recursiveUpdateUntil = {
      "stop at depth 1" = lib.recursiveUpdateUntil (path: l: r: b.length path > 1) {
        a.b.c = 1;
        a.b.d = 2;
        a.e = 3;
      } { a.b.c = 9; };
    };
    isDerivation = {
      derivation = lib.isDerivation single;
      output = lib.isDerivation multi.dev;
      "outPath only" = lib.isDerivation notADrv;
      string = lib.isDerivation "x";
    };
    attrNames = {
      sorted = lib.attrNames {
        b = 1;
        a = 2;
      };
    };
    attrValues = {
      sorted = lib.attrValues {
        b = 1;
        a = 2;
      };
    };
    hasAttr = {
      yes = lib.hasAttr "a" { a = 1; };
    };
    getAttr = {
      some = lib.getAttr "a" { a = 1; };
    };
    listToAttrs = {
      "later loses" = lib.listToAttrs [
        (lib.nameValuePair "a" 1)
        (lib.nameValuePair "a" 2)
      ];
    };
    removeAttrs = {
      some = lib.removeAttrs {
        a = 1;
        b = 2;
      } [ "a" "z" ];
    };
    intersectAttrs = {
      some = lib.intersectAttrs {
        a = null;
        c = null;
      } {
        a = 1;
        b = 2;
      };
    };
    isAttrs = {
      set = lib.isAttrs { };
      list = lib.isAttrs [ ];
    };
    isList = {
      list = lib.isList [ ];
    };
    isString = {
      string = lib.isString "";
      path = lib.isString ./.;
    };
    isBool = {
      bool = lib.isBool false;
    };
    isInt = {
      int = lib.isInt 1;
      float = lib.isInt 1.0;
    };

    getOutput = {
      "present" = lib.getOutput "dev" multi;
      "absent: out" = lib.getOutput "bin" outAndDev;
      "single output" = lib.getOutput "lib" single;
      "output specified" = lib.getOutput "bin" multi.dev;
      "not a derivation" = lib.getOutput "bin" notADrv;
    };
    getBin = {
      multi = lib.getBin multi;
      single = lib.getBin single;
    };
    getLib = {
      multi = lib.getLib multi;
      "out and dev" = lib.getLib outAndDev;
    };
    getDev = {
      multi = lib.getDev multi;
      single = lib.getDev single;
    };
    getMan = {
      multi = lib.getMan multi;
    };
    getExe = {
      "meta.mainProgram" = lib.getExe withMain;
      "pname, no mainProgram" = lib.getExe withoutMain;
      "name only" = lib.getExe noPname;
      "not a derivation" = lib.getExe notADrv;
    };
    "getExe'" = {
      multi = lib.getExe' multi "tool";
      single = lib.getExe' single "tool";
      "output given" = lib.getExe' multi.lib "tool";
      "nested name" = lib.getExe' multi "sub/tool";
      "not a derivation" = lib.getExe' notADrv "tool";
      "not a string" = lib.getExe' multi 1;
    };

    makeOverridable = {
      result = dataOf (lib.makeOverridable pkgFn { a = 1; });
      names = lib.attrNames (lib.makeOverridable pkgFn { a = 1; });
      "override set" = dataOf ((lib.makeOverridable pkgFn { a = 1; }).override { b = 5; });
      "override function" = dataOf (
        (lib.makeOverridable pkgFn { a = 1; }).override (old: {
          c = old.a + 100;
        })
      );
      "override twice" = dataOf (
        ((lib.makeOverridable pkgFn { a = 1; }).override { b = 5; }).override { c = 6; }
      );
      "override args" = lib.functionArgs (lib.makeOverridable pkgFn { a = 1; }).override;
      "function args" = lib.functionArgs (lib.makeOverridable pkgFn);
      "function result" = (lib.makeOverridable fnResult { x = 1; }) 2;
      "function result names" = lib.attrNames (lib.makeOverridable fnResult { x = 1; });
      "function result override" = ((lib.makeOverridable fnResult { x = 1; }).override { x = 10; }) 2;
      "scalar result" = lib.makeOverridable ({ x }: x * 2) { x = 4; };
      overrideDerivation = b.attrNames (
        (lib.makeOverridable ({ name }: mkDrv name [ "out" ]) { name = "o-1"; }).overrideDerivation (old: {
          name = "o-2";
        })
      );
    };
    overrideDerivation = {
      name = (lib.overrideDerivation single (old: { name = "renamed-2.0"; })).name;
      "names of an extended derivation" = b.attrNames (
        lib.overrideDerivation (lib.extendDerivation true { extra = 1; } outAndDev) (old: { name = "renamed-3.0"; })
      );
      "meta kept" = (lib.overrideDerivation withMain (old: { name = "renamed-1.0"; })).meta;
      path = "${lib.overrideDerivation single (old: { name = "renamed-2.0"; })}";
    };
    callPackageWith = {
      "auto arguments" = dataOf (lib.callPackageWith autoArgs pkgFn { });
      "explicit wins" = dataOf (lib.callPackageWith autoArgs pkgFn { a = 1; });
      names = lib.attrNames (lib.callPackageWith autoArgs pkgFn { });
      "override" = dataOf ((lib.callPackageWith autoArgs pkgFn { }).override { c = 0; });
      "only defaults missing" = dataOf (lib.callPackageWith { a = 0; } pkgFn { });
    };
    licenses = b.listToAttrs (
      map
        (name: {
          inherit name;
          value = lib.licenses.${name};
        })
        [
          "asl20"
          "zlib"
          "gpl3Plus"
          "gpl2Only"
        ]
    );
    extendDerivation = {
      path = "${lib.extendDerivation true { extra = 1; } multi}";
      names = lib.attrNames (lib.extendDerivation true { extra = 1; } multi);
      "output keeps passthru" = (lib.extendDerivation true { extra = 1; } multi).dev.extra;
      "output path" = "${(lib.extendDerivation true { extra = 1; } multi).dev}";
      "output names" = lib.attrNames (lib.extendDerivation true { extra = 1; } multi).dev;
      "all" = map toString (lib.extendDerivation true { extra = 1; } multi).all;
      "condition false" = "${lib.extendDerivation false { } single}";
    };
  };

  # --- lib.systems -----------------------------------------------------------
  # The fields compared on every platform (dotted attribute paths).
  fields = [
    "config"
    "system"
    "isStatic"
    "isMusl"
    "isGnu"
    "isLinux"
    "isDarwin"
    "isx86_64"
    "isx86_32"
    "isi686"
    "isx86"
    "isAarch64"
    "isAarch32"
    "isAarch"
    "isArmv7"
    "isRiscV"
    "isRiscV64"
    "isS390"
    "isS390x"
    "isPower"
    "isPower64"
    "is64bit"
    "is32bit"
    "isLittleEndian"
    "isBigEndian"
    "isWindows"
    "isMacOS"
    "isFreeBSD"
    "isUnix"
    "isAndroid"
    "hasSharedLibraries"
    "libc"
    "linker"
    "libDir"
    "linuxArch"
    "qemuArch"
    "ubootArch"
    "darwinArch"
    "efiArch"
    "uname.system"
    "uname.processor"
    "uname.release"
    "parsed.cpu.name"
    "parsed.cpu.family"
    "parsed.cpu.bits"
    "parsed.cpu.version"
    "parsed.cpu.arch"
    "parsed.vendor.name"
    "parsed.kernel.name"
    "parsed.abi.name"
    "gcc.arch"
    "gcc.fpu"
    "gcc.abi"
    "extensions.sharedLibrary"
    "extensions.staticLibrary"
    "extensions.library"
    "extensions.executable"
    "go.GOARCH"
    "go.GOOS"
    "go.GOARM"
    "rust.rustcTarget"
    "rust.rustcTargetSpec"
    "rust.cargoShortTarget"
    "rust.cargoEnvVarTarget"
    "rust.isNoStdTarget"
    "rust.platform.arch"
    "rust.platform.os"
    "rust.platform.target-family"
    "rust.platform.vendor"
  ];

  # The examples hostpkgs offers as pkgsCross.<name>.
  exampleNames = [
    "gnu64"
    "musl64"
    "gnu32"
    "aarch64-multiplatform"
    "aarch64-multiplatform-musl"
    "armv7l-hf-multiplatform"
    "riscv64"
    "s390x"
    "powernv"
  ];

  # Arguments of `elaborate` besides the targets' and the examples'.
  elaborateInputs = {
    "string x86_64-linux" = "x86_64-linux";
    "string aarch64-linux" = "aarch64-linux";
    "string riscv64-linux" = "riscv64-linux";
    "string armv7l-linux" = "armv7l-linux";
    "string i686-linux" = "i686-linux";
    "string s390x-linux" = "s390x-linux";
    "string powerpc64le-linux" = "powerpc64le-linux";
    "system set aarch64-linux" = {
      system = "aarch64-linux";
    };
    "config and system: config wins" = {
      config = "aarch64-unknown-linux-musl";
      system = "x86_64-linux";
    };
    "musl static" = {
      config = "x86_64-unknown-linux-musl";
      isStatic = true;
    };
    "armv7l musleabihf static" = {
      config = "armv7l-unknown-linux-musleabihf";
      isStatic = true;
    };
    "riscv64 musl" = {
      config = "riscv64-unknown-linux-musl";
    };
    "gnu isStatic" = {
      config = "x86_64-unknown-linux-gnu";
      isStatic = true;
    };
    "three-part config" = {
      config = "aarch64-linux-gnu";
    };
    "vendor pc" = {
      config = "x86_64-pc-linux-gnu";
    };
    "arguments override" = {
      config = "armv7l-unknown-linux-gnueabihf";
      linker = "gold";
      gcc = {
        arch = "armv7-a";
        fpu = "neon";
      };
    };
    # Known to differ (hostpkgs knows only the Linux platforms above).
    "string aarch64-darwin" = "aarch64-darwin";
    "string mips64el-linux" = "mips64el-linux";
  };

  # nixpkgs' pkgsStatic (pkgs/top-level/stage.nix) uses the musl abi of
  # the platform's gnu abi (makeMuslParsedPlatform) with isStatic and the
  # platform's gcc settings.
  muslAbi = {
    gnu = "musl";
    gnueabi = "musleabi";
    gnueabihf = "musleabihf";
    gnuabin32 = "muslabin32";
    gnuabi64 = "muslabi64";
    gnuabielfv2 = "musl";
    gnuabielfv1 = "musl";
    musl = "musl";
    musleabi = "musleabi";
    musleabihf = "musleabihf";
  };
  staticCrossSystem =
    platform:
    let
      p = platform.parsed;
    in
    {
      isStatic = true;
      config = "${p.cpu.name}-${p.vendor.name}-${p.kernel.name}-${muslAbi.${p.abi.name} or "musl"}";
      gcc = platform.gcc or { };
    };

  # The crossSystem nixbuild's pkgs.nix passes for a target, and the
  # platform of the set it then uses (pkgsStatic for a static target).
  targetCrossSystem =
    t:
    if t.static then
      staticCrossSystem (lib.systems.elaborate { inherit (t) config; })
    else
      { inherit (t) config; };

  platformFacts = platform: genAttrs fields (field platform);

  # A stand-in for the package set that `emulator` receives.
  fakePkgs = buildPlatform: {
    stdenv.hostPlatform = buildPlatform;
    writeShellScriptBin =
      name: text:
      (mkDrv name [ "out" ])
      // {
        meta.mainProgram = name;
      };
    qemu-user = mkDrv "qemu-user-1.0" [ "out" ];
  };
  build = lib.systems.elaborate "x86_64-linux";
  targetPlatform =
    name:
    if platformFor == null then
      lib.systems.elaborate (targetCrossSystem targets.${name})
    else
      platformFor name (targetCrossSystem targets.${name});

  systems = {
    targets = b.mapAttrs (name: t: platformFacts (targetPlatform name)) targets;
    "targets: crossSystem" = b.mapAttrs (name: t: outcome (targetCrossSystem t)) targets;
    "targets: run on x86_64-linux" = b.mapAttrs (name: t: {
      canExecute = outcome (build.canExecute (targetPlatform name));
      emulatorAvailable = outcome ((targetPlatform name).emulatorAvailable (fakePkgs build));
      emulator = outcome ((targetPlatform name).emulator (fakePkgs build));
    }) targets;
    examples = genAttrs exampleNames (name: outcome (lib.systems.examples.${name} or (throw "no example ${name}")));
    "examples: elaborated" = genAttrs exampleNames (
      name: platformFacts (lib.systems.elaborate (lib.systems.examples.${name} or (throw "no example ${name}")))
    );
    elaborate = b.mapAttrs (_: input: platformFacts (lib.systems.elaborate input)) elaborateInputs;
    equals = b.mapAttrs (_: pair: outcome (lib.systems.equals (b.elemAt pair 0) (b.elemAt pair 1))) {
      "string and system set" = [
        (lib.systems.elaborate "aarch64-linux")
        (lib.systems.elaborate { system = "aarch64-linux"; })
      ];
      "string and config" = [
        (lib.systems.elaborate "x86_64-linux")
        (lib.systems.elaborate { config = "x86_64-unknown-linux-gnu"; })
      ];
      "static and not" = [
        (lib.systems.elaborate { config = "x86_64-unknown-linux-musl"; })
        (lib.systems.elaborate {
          config = "x86_64-unknown-linux-musl";
          isStatic = true;
        })
      ];
      "other cpu" = [
        (lib.systems.elaborate "x86_64-linux")
        (lib.systems.elaborate "aarch64-linux")
      ];
    };
    "canExecute: pairs" = b.mapAttrs (_: pair: outcome ((lib.systems.elaborate (b.elemAt pair 0)).canExecute (lib.systems.elaborate (b.elemAt pair 1)))) {
      "x86_64 runs i686" = [
        "x86_64-linux"
        "i686-linux"
      ];
      "i686 runs x86_64" = [
        "i686-linux"
        "x86_64-linux"
      ];
      "aarch64 runs armv7l" = [
        "aarch64-linux"
        "armv7l-linux"
      ];
      "gnu runs musl" = [
        "x86_64-linux"
        { config = "x86_64-unknown-linux-musl"; }
      ];
      "itself" = [
        "riscv64-linux"
        "riscv64-linux"
      ];
    };
  };

  # Every function of the lib compared: its type and formal arguments.
  shapes = b.mapAttrs (
    name: _:
    if args.lib ? ${name} then
      outcome {
        type = b.typeOf lib.${name};
        args = if b.isFunction lib.${name} || lib.${name} ? __functor then lib.functionArgs lib.${name} else null;
      }
    else
      { missing = true; }
  ) functions;

  # Cases that end the evaluation in nixpkgs (`abort`, which tryEval does
  # not catch): the caller evaluates them one by one.
  aborts = {
    callPackageWith = {
      "missing argument" = lib.callPackageWith { } pkgFn { };
    };
  };

  table = {
    functions = b.mapAttrs (_: b.mapAttrs (_: outcome)) functions;
    aborts = b.mapAttrs (_: b.mapAttrs (_: outcome)) aborts;
    inherit shapes systems;
  };
in
if only == [ ] then
  table
else
  getPath only table
