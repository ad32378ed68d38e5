"""nixbuild.toml → a typed, immutable Project.

Every error names the file, the key and its line, and exits with code 2
(ConfigError). Reading uses the standard library's ``tomllib``; the line of a
key is located by scanning the source's table headers and ``key =`` lines.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from nixbuild import platforms, readfile
from nixbuild.builders import all as builders
from nixbuild.errors import ConfigError, printable

CONFIG_NAME = "nixbuild.toml"
CONFIG_VERSION = 1
SOURCES = ("hostpkgs", "channel", "lock")  # plus "path:DIR"
MAX_LAYERS_LIMIT = 125  # Docker's practical limit is about 127 layers

NONROOT = ("nonroot", 65532, 65532)
_PKG_NAME = re.compile(r"[A-Za-z0-9+_?=-][A-Za-z0-9+._?=-]*\Z")  # Nix store name chars
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9+._-]*\Z")
_PROGRAM = re.compile(r"[^/\x00]+\Z")
# https://github.com/distribution/reference grammar (path components, lowercase)
_IMAGE_NAME = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\Z")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PORT = re.compile(r"(\d{1,5})(?:/(tcp|udp|sctp))?\Z")
_USER = re.compile(r"(\d+)(?::(\d+))?\Z")
_ATTR_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*(?:\.[A-Za-z_][A-Za-z0-9_'-]*)*\Z")
# Closure policy: package-set attributes that must never be in an image, and
# "@dev"/"@man"/"@doc": those outputs of the package and of its inputs.
DEFAULT_FORBID = (
    "bash", "bashInteractive", "dash", "zsh", "coreutils", "busybox",
    "stdenv.cc", "stdenv.cc.cc", "gcc", "binutils", "@dev", "@man", "@doc",
)
FORBID_OUTPUT_CLASSES = ("@dev", "@man", "@doc")
# Nix refuses store path names longer than this (a derivation's own name
# gets ".drv" on top of it).
STORE_NAME_MAX = 211
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Every key of nixbuild.toml with the kind of value it takes (README, "Config
# reference"); the tables' known keys come from here.
SCHEMA: dict[str, dict[str, str]] = {
    "package": {
        "name": "string", "version": "string", "src": "string", "builder": "string", "outputs": "string list",
        "program": "string", "inputs": "string list",
        # and each builder's own keys (builders/<name>.py SCHEMA)
        **{key: kind for b in builders.BUILDERS.values() for key, kind in b.SCHEMA.items()},
    },
    "image": {
        "name": "string", "tag": "string", "entrypoint": "string list", "cmd": "string list",
        "env": "string table", "workdir": "string", "user": "string", "ports": "port list",
        "labels": "string table", "certs": "boolean", "tzdata": "boolean", "max-layers": "integer",
        "extra": "string list", "forbid": "string list", "debug": "boolean",
        "archive": "boolean",
    },
    "nixpkgs": {"source": "string", "overlays": "string list", "nixbuild-overlays": "boolean"},
    "target": {"platforms": "string list"},
    # [test] (one smoke test) or [[test]] (several): commands run in the built image.
    "test": {"name": "string", "args": "string list", "exit-code": "integer", "stdout": "string",
             "stderr": "string", "timeout": "integer"},
}
TEST_TIMEOUT = 30  # seconds a smoke test may run
TEST_TIMEOUT_LIMIT = 3600


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int

    @property
    def spec(self) -> str:
        return f"{self.uid}:{self.gid}"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    src: str  # POSIX path relative to the project
    builder: str  # a name in builders.all.BUILDERS
    outputs: tuple[str, ...]
    program: str
    options: Any  # the builder's own keys: builders.<builder>.Options
    inputs: tuple[str, ...] = ()  # package-set attribute paths → buildInputs


@dataclass(frozen=True)
class Image:
    name: str
    tag: str
    entrypoint: tuple[str, ...] | None  # None: the package's program
    cmd: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    workdir: str
    user: User
    ports: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
    certs: bool
    tzdata: bool
    max_layers: int
    extra: tuple[str, ...] = ()  # "<attribute path>.<output>", e.g. "openssl.out"
    forbid: tuple[str, ...] = DEFAULT_FORBID
    debug: bool = False
    archive: bool = False  # also write the docker-archive on every build (besides the OCI layout)


@dataclass(frozen=True)
class Nixpkgs:
    source: str  # "hostpkgs" | "channel" | "lock" | "path"
    path: str | None = None  # absolute directory for source "path"
    overlays: tuple[str, ...] = ()  # globs relative to the project, applied in sorted order
    nixbuild_overlays: bool = True  # apply nixbuild's own overlays (overlays/ in nixbuild) first


@dataclass(frozen=True)
class Target:
    platforms: tuple[str, ...]


@dataclass(frozen=True)
class SmokeTest:
    """A command run in the built image ([test]): the entrypoint with ``args``, as
    `docker run IMAGE ARGS…` runs it, and what it must do."""

    name: str
    args: tuple[str, ...] | None  # None: the image's cmd
    exit_code: int = 0
    stdout: str | None = None  # a regular expression searched for in the output
    stderr: str | None = None
    timeout: int = TEST_TIMEOUT  # seconds


@dataclass(frozen=True)
class Project:
    root: Path
    config_file: Path
    package: Package
    image: Image
    nixpkgs: Nixpkgs
    target: Target = field(default_factory=lambda: Target(platforms=()))
    tests: tuple[SmokeTest, ...] = ()  # [test]: run in the image before it is done
    # The line of each key (("image", "forbid") → 12), for errors found after loading.
    lines: dict[tuple[str, ...], int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def default_target(self) -> str:
        return self.target.platforms[0]

    def key_error(self, key: tuple[str, ...], message: str, hint: str | None = None) -> ConfigError:
        """A ConfigError naming the file, the line and ``key``, for what only a later step finds out
        (e.g. an input the package set lacks)."""
        return ConfigError(f"{_where(self.config_file, self.lines, key)}: {message}", hint=hint)


# ---------------------------------------------------------------------------
# Locating keys in the source


_HEADER = re.compile(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEYLINE = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    arrays: dict[tuple[str, ...], int] = {}  # [[name]] tables seen so far: the Nth is "name[N]"
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = tuple(part.strip().strip("\"'") for part in header.group(1).split("."))
            lines.setdefault(table, number)
            if line.lstrip().startswith("[["):
                arrays[table] = arrays.get(table, 0) + 1
                table = (*table[:-1], f"{table[-1]}[{arrays[table]}]")
                lines.setdefault(table, number)
            continue
        key = _KEYLINE.match(line)
        if key:
            lines.setdefault(table + (key.group(1).strip("\"'"),), number)
    return lines


def _where(path: Path, lines: dict[tuple[str, ...], int], key: tuple[str, ...]) -> str:
    """"nixbuild.toml:LINE: table.key" (the line of the nearest enclosing key that has one)."""
    line = next((lines[key[:end]] for end in range(len(key), 0, -1) if key[:end] in lines), None)
    where = f"{path.name}:{line}" if line else path.name
    return f"{where}: " + ".".join(printable(part) for part in key)


def close_matches(word: str, choices: Any) -> list[str]:
    """The few ``choices`` that look like a misspelling of ``word``, best first."""
    import difflib  # only to explain a mistake

    return difflib.get_close_matches(word, sorted(set(choices)), n=3, cutoff=0.6)


def did_you_mean(word: str, choices: Any, fallback: str | None = None) -> str | None:
    """A hint naming the close matches of ``word`` (or ``fallback`` when there are none)."""
    found = close_matches(word, choices)
    return "did you mean " + " or ".join(repr(c) for c in found) + "?" if found else fallback


class Reader:
    """Typed access to the parsed TOML, with errors that name file, key and line."""

    def __init__(self, path: Path, text: str, data: dict[str, Any]):
        self.path = path
        self.data = data
        self.lines = _key_lines(text)

    def error(self, key: tuple[str, ...], message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{_where(self.path, self.lines, key)}: {message}", hint=hint)

    def table(self, name: str, known: set[str] | None = None) -> dict[str, Any]:
        known = set(SCHEMA[name]) if known is None else known
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.error((name,), "must be a table", hint=f"write it as [{name}]")
        for key in value:
            if key not in known:
                raise self.error(
                    (name, key),
                    "unknown key",
                    hint="known keys: " + ", ".join(sorted(known)),
                )
        return value

    def get(
        self,
        section: str,
        table: dict[str, Any],
        key: str,
        kind: type | tuple[type, ...],
        default: Any = None,
        required: bool = False,
    ) -> Any:
        if key not in table:
            if required:
                raise self.error((section, key), "is required", hint=f"add `{key} = …` under [{section}]")
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(_type_name(k) for k in kinds)
            raise self.error((section, key), f"must be {names}, not {_type_name(type(value))}")
        if isinstance(value, str) and "\x00" in value:
            raise self.error((section, key), "must not contain a NUL character")
        return value

    def str_list(self, section: str, table: dict[str, Any], key: str, default: Any = None) -> tuple[str, ...] | None:
        value = self.get(section, table, key, list, default)
        if value is None:
            return None
        for item in value:
            if not isinstance(item, str):
                raise self.error((section, key), f"must be a list of strings, found {_type_name(type(item))}")
            if "\x00" in item:
                raise self.error((section, key), "must not contain a NUL character")
        return tuple(value)

    def str_table(self, section: str, table: dict[str, Any], key: str) -> tuple[tuple[str, str], ...]:
        value = self.get(section, table, key, dict, {})
        items = []
        for name, item in value.items():
            if not isinstance(item, str):
                raise self.error((section, key, name), f"must be a string, not {_type_name(type(item))}")
            if "\x00" in item or "\x00" in name:
                raise self.error((section, key, name), "must not contain a NUL character")
            items.append((name, item))
        return tuple(items)

    def check(self, section: str, key: str, value: str, pattern: re.Pattern[str], what: str) -> str:
        if not pattern.match(value):
            raise self.error((section, key), f"{value!r} is not a valid {what}")
        return value

    def relative_inside(self, section: str, key: str, value: str, root: Path) -> str:
        """``value`` as a POSIX path relative to ``root``; an error when it leaves it."""
        pure = PurePosixPath(value)
        resolved = (root / value).resolve()
        if pure.is_absolute() or not (resolved == root or root in resolved.parents):
            raise self.error((section, key), f"{value!r} is outside the project",
                             hint="use a path relative to the project directory")
        rel = resolved.relative_to(root).as_posix()
        return "." if rel == "" else rel


def _type_name(kind: type) -> str:
    return {str: "a string", bool: "a boolean", int: "an integer", list: "a list", dict: "a table",
            float: "a number"}.get(kind, kind.__name__)


# ---------------------------------------------------------------------------
# Loading


def find_config(project_dir: Path) -> Path:
    path = project_dir / CONFIG_NAME
    if not readfile.regular(path, CONFIG_NAME, hint=f"{CONFIG_NAME} must be a readable file"):
        raise ConfigError(
            f"{path}: no {CONFIG_NAME} here",
            hint="run nixbuild in a project directory or pass -C DIR",
        )
    return path


def load(project_dir: Path) -> Project:
    path = find_config(project_dir)
    text = readfile.read_text(path, CONFIG_NAME, hint=f"{CONFIG_NAME} must be a readable file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: invalid TOML: {printable(str(exc))}",
                          hint="check the syntax at that line") from None
    except RecursionError:
        raise ConfigError(f"{path.name}: invalid TOML: arrays or tables nested too deeply",
                          hint="nixbuild.toml needs no nesting deeper than a table of strings") from None
    return parse(data, text, path)


def parse(data: dict[str, Any], text: str, path: Path) -> Project:
    r = Reader(path, text, data)
    for key in data:
        if key not in ("version", "package", "image", "nixpkgs", "target", "test"):
            raise r.error((key,), "unknown key",
                          hint="known: version, [package], [image], [nixpkgs], [target], [[test]]")
    version = data.get("version", CONFIG_VERSION)
    if type(version) is not int:
        raise r.error(("version",), f"must be an integer, not {_type_name(type(version))}",
                      hint=f"write version = {CONFIG_VERSION}")
    if version != CONFIG_VERSION:
        raise r.error(("version",), f"unsupported config version {version!r}", hint=f"this nixbuild reads version {CONFIG_VERSION}")
    root = path.parent.resolve()
    package = _package(r, root)
    image = _image(r, package)
    _check_store_names(r, package, image)
    nixpkgs = _nixpkgs(r, root)
    target = _target(r)
    tests = _tests(r)
    return Project(root=root, config_file=path, package=package, image=image, nixpkgs=nixpkgs, target=target,
                   tests=tests, lines=r.lines)


def store_names(package: Package, image: Image) -> list[tuple[tuple[str, ...], str]]:
    """The store names nixbuild derives from the config (derivations get ".drv"), each with
    the keys it comes from: the package, its source or artifact (both, whichever the builder
    makes: a name must fit either), the shell, and the image's own derivations (dockerTools
    names them after the image name's last component)."""
    nv = f"{package.name}-{package.version}"
    base = image.name.rsplit("/", 1)[-1]
    return [
        (("package", "name"), f"{package.name}-shell.drv"),
        (("package", "name"), f"{nv}-source.drv"),  # builder = "c"
        (("package", "name"), f"{nv}-fixup"),  # builder = "shell": the fix-up record's output
        *((("package", "name"), f"{nv}-{out}") for out in package.outputs if out != "out"),
        (("image", "name"), f"{base}-customisation-layer.drv"),
        (("image", "name"), f"{base}-closure-policy.drv"),
    ]


