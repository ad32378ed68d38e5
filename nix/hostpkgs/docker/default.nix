# dockerTools for hostpkgs: streamLayeredImage, buildLayeredImage, fakeNss,
# caCertificates, with nixpkgs' argument names and defaults
# (pkgs/build-support/docker/default.nix). The layering and archive writing
# are our own Python (./py), run with the host's /usr/bin/python3.
{
  lib,
  stdenv,
  buildPackages,
  runCommand,
  runCommandCC,
  writeText,
  symlinkJoin,
  fakeNss,
  cacert,
  fakeroot,
}:
let
  # -B: never write __pycache__ into the store (the stream script runs outside
  # the sandbox, and root may write into a store path it imports from).
  python3 = "/usr/bin/python3 -B";
  scripts = builtins.path {
    path = ./py;
    name = "docker-tools-scripts";
    filter = path: type: type == "directory" || lib.hasSuffix ".py" path;
  };
  defaultArchitecture = stdenv.hostPlatform.go.GOARCH;

  # The stream script, as nixpkgs' `writePython3 "stream"` from buildPackages:
  # an executable for the build platform that takes the conf as its argument.
  streamScript = buildPackages.writeTextFile {
    name = "stream";
    executable = true;
    text = ''
      #!${python3}
      import runpy
      runpy.run_path("${scripts}/stream.py", run_name="__main__")
    '';
  };

  # The `#!` of the stream-<name> wrapper. nixpkgs' wrapper (makeWrapper from
  # the host set's point of view) named the *target's* bash before nixpkgs PR
  # 536230, so on the build machine it fails with "exec format error" for a
  # cross set. hostpkgs has no cross bash: a program compiled for the target
  # stands in for it, and the wrapper fails the same way.
  isCross = stdenv.hostPlatform.config != stdenv.buildPlatform.config;
  wrapperShell =
    if isCross then
      "${
        runCommandCC "bash" { } ''
          mkdir -p $out/bin
          printf 'int main(void) { return 126; }\n' > stub.c
          $CC -o $out/bin/bash stub.c
        ''
      }/bin/bash"
    else
      "/bin/bash";

  unsupported =
    name: what:
    throw "dockerTools.streamLayeredImage (${name}): ${what} is not yet supported in hostpkgs (nix/hostpkgs/README.md)";

  compressors = {
    none = {
      ext = "";
      compress = "cat";
    };
    gz = {
      ext = ".gz";
      compress = "gzip -n -6";
    };
    zstd = {
      ext = ".zst";
      compress = "zstd -q -T1 --no-progress";
    };
  };
  compressorForImage =
    compressor: imageName:
    compressors.${compressor}
      or (throw "in docker image ${imageName}: compressor must be one of: [${toString (lib.attrNames compressors)}]");
