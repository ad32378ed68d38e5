# nixbuild's image function: a distroless-style image that holds only the
# explicit outputs it is given, their runtime closure, and the opt-in pieces
# (fake NSS with a non-root user, CA certificates, tzdata, /tmp).
#
# Called with `pkgs.callPackage ./lib/image.nix { }`; every argument below
# mirrors a key of [image] in nixbuild.toml (README, "Config reference").
# Uses only nixpkgs' public interface (dockerTools.streamLayeredImage,
# dockerTools.fakeNss, dockerTools.caCertificates, tzdata, runCommand).
{
  lib,
  dockerTools,
  runCommand,
  tzdata,
}:
{
  # Image name and tag.
  name,
  tag,
  # Store paths placed in the image, e.g. [ hello.bin ] (never .dev).
  outputs,
  # Image entrypoint, a list of strings; store paths in it count as contents.
  entrypoint,
  # Default arguments to the entrypoint.
  cmd ? [ ],
  # Environment variables (attrset of strings); they override the defaults.
  env ? { },
  # Working directory of the entrypoint.
  workdir ? "/",
  # The user the entrypoint runs as; null runs as root without an NSS entry.
  user ? {
    name = "nonroot";
    uid = 65532;
    gid = 65532;
  },
  # Exposed ports, e.g. [ "8080/tcp" ].
  ports ? [ ],
  # Image labels (attrset of strings).
  labels ? { },
  # CA certificates at the three standard paths, with SSL_CERT_FILE.
  certs ? true,
  # Time zone data at /usr/share/zoneinfo, with TZDIR.
  withTzdata ? false,
  # One layer per popular store path up to this many layers.
  maxLayers ? 100,
  # OCI architecture label; null keeps dockerTools' default for the package set.
  architecture ? null,
  # More outputs to place in the image, e.g. [ openssl.out ] (never .dev).
  extraContents ? [ ],
  # Closure policy: store paths that must not be in the image's closure
  # (checked at build time with disallowedRequisites).
  forbidden ? [ ],
  # Content of /etc/os-release, or null for none.
  osRelease ? null,
  # A busybox package for the -debug variant (at /busybox, /busybox/sh), or null.
  debugShell ? null,
  # Image creation time and file mtimes (ISO 8601), e.g. from SOURCE_DATE_EPOCH.
  created ? "1970-01-01T00:00:01Z",
}:
let
  # Every nixpkgs function nixbuild calls takes the arguments it passes, and
  # the image has the attributes nixbuild reads; else one line naming the
  # supported window (./window.nix).
  window = import ./window.nix;

  isRoot = user == null || user.uid == 0;

  nss =
    if isRoot then
      dockerTools.fakeNss
    else
      window.checkArgs "dockerTools.fakeNss.override" dockerTools.fakeNss.override {
        extraPasswdLines = [
          "${user.name}:x:${toString user.uid}:${toString user.gid}:${user.name}:/home/${user.name}:/sbin/nologin"
        ];
        extraGroupLines = [ "${user.name}:x:${toString user.gid}:" ];
      };

  zoneinfo = runCommand "zoneinfo-usr-share" { } ''
    mkdir -p $out/usr/share
    ln -s ${tzdata}/share/zoneinfo $out/usr/share/zoneinfo
  '';

  defaultEnv =
    { PATH = "/bin"; }
    // lib.optionalAttrs certs { SSL_CERT_FILE = "/etc/ssl/certs/ca-bundle.crt"; }
    // lib.optionalAttrs withTzdata { TZDIR = "/usr/share/zoneinfo"; };

  allEnv =
    defaultEnv
    // lib.optionalAttrs (debugShell != null) { PATH = "/bin:/busybox"; }
    // env;

  osReleaseFile = runCommand "os-release" { inherit osRelease; } ''
    mkdir -p $out/etc
    printf '%s' "$osRelease" > $out/etc/os-release
  '';

  busyboxDir = runCommand "busybox-dir" { } ''
    mkdir -p $out
    ln -s ${debugShell}/bin $out/busybox
  '';

  contents =
    outputs
    ++ extraContents
    ++ [ nss ]
    ++ lib.optional certs dockerTools.caCertificates
    ++ lib.optional withTzdata zoneinfo
    ++ lib.optional (osRelease != null) osReleaseFile
    ++ lib.optional (debugShell != null) busyboxDir;

  # The closure policy: a small wrapper of the image contents that Nix refuses
  # to build when a forbidden path is in their closure. The image depends on
  # it (through extraCommands) without it becoming part of the image.
  # Named like dockerTools names its own derivations: after the last component
  # of the image name ("org/app" → "app-closure-policy"; "/" is not a store name character).
  policy = runCommand "${baseNameOf (lib.toLower name)}-closure-policy" {
    disallowedRequisites = forbidden;
    roots = contents;
  } ''
    # One line per root (printf is a shell builtin: no process per root, which took
    # a second for an image of 1,000 paths); the references are what Nix checks.
    printf '%s\n' $roots > $out
  '';
in
window.checkResult "dockerTools.streamLayeredImage result" [ "conf" "streamScript" ] (
  window.checkArgs "dockerTools.streamLayeredImage" dockerTools.streamLayeredImage (
    {
      inherit name tag maxLayers contents created;
      mtime = created;
      # /tmp is world-writable with the sticky bit, as in distroless. The
      # policy path is named only so that it is built first.
      extraCommands = ''
        : closure policy checked by ${policy}
        mkdir -m 1777 tmp
      '';
      # The user's home directory, owned by the user (distroless: /home/nonroot).
      fakeRootCommands = lib.optionalString (!isRoot) ''
        mkdir -p ./home/${lib.escapeShellArg user.name}
        chown ${toString user.uid}:${toString user.gid} ./home/${lib.escapeShellArg user.name}
      '';
      passthru.nixbuild = {
        inherit policy;
        roots = map toString contents;
        # The package's outputs in the image: nixbuild's closure proof checks their ELF files
        # (`outputDrvs`: the same, built in the one nix-build that builds conf and streamScript).
        outputs = map toString outputs;
        outputDrvs = outputs;
      };
      config =
        {
          Entrypoint = entrypoint;
          Env = lib.mapAttrsToList (k: v: "${k}=${v}") allEnv;
          WorkingDir = workdir;
        }
        // lib.optionalAttrs (!isRoot) { User = "${toString user.uid}:${toString user.gid}"; }
        // lib.optionalAttrs (cmd != [ ]) { Cmd = cmd; }
        // lib.optionalAttrs (ports != [ ]) {
          ExposedPorts = builtins.listToAttrs (
            map (p: {
              name = p;
              value = { };
            }) ports
          );
        }
        // lib.optionalAttrs (labels != { }) { Labels = labels; };
    }
    // lib.optionalAttrs (architecture != null) { inherit architecture; }
  )
)