def _check_store_names(r: Reader, package: Package, image: Image) -> None:
    for key, name in store_names(package, image):
        if len(name) > STORE_NAME_MAX:
            if key == ("package", "name") and len(package.version) > len(package.name):
                key = ("package", "version")
            raise r.error(key, f"is too long: Nix store names are at most {STORE_NAME_MAX} characters, and "
                          f"nixbuild derives one of {len(name)} from it ({printable(name[:40])}…)",
                          hint=f"shorten {'.'.join(key)}")


def _package(r: Reader, root: Path) -> Package:
    s = "package"
    builder_keys = frozenset().union(*(b.KEYS for b in builders.BUILDERS.values()))
    t = r.table(s)
    if not t:
        raise r.error((s,), "is required", hint="add a [package] table with at least `name`")
    name = r.check(s, "name", r.get(s, t, "name", str, required=True), _PKG_NAME, "package name")
    version = r.check(s, "version", r.get(s, t, "version", str, "0.0.0"), _VERSION, "version")
    builder_name = r.get(s, t, "builder", str, builders.DEFAULT)
    if builder_name not in builders.BUILDERS:
        raise r.error((s, "builder"), f"unknown builder {builder_name!r}", hint="one of: " + ", ".join(builders.BUILDERS))
    builder = builders.BUILDERS[builder_name]
    src = r.relative_inside(s, "src", r.get(s, t, "src", str, "."), root)
    src_path = root / src
    if not src_path.exists():
        raise r.error((s, "src"), f"{src!r} does not exist", hint="name the source directory, relative to the project")
    if not src_path.is_dir():
        raise r.error((s, "src"), f"{src!r} is not a directory",
                      hint="name the directory that holds the sources (and the Makefile), e.g. src = \".\"")
    outputs = r.str_list(s, t, "outputs", None)
    if outputs is not None and not outputs:
        raise r.error((s, "outputs"), "is empty: nothing would go into the image",
                      hint="name the outputs the image holds, or leave the key out for "
                           + ", ".join(builder.DEFAULT_OUTPUTS))
    outputs = tuple(outputs or builder.DEFAULT_OUTPUTS)
    for out in outputs:
        if not re.match(r"[a-z][a-z0-9]*\Z", out):
            raise r.error((s, "outputs"), f"{out!r} is not a valid output name")
        if out == "dev":
            raise r.error((s, "outputs"), "the dev output never goes into an image", hint="name runtime outputs only, e.g. bin, lib, out")
    inputs = r.str_list(s, t, "inputs", ()) or ()
    for item in inputs:
        if not _ATTR_PATH.match(item):
            raise r.error((s, "inputs"), f"{item!r} is not a package-set attribute path", hint='e.g. inputs = ["openssl", "zlib"]')
    for key in sorted(builder_keys - builder.KEYS):
        if key in t:
            owners = " or ".join(f"builder = \"{b.NAME}\"" for b in builders.BUILDERS.values() if key in b.KEYS)
            raise r.error((s, key), f"only applies to {owners}, not {builder_name!r}")
    options = builder.options(r, t, root, outputs)
    default_program = builder.default_program(options) or name
    program = r.check(s, "program", r.get(s, t, "program", str, default_program), _PROGRAM, "program name")
    return Package(name=name, version=version, src=src, builder=builder_name, outputs=outputs,
                   program=program, options=options, inputs=tuple(inputs))