in
rec {
  inherit fakeNss;

  caCertificates = runCommand "ca-certificates" { } ''
    mkdir -p $out/etc/ssl/certs $out/etc/pki/tls/certs
    ln -s ${cacert}/etc/ssl/certs/ca-bundle.crt $out/etc/ssl/certs/ca-bundle.crt
    ln -s ${cacert}/etc/ssl/certs/ca-bundle.crt $out/etc/ssl/certs/ca-certificates.crt
    ln -s ${cacert}/etc/ssl/certs/ca-bundle.crt $out/etc/pki/tls/certs/ca-bundle.crt
  '';

  streamLayeredImage = lib.makeOverridable (
    {
      name,
      tag ? null,
      fromImage ? null,
      contents ? [ ],
      config ? { },
      architecture ? defaultArchitecture,
      created ? "1970-01-01T00:00:01Z",
      mtime ? "1970-01-01T00:00:01Z",
      uid ? 0,
      gid ? 0,
      uname ? "root",
      gname ? "root",
      maxLayers ? 100,
      extraCommands ? "",
      fakeRootCommands ? "",
      enableFakechroot ? false,
      includeStorePaths ? true,
      includeNixDB ? false,
      passthru ? { },
      meta ? { },
      debug ? false,
      # nixpkgs: a custom layering pipeline (experimental there); null = its default.
      layeringPipeline ? null,
    }:
    assert lib.assertMsg (maxLayers > 1)
      "the maxLayers argument of dockerTools.buildLayeredImage function must be greather than 1 (current value: ${toString maxLayers})";
    let
      baseName = baseNameOf name;
      contentsList = lib.toList contents;

      checked =
        if fromImage != null then
          unsupported name "fromImage"
        else if includeNixDB then
          unsupported name "includeNixDB"
        else if enableFakechroot then
          unsupported name "enableFakechroot"
        else if layeringPipeline != null then
          unsupported name "layeringPipeline"
        else
          true;

      # Image config as written; store paths in it become image paths.
      baseJson = writeText "${baseName}-base.json" (
        builtins.toJSON {
          inherit config architecture;
          os = "linux";
        }
      );

      # Contents joined at /, then extraCommands, tarred here so modes like
      # 1777 survive. Every entry's mtime is the stdenv's SOURCE_DATE_EPOCH
      # (315532800, 1980-01-01), as nixpkgs' `tar --mtime "@$SOURCE_DATE_EPOCH"`
      # of this layer: `mtime` applies to the store path layers only.
      # fakeRootCommands run as in nixpkgs: in the layer directory, under
      # fakeroot, with $stdenv/setup sourced; the tar is written in the same
      # fakeroot session so it records the faked owners.
      # FAKEROOTDONTTRYCHOWN: in the sandbox's user namespace a real chown to
      # an unmapped id fails with EINVAL, which fakeroot would pass on.
      customisationLayer =
        runCommand "${baseName}-customisation-layer"
          {
            paths = map toString contentsList;
            inherit extraCommands fakeRootCommands;
            inherit uname gname;
            # nixpkgs: nativeBuildInputs = [ fakeroot ].
            nativeBuildInputs = lib.optional (fakeRootCommands != "") fakeroot;
            uid = toString uid;
            gid = toString gid;
            passAsFile = [
              "extraCommands"
              "fakeRootCommands"
            ];
          }
          (
            ''
              mkdir layer
              for p in $paths; do
                if [ -d "$p" ]; then
                  cp -rs --no-preserve=mode -T -f "$p" layer
                fi
              done
              chmod u+w layer
              (cd layer && source "$extraCommandsPath")
              mkdir $out
            ''
            + (
              if fakeRootCommands == "" then
                ''
                  ${python3} ${scripts}/customisation.py layer "$out/layer.tar" "$SOURCE_DATE_EPOCH" "$uid" "$gid" "$uname" "$gname"
                ''
              else
                ''
                  FAKEROOTDONTTRYCHOWN=1 fakeroot ${stdenv.shell} -e -c '
                    source "$stdenv/setup"
                    (cd layer && source "$fakeRootCommandsPath")
                    ${python3} ${scripts}/customisation.py layer "$out/layer.tar" "$SOURCE_DATE_EPOCH" "$uid" "$gid" "$uname" "$gname" --faked-owners
                  '
                ''
            )
          );

      graphRoots = contentsList ++ [ baseJson ];
      graphName = i: "graph-${toString i}";

      conf =
        runCommand "${baseName}-conf.json"
          {
            inherit
              created
              mtime
              uname
              gname
              maxLayers
              ;
            uid = toString uid;
            gid = toString gid;
            imageName = lib.toLower name;
            imageTag = if tag == null then "" else tag;
            includeStorePaths = includeStorePaths;
            exportReferencesGraph = lib.concatLists (
              lib.imap0 (i: root: [
                (graphName i)
                root
              ]) graphRoots
            );
            graphNames = toString (lib.imap0 (i: _: graphName i) graphRoots);
            inherit baseJson;
            excludePaths = toString [ baseJson ];
            customisationLayer = customisationLayer;
            preferLocalBuild = true;
            passthru.imageTag =
              if tag != null then
                tag
              else
                lib.head (lib.splitString "-" (baseNameOf (builtins.unsafeDiscardStringContext conf.outPath)));
          }
          ''
            ${python3} ${scripts}/mkconf.py
            ${lib.optionalString debug "cat $out >&2"}
          '';

      result =
        runCommand "stream-${baseName}"
          {
            inherit conf;
            imageName = lib.toLower name;
            preferLocalBuild = true;
            passthru = passthru // {
              inherit (conf) imageTag;
              inherit conf streamScript;
              isExe = true;
            };
            inherit meta;
          }
          ''
            cat > $out <<EOS
            #!${wrapperShell}
            exec ${streamScript} ${conf} "\$@"
            EOS
            chmod +x $out
          '';
    in
    assert checked;
    result
  );

  buildLayeredImage = lib.makeOverridable (
    {
      name,
      compressor ? "gz",
      meta ? { },
      ...
    }@args:
    let
      stream = streamLayeredImage (builtins.removeAttrs args [ "compressor" ]);
      compress = compressorForImage compressor name;
    in
    runCommand "${baseNameOf name}.tar${compress.ext}" {
      inherit (stream) imageName;
      passthru = {
        inherit (stream) imageTag;
        inherit stream;
      };
      inherit meta;
    } "${stream} | ${compress.compress} > $out"
  );
}
