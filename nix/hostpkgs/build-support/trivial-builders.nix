# Trivial builders with nixpkgs' names and arguments
# (pkgs/build-support/trivial-builders/default.nix).
{
  lib,
  stdenv,
  stdenvNoCC,
  runtimeShell,
}:
rec {
  runCommandWith =
    let
      defaultStdenv = stdenv;
    in
    {
      stdenv ? defaultStdenv,
      runLocal ? false,
      derivationArgs ? { },
      name,
    }:
    buildCommand:
    stdenv.mkDerivation (
      {
        enableParallelBuilding = true;
        inherit buildCommand name;
        passAsFile = [ "buildCommand" ] ++ (derivationArgs.passAsFile or [ ]);
      }
      // lib.optionalAttrs runLocal {
        preferLocalBuild = true;
        allowSubstitutes = false;
      }
      // lib.removeAttrs derivationArgs [ "passAsFile" ]
    );

  runCommand =
    name: env:
    runCommandWith {
      stdenv = stdenvNoCC;
      runLocal = false;
      inherit name;
      derivationArgs = env;
    };
  runCommandLocal =
    name: env:
    runCommandWith {
      stdenv = stdenvNoCC;
      runLocal = true;
      inherit name;
      derivationArgs = env;
    };
  runCommandCC =
    name: env:
    runCommandWith {
      inherit stdenv;
      runLocal = false;
      inherit name;
      derivationArgs = env;
    };

  writeTextFile =
    {
      name,
      text,
      executable ? false,
      destination ? "",
      checkPhase ? "",
      meta ? { },
      passthru ? { },
      allowSubstitutes ? false,
      preferLocalBuild ? true,
      derivationArgs ? { },
      # nixpkgs: the position reported for the derivation (meta.position).
      pos ? builtins.unsafeGetAttrPos "name" args,
    }@args:
    assert lib.assertMsg (destination != "" -> (lib.hasPrefix "/" destination && destination != "/"))
      "writeTextFile: destination must be an absolute path relative to $out, got '${destination}'";
    let
      binMatch = builtins.match "/bin/([^/]+)" destination;
    in
    runCommand name (
      {
        inherit
          text
          executable
          checkPhase
          allowSubstitutes
          preferLocalBuild
          ;
        passAsFile = [ "text" ] ++ derivationArgs.passAsFile or [ ];
        meta =
          lib.optionalAttrs (executable && binMatch != null) { mainProgram = lib.head binMatch; }
          // meta
          // derivationArgs.meta or { };
        passthru = passthru // derivationArgs.passthru or { };
      }
      // lib.removeAttrs derivationArgs [
        "passAsFile"
        "meta"
        "passthru"
      ]
    ) ''
      target=$out${lib.escapeShellArg destination}
      mkdir -p "$(dirname "$target")"
      if [ -e "$textPath" ]; then
        mv "$textPath" "$target"
      else
        echo -n "$text" > "$target"
      fi
      if [ -n "$executable" ]; then
        chmod +x "$target"
      fi
      eval "$checkPhase"
    '';

  writeText = name: text: writeTextFile { inherit name text; };
  writeTextDir =
    path: text:
    writeTextFile {
      inherit text;
      name = builtins.baseNameOf path;
      destination = "/${path}";
    };
  writeScript =
    name: text:
    writeTextFile {
      inherit name text;
      executable = true;
    };
  writeScriptBin =
    name: text:
    writeTextFile {
      inherit name text;
      executable = true;
      destination = "/bin/${name}";
    };
  writeShellScript =
    name: text:
    writeTextFile {
      inherit name;
      executable = true;
      text = ''
        #!${runtimeShell}
        ${text}
      '';
      checkPhase = ''
        ${stdenv.shellDryRun} "$target"
      '';
    };
  writeShellScriptBin =
    name: text:
    writeTextFile {
      inherit name;
      executable = true;
      destination = "/bin/${name}";
      text = ''
        #!${runtimeShell}
        ${text}
      '';
      checkPhase = ''
        ${stdenv.shellDryRun} "$target"
      '';
      meta.mainProgram = name;
    };

  # Host has no lndir; `cp -rs` builds the same forest of symlinks.
  symlinkJoin =
    args_@{
      name ?
        assert lib.assertMsg (args_ ? pname && args_ ? version)
          "symlinkJoin requires either a `name` OR `pname` and `version`";
        "${args_.pname}-${args_.version}",
      paths,
      stripPrefix ? "",
      preferLocalBuild ? true,
      allowSubstitutes ? false,
      postBuild ? "",
      failOnMissing ? stripPrefix == "",
      ...
    }:
    let
      args =
        lib.removeAttrs args_ [
          "name"
          "postBuild"
          "stripPrefix"
          "paths"
          "failOnMissing"
        ]
        // {
          inherit preferLocalBuild allowSubstitutes;
          paths = map (p: "${p}${stripPrefix}") (lib.filter (p: p != null) (lib.flatten paths));
          passAsFile = [ "paths" ];
        };
    in
    runCommand name args ''
      mkdir -p $out
      for i in $(cat $pathsPath); do
        if [ ! -d "$i" ]; then
          ${
            if failOnMissing then
              ''echo "symlinkJoin: $i is not a directory" >&2; exit 1''
            else
              "continue"
          }
        fi
        cp -rs --no-preserve=mode -T -f "$i" "$out"
      done
      ${postBuild}
    '';

  linkFarm =
    name: entries:
    let
      entries' =
        if lib.isAttrs entries then
          entries
        else if lib.isList entries then
          lib.foldl (a: b: a // { "${b.name}" = b.path; }) { } entries
        else
          throw "linkFarm entries must be either attrs or a list!";
      linkCommands = lib.mapAttrsToList (name: path: ''
        mkdir -p -- "$(dirname -- ${lib.escapeShellArg "${name}"})"
        ln -s -- ${lib.escapeShellArg "${path}"} ${lib.escapeShellArg "${name}"}
      '') entries';
    in
    runCommand name
      {
        preferLocalBuild = true;
        allowSubstitutes = false;
        passthru.entries = entries';
      }
      ''
        mkdir -p $out
        cd $out
        ${lib.concatStrings linkCommands}
      '';

  # Store paths of the closure of `paths`, one per line, sorted.
  writeClosure =
    paths:
    runCommand "runtime-deps"
      {
        exportReferencesGraph = lib.concatLists (lib.imap0 (i: p: [ "graph-${toString i}" p ]) paths);
      }
      ''
        cat graph-* /dev/null | /usr/bin/python3 -c '
        import sys
        lines = sys.stdin.read().split("\n")
        out, i = set(), 0
        while i < len(lines) and lines[i]:
            out.add(lines[i]); n = int(lines[i + 2]); i += 3 + n
        print("\n".join(sorted(out)))' > $out
      '';
}