def _image(r: Reader, package: Package) -> Image:
    s = "image"
    t = r.table(s)
    name = r.get(s, t, "name", str, package.name.lower())
    if "name" not in t and not _IMAGE_NAME.match(name):
        raise r.error((s, "name"), f"defaults to the package name, lowercased, and {name!r} is not a valid image name",
                      hint='set it under [image], e.g. name = "app" (lowercase letters, digits, . _ - and /)')
    name = r.check(s, "name", name, _IMAGE_NAME, "image name")
    tag = r.get(s, t, "tag", str, package.version)
    if "tag" not in t and not _TAG.match(tag):
        raise r.error((s, "tag"), f"defaults to the package version, and {tag!r} is not a valid image tag",
                      hint='set it under [image], e.g. tag = "1.0" (at most 128 letters, digits, _ . -)')
    tag = r.check(s, "tag", tag, _TAG, "image tag")
    entrypoint = r.str_list(s, t, "entrypoint", None)
    if entrypoint is not None and not entrypoint:
        raise r.error((s, "entrypoint"), "must not be empty", hint="leave it out to run the package's program")
    cmd = r.str_list(s, t, "cmd", ()) or ()
    env = r.str_table(s, t, "env")
    for key, _ in env:
        if not _ENV_NAME.match(key):
            raise r.error((s, "env", key), f"{key!r} is not a valid environment variable name")
    user = _user(r, r.get(s, t, "user", str, "nonroot"))
    workdir = r.get(s, t, "workdir", str, "/" if user.uid == 0 else f"/home/{user.name}")
    if not workdir.startswith("/"):
        raise r.error((s, "workdir"), f"{workdir!r} must be an absolute path")
    ports = []
    for port in r.get(s, t, "ports", list, []):
        text = str(port) if isinstance(port, int) and not isinstance(port, bool) else port
        match = _PORT.match(text) if isinstance(text, str) else None
        if not match or not 1 <= int(match.group(1)) <= 65535:
            raise r.error((s, "ports"), f"{port!r} is not a port", hint='e.g. ports = [8080, "53/udp"]')
        ports.append(f"{int(match.group(1))}/{match.group(2) or 'tcp'}")
    labels = r.str_table(s, t, "labels")
    for key, _ in labels:
        if not key or _CONTROL.search(key):
            raise r.error((s, "labels", key), f"{key!r} is not a label key: it is empty or holds a control character",
                          hint="OCI tools split labels on newlines; use a key such as org.opencontainers.image.source")
    certs = r.get(s, t, "certs", bool, True)
    tzdata = r.get(s, t, "tzdata", bool, False)
    max_layers = r.get(s, t, "max-layers", int, 100)
    if not 2 <= max_layers <= MAX_LAYERS_LIMIT:
        raise r.error((s, "max-layers"), f"{max_layers} is out of range 2..{MAX_LAYERS_LIMIT}",
                      hint="Docker cannot run images with more than about 127 layers")
    extra = r.str_list(s, t, "extra", ()) or ()
    for item in extra:
        if not _ATTR_PATH.match(item):
            raise r.error((s, "extra"), f"{item!r} is not a package output", hint='name an output: e.g. "openssl.out"')
        if item.endswith(".dev"):
            raise r.error((s, "extra"), f"{item!r}: the dev output never goes into an image")
    forbid = r.str_list(s, t, "forbid", None)
    forbid = DEFAULT_FORBID if forbid is None else forbid
    for item in forbid:
        if item.startswith("@") and item not in FORBID_OUTPUT_CLASSES:
            raise r.error((s, "forbid"), f"{item!r} is not an output class (" + ", ".join(FORBID_OUTPUT_CLASSES) + ")",
                          hint=did_you_mean(item, FORBID_OUTPUT_CLASSES, "one of " + ", ".join(FORBID_OUTPUT_CLASSES)))
        if not (_ATTR_PATH.match(item) or item in FORBID_OUTPUT_CLASSES):
            raise r.error((s, "forbid"), f"{item!r} is not a package-set attribute path or one of "
                          + ", ".join(FORBID_OUTPUT_CLASSES), hint=did_you_mean(item, DEFAULT_FORBID))
    debug = r.get(s, t, "debug", bool, False)
    if debug and len(tag) > 122:
        raise r.error((s, "tag"), "is too long for the -debug variant's tag")
    archive = r.get(s, t, "archive", bool, False)
    return Image(name=name, tag=tag, entrypoint=entrypoint, cmd=tuple(cmd), env=env, workdir=workdir, user=user,
                 ports=tuple(ports), labels=labels, certs=certs, tzdata=tzdata, max_layers=max_layers,
                 extra=tuple(extra), forbid=tuple(forbid), debug=debug, archive=archive)


def _user(r: Reader, value: str) -> User:
    if value == "nonroot":
        return User(*NONROOT)
    if value == "root":
        return User("root", 0, 0)
    match = _USER.match(value)
    if not match:
        raise r.error(("image", "user"), f"{value!r} is not a user", hint='use "nonroot", "root" or "UID[:GID]"')
    uid = int(match.group(1))
    gid = int(match.group(2) or uid)
    if uid > 2**32 - 2 or gid > 2**32 - 2:
        raise r.error(("image", "user"), f"{value!r} is out of range")
    return User("root" if uid == 0 else "app", uid, gid)


def _nixpkgs(r: Reader, root: Path) -> Nixpkgs:
    s = "nixpkgs"
    t = r.table(s)
    source = r.get(s, t, "source", str, "channel")
    overlays = r.str_list(s, t, "overlays", ()) or ()
    for pattern in overlays:
        pure = PurePosixPath(pattern)
        if not pattern or pure.is_absolute() or ".." in pure.parts or "\\" in pattern:
            raise r.error((s, "overlays"), f"{pattern!r} must be a glob relative to the project, inside it",
                          hint='e.g. overlays = ["overlays/*.nix"]')
    own = r.get(s, t, "nixbuild-overlays", bool, True)
    if source.startswith("path:"):
        raw = source[len("path:"):]
        if not raw:
            raise r.error((s, "source"), "path: needs a directory", hint='e.g. source = "path:/src/nixpkgs"')
        directory = (root / raw).resolve()
        if not directory.is_dir():
            what = "does not exist" if not directory.exists() else "is not a directory"
            raise r.error((s, "source"), f"{directory.as_posix()} {what}",
                          hint="point path: at a nixpkgs checkout, or use source = \"lock\" with `nixbuild lock`")
        if not (directory / "default.nix").is_file():
            raise r.error((s, "source"), f"{directory.as_posix()} is not a nixpkgs checkout (it has no default.nix)",
                          hint="point path: at the top of a nixpkgs checkout")
        return Nixpkgs(source="path", path=directory.as_posix(), overlays=tuple(overlays), nixbuild_overlays=own)
    if source not in SOURCES:
        raise r.error((s, "source"), f"unknown source {source!r}", hint="one of: hostpkgs, channel, lock, path:DIR")
    return Nixpkgs(source=source, overlays=tuple(overlays), nixbuild_overlays=own)


def _target(r: Reader) -> Target:
    s = "target"
    t = r.table(s)
    names = r.str_list(s, t, "platforms", None)
    if names is not None and not names:
        raise r.error((s, "platforms"), "is empty: there would be nothing to build",
                      hint=f"name at least one target, or leave the key out for this host's ({platforms.native_target()})")
    names = names or (platforms.native_target(),)
    for name in names:
        if name not in platforms.TARGETS:
            raise r.error((s, "platforms"), f"unknown target {printable(name)!r}",
                          hint=did_you_mean(name, platforms.TARGETS, "valid targets: " + ", ".join(platforms.TARGETS)))
    return Target(platforms=tuple(dict.fromkeys(names)))


Validator = Callable[[str], str]


_TEST_EXAMPLE = '[[test]] with args = ["--version"] and stdout = "1\\.0"'


def _tests(r: Reader) -> tuple[SmokeTest, ...]:
    """[test] (one smoke test) or [[test]] (a list of them)."""
    value = r.data.get("test")
    if value is None:
        return ()
    if isinstance(value, dict):
        tables = [("test", value)]
    elif isinstance(value, list) and value and all(isinstance(t, dict) for t in value):
        tables = [(f"test[{i}]", t) for i, t in enumerate(value, start=1)]
    else:
        raise r.error(("test",), "must be a table ([test]) or an array of tables ([[test]])",
                      hint=f"one table per command, e.g. {_TEST_EXAMPLE}")
    known = set(SCHEMA["test"])
    tests = []
    for s, t in tables:
        for key in t:
            if key not in known:
                raise r.error((s, key), "unknown key", hint=did_you_mean(key, known, "known keys: " + ", ".join(sorted(known))))
        args = r.str_list(s, t, "args", None)
        name = r.get(s, t, "name", str, None)
        if name is not None and (not name.strip() or _CONTROL.search(name)):
            raise r.error((s, "name"), "must be a non-empty line of text")
        exit_code = r.get(s, t, "exit-code", int, 0)
        if not 0 <= exit_code <= 255:
            raise r.error((s, "exit-code"), f"{exit_code} is not an exit code (0..255)")
        timeout = r.get(s, t, "timeout", int, TEST_TIMEOUT)
        if not 1 <= timeout <= TEST_TIMEOUT_LIMIT:
            raise r.error((s, "timeout"), f"{timeout} is out of range 1..{TEST_TIMEOUT_LIMIT} (seconds)")
        patterns = {}
        for key in ("stdout", "stderr"):
            pattern = r.get(s, t, key, str, None)
            if pattern is not None:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise r.error((s, key), f"is not a regular expression: {printable(str(exc))}",
                                  hint="Python's re syntax; escape . ( [ with a backslash (\\\\ in TOML strings)") from None
            patterns[key] = pattern
        label = name or (" ".join(args) if args else "(the image's cmd)" if args is None else "(no arguments)")
        tests.append(SmokeTest(name=label, args=args, exit_code=exit_code, stdout=patterns["stdout"],
                               stderr=patterns["stderr"], timeout=timeout))
    return tuple(tests)
