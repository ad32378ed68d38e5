"""A corpus of broken and hostile projects, generated from the config schema
(config.SCHEMA): every key with a value of every wrong type, values out of
range, injection payloads in every string key, paths that leave the project,
symlinks out of it, unreadable and binary files, corrupt and truncated
nixbuild.lock. Each case asserts the documented exit code, exactly one
`nixbuild: error` line, no traceback, nothing in nixbuild-result/, and that no
payload was evaluated (no shell ran it: the marker file never appears; no Nix
evaluated it: Nix evaluates the accepted ones without aborting).

Almost every case is refused before Nix runs, so the corpus is fast; the
configs that accept a payload are evaluated by Nix, and one of them is built
and run, its payloads arriving in the image unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nixbuild import config
from tests.conftest import nix_env, nixbuild
from tests.e2e.hostile import (MARKER, as_reader_without_dac, assert_nothing_written, assert_one_error, c_config,
                               fork_cli, project, shell_config, toml)
from tests.e2e.tools import bwrap_run, skopeo_inspect, unpack

pytestmark = pytest.mark.nix

EXIT_CONFIG, EXIT_NIX, EXIT_LOCK = 2, 4, 7

# -- every key × every wrong type ---------------------------------------------

# One value of each TOML type, as TOML source, and the kinds of SCHEMA it fits.
VALUES = {
    "string": ('"text"', {"string", "string or string list"}),
    "integer": ("7", {"integer"}),
    "float": ("1.5", set()),
    "boolean": ("true", {"boolean"}),
    "datetime": ("1979-05-27T07:32:00Z", set()),
    "string list": ('["a", "b"]', {"string list", "string or string list"}),
    "integer list": ("[1, 2]", {"port list"}),
    "nested list": ('[["a"]]', set()),
    "table": ('{ a = "b" }', {"string table"}),
}


def schema_keys() -> list[tuple[str, str, str]]:
    """(table, key, kind) of every key of the config, and the top-level version."""
    keys = [("", "version", "integer")]
    keys += [(table, key, kind) for table, entries in config.SCHEMA.items() for key, kind in entries.items()]
    return keys


def base_for(table: str, key: str) -> dict[str, Any]:
    """A valid config in which ``key`` applies (a shell builder's keys need builder = "shell")."""
    from nixbuild.builders import all as builders

    shell = builders.BUILDERS["shell"]
    return shell_config() if table == "package" and key in shell.KEYS else c_config()


WRONG_TYPES = [
    pytest.param(table, key, value, id=f"{table or 'top'}.{key}={kind_name}")
    for table, key, kind in schema_keys()
    for kind_name, (value, fits) in VALUES.items()
    if kind not in fits
]


@pytest.mark.parametrize(("table", "key", "value"), WRONG_TYPES)
def test_every_key_refuses_every_wrong_type(tmp_path: Path, table: str, key: str, value: str) -> None:
    cfg = base_for(table, key)
    if table:
        cfg.setdefault(table, {}).pop(key, None)
    else:
        cfg.pop(key, None)
    root = project(tmp_path, toml(cfg, raw={(table, key): value}))
    line = assert_one_error(fork_cli("image", "-C", str(root)), EXIT_CONFIG)
    dotted = f"{table}.{key}" if table else key
    assert "nixbuild.toml:" in line and f": {dotted}" in line, line
    assert_nothing_written(root)


def test_the_corpus_is_generated_from_the_whole_schema() -> None:
    keys = {(t, k) for t, k, _ in schema_keys()}
    assert {(p.values[0], p.values[1]) for p in WRONG_TYPES} == keys
    assert len(WRONG_TYPES) >= 150


# -- values out of range ---------------------------------------------------------

OUT_OF_RANGE = [
    ("", "version", 0), ("", "version", 2), ("", "version", -1), ("", "version", 2**63 - 1),
    ("image", "max-layers", 0), ("image", "max-layers", 1), ("image", "max-layers", 126),
    ("image", "max-layers", -5), ("image", "max-layers", 2**63 - 1),
    ("image", "ports", [0]), ("image", "ports", [65536]), ("image", "ports", [-1]), ("image", "ports", ["80/foo"]),
    ("image", "ports", ["http"]), ("image", "ports", [" 80"]), ("image", "ports", ["80/tcp/udp"]),
    ("image", "user", "4294967295"), ("image", "user", "-1"), ("image", "user", "1:4294967295"),
    ("image", "user", "0x10"), ("image", "user", "root:root"), ("image", "user", ""),
    ("image", "tag", ""), ("image", "tag", "a" * 129), ("image", "tag", "-x"), ("image", "tag", ".x"),
    ("image", "name", ""), ("image", "name", "Upper"), ("image", "name", "a" * 300), ("image", "name", "a//b"),
    ("image", "name", "a/"), ("image", "name", "/a"),
    ("package", "name", ""), ("package", "name", "a" * 300), ("package", "name", "a b"), ("package", "name", "../x"),
    ("package", "version", ""), ("package", "version", " 1"), ("package", "version", "1 0"),
    ("package", "version", "1" * 250),
    ("package", "outputs", []), ("package", "outputs", ["dev"]), ("package", "outputs", ["bin", "dev"]),
    ("package", "outputs", ["Bin"]), ("package", "outputs", ["doc"]),
    ("package", "program", ""), ("package", "program", "a/b"),
    ("package", "make-target", ""), ("package", "make-target", "-k"),
    ("package", "inputs", [""]), ("package", "inputs", ["a b"]), ("package", "inputs", ["zlib.${x}"]),
    ("image", "workdir", ""), ("image", "workdir", "relative"),
    ("image", "entrypoint", []),
    ("image", "env", {"1A": "x"}), ("image", "env", {"": "x"}), ("image", "env", {"A=B": "x"}),
    ("image", "env", {"A\nB": "x"}),
    ("image", "labels", {"": "x"}), ("image", "labels", {"a\tb": "x"}), ("image", "labels", {"a\nb": "x"}),
    ("image", "extra", ["openssl.dev"]), ("image", "extra", ["a b"]), ("image", "extra", [""]),
    ("image", "forbid", ["@devv"]), ("image", "forbid", [""]), ("image", "forbid", ["a b"]),
    ("target", "platforms", []), ("target", "platforms", ["mips-linux"]), ("target", "platforms", ["X86_64-linux"]),
    ("nixpkgs", "source", ""), ("nixpkgs", "source", "path:"), ("nixpkgs", "source", "flake:nixpkgs"),
    ("nixpkgs", "source", "path:/nonexistent"), ("nixpkgs", "source", "path:nixbuild.toml"),
    ("nixpkgs", "source", "Lock"),
    ("nixpkgs", "overlays", [""]), ("nixpkgs", "overlays", ["missing.nix"]), ("nixpkgs", "overlays", ["a\\b.nix"]),
    # (a trailing "/" names a directory, which shell mode takes: an install tree)
    ("package", "artifact", ""), ("package", "artifact", "."), ("package", "artifact", []),
    ("package", "artifact", ["../x"]),
    ("package", "make-flags", ["a\x00b"]), ("image", "cmd", ["a\x00b"]),
]


@pytest.mark.parametrize(("table", "key", "value"), [pytest.param(*case, id=f"{case[0] or 'top'}.{case[1]}={case[2]!r}"[:80])
                                                     for case in OUT_OF_RANGE])
def test_values_out_of_range_are_refused_naming_the_key(tmp_path: Path, table: str, key: str, value: Any) -> None:
    cfg = base_for(table, key)
    if table:
        cfg[table][key] = value
    else:
        cfg[key] = value
    root = project(tmp_path, cfg)
    line = assert_one_error(fork_cli("image", "-C", str(root)), EXIT_CONFIG)
    dotted = f"{table}.{key}" if table else key
    assert f": {dotted}" in line, line
    assert_nothing_written(root)


# -- injection payloads ----------------------------------------------------------

def payloads(marker_file: Path) -> list[str]:
    """Strings that would do harm if a config value became Nix code, shell code, a template or TOML."""
    return [
        f'${{builtins.abort "{MARKER}"}}',
        f'" + builtins.abort "{MARKER}" + "',
        f"''${{builtins.abort \"{MARKER}\"}}''",
        f'\\${{builtins.abort "{MARKER}"}}',
        f"$(touch {marker_file})",
        f"`touch {marker_file}`",
        f"; touch {marker_file} #",
        f'*/ builtins.abort "{MARKER}" /*',
        f'\n[image]\nname = "{MARKER}"',
        f"{{{{ 7*7 }}}}{{% raw %}}{MARKER}",
        f"a\x7f\x1b[31m{MARKER}",
        f"$(builtins.abort {MARKER})\"; }}; builtins.abort \"{MARKER}",
    ]


# Keys whose values are free text: a payload is data there, accepted and passed on unchanged.
FREE = ("image.cmd", "image.entrypoint", "image.env", "image.labels", "image.workdir", "package.make-flags",
        "package.install-flags")
# Keys with a grammar (names, versions, paths, attribute paths, targets): a payload is refused.
STRICT = {
    ("package", "name"): lambda p: p, ("package", "version"): lambda p: p, ("package", "builder"): lambda p: p,
    ("package", "outputs"): lambda p: [p], ("package", "inputs"): lambda p: [p],
    ("package", "src"): lambda p: p, ("package", "program"): lambda p: p + "/x",
    ("image", "name"): lambda p: p, ("image", "tag"): lambda p: p, ("image", "user"): lambda p: p,
    ("image", "ports"): lambda p: [p], ("image", "extra"): lambda p: [p], ("image", "forbid"): lambda p: [p],
    ("target", "platforms"): lambda p: [p], ("nixpkgs", "source"): lambda p: p,
    ("image", "env"): lambda p: {p: "x"},  # as a variable name
}


@pytest.mark.parametrize("index", range(12))
@pytest.mark.parametrize(("table", "key"), sorted(STRICT), ids=lambda v: v)
def test_a_payload_in_a_key_with_a_grammar_is_refused(tmp_path: Path, table: str, key: str, index: int) -> None:
    marker = tmp_path / "pwned"
    payload = payloads(marker)[index]
    cfg = c_config()
    cfg[table][key] = STRICT[(table, key)](payload)
    root = project(tmp_path, cfg)
    assert_one_error(fork_cli("image", "-C", str(root)), EXIT_CONFIG)
    assert_nothing_written(root)
    assert not marker.exists()


def free_config(payload: str) -> dict[str, Any]:
    cfg = c_config()
    cfg["package"].update({"make-flags": [payload], "install-flags": [payload]})
    cfg["image"].update(cmd=[payload, "x"], entrypoint=["/nix/store/x/bin/hello", payload], env={"PAYLOAD": payload},
                        labels={"payload": payload, payload.replace("\x1b", "").replace("\x7f", "")
                                .replace("\n", " "): "key"},
                        workdir="/" + payload)
    return cfg


def evaluate(root: Path, attr: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["nix-instantiate", str(root / ".nixbuild"), "-A", attr], env=nix_env(),
                          capture_output=True, text=True)


@pytest.mark.parametrize("index", range(12))
def test_a_payload_in_free_text_is_data_and_never_evaluated(tmp_path: Path, index: int) -> None:
    marker = tmp_path / "pwned"
    payload = payloads(marker)[index]
    root = project(tmp_path, free_config(payload))
    result = fork_cli("generate", "-C", str(root))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for attr in ("image", "package"):  # every string of the image config and the build is forced
        evaluated = evaluate(root, attr)
        assert evaluated.returncode == 0, evaluated.stderr
        assert MARKER not in evaluated.stderr
    assert not marker.exists()
    assert_nothing_written(root)


def test_payloads_reach_the_image_unchanged_and_it_runs(tmp_path: Path) -> None:
    """One build of a config full of payloads (free text only): the image's config holds them
    verbatim, nothing was evaluated, and the program still does its job."""
    marker = tmp_path / "pwned"
    values = payloads(marker)
    cfg = c_config()
    cfg["image"].update(
        cmd=values,
        env={f"P{i}": v for i, v in enumerate(values)},
        labels={f"p{i}": v for i, v in enumerate(values)},
    )
    root = project(tmp_path, cfg)
    result = nixbuild("image", "--json", "-C", str(root))
    assert result.returncode == 0, result.stderr
    assert MARKER not in result.stderr and not marker.exists()
    archive = Path(result.json()["image"])
    image_config = skopeo_inspect(archive, config=True)["config"]
    assert image_config["Cmd"] == values
    assert image_config["Labels"] == {f"p{i}": v for i, v in enumerate(values)}
    env = dict(e.split("=", 1) for e in image_config["Env"])
    assert {k: v for k, v in env.items() if k[0] == "P" and k[1:].isdigit()} == \
        {f"P{i}": v for i, v in enumerate(values)}
    rootfs = unpack(archive, tmp_path / "unpacked")
    assert bwrap_run(rootfs, image_config["Entrypoint"], uid=65532, gid=65532, env=image_config["Env"]) \
        == "Hello from nixbuild!\n"
    assert not marker.exists()


# -- paths out of the project ---------------------------------------------------

def _link_outside(tmp_path: Path, root: Path, rel: str, target_is_dir: bool) -> None:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    target = outside / ("dir" if target_is_dir else "file.nix")
    if target_is_dir:
        target.mkdir(exist_ok=True)
        (target / "Makefile").write_text("all:\n")
    else:
        target.write_text("final: prev: { }\n")
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).symlink_to(target)


PATH_ESCAPES = [
    ("src", {"package": {"src": "../x"}}, None),
    ("src-absolute", {"package": {"src": "/etc"}}, None),
    ("src-dotdot-inside", {"package": {"src": "a/../../x"}}, None),
    ("src-symlink-out", {"package": {"src": "vendor"}}, ("vendor", True)),
    ("artifact", {"package": {"artifact": "../hello"}}, None),
    ("artifact-absolute", {"package": {"artifact": "/tmp/hello"}}, None),
    ("artifact-symlink-out", {"package": {"artifact": "out/hello"}}, ("out", True)),
    ("overlay-dotdot", {"nixpkgs": {"overlays": ["../*.nix"]}}, None),
    ("overlay-absolute", {"nixpkgs": {"overlays": ["/etc/*.nix"]}}, None),
    ("overlay-inner-dotdot", {"nixpkgs": {"overlays": ["overlays/../../x.nix"]}}, None),
    ("overlay-symlink-out", {"nixpkgs": {"overlays": ["overlays/*.nix"]}}, ("overlays/fix.nix", False)),
    ("overlay-symlink-out-named", {"nixpkgs": {"overlays": ["overlays/fix.nix"]}}, ("overlays/fix.nix", False)),
    ("overlay-dir-symlink-out", {"nixpkgs": {"overlays": ["overlays/*/*.nix"]}}, ("overlays/vendor", True)),
]


@pytest.mark.parametrize(("name", "change", "link"), PATH_ESCAPES, ids=[c[0] for c in PATH_ESCAPES])
def test_paths_and_symlinks_out_of_the_project_are_refused(tmp_path: Path, name: str, change: dict[str, Any],
                                                           link: tuple[str, bool] | None) -> None:
    shell = "artifact" in name
    cfg = shell_config() if shell else c_config()
    for table, keys in change.items():
        cfg[table].update(keys)
    root = project(tmp_path, cfg, "hello-c-shell" if shell else "hello-c")
    if link:
        _link_outside(tmp_path, root, *link)
        if name == "overlay-dir-symlink-out":
            (tmp_path / "outside" / "dir" / "x.nix").write_text("final: prev: { }\n")
    line = assert_one_error(fork_cli("image", "-C", str(root)), EXIT_CONFIG)
    assert "nixbuild.toml:" in line, line
    assert any(why in line for why in ("outside the project", "inside it", "does not exist")), line
    assert_nothing_written(root)


# -- unreadable, binary and misplaced files ---------------------------------------

def _config_file_cases() -> list[tuple[str, Any, str]]:
    return [
        ("binary", lambda p: p.write_bytes(bytes(range(256)) * 4), "not valid UTF-8"),
        ("nul-bytes", lambda p: p.write_bytes(b'[package]\nname = "a\x00b"\n'), "invalid TOML"),
        ("latin1", lambda p: p.write_bytes(b'[package]\nname = "h\xe9llo"\n'), "nixbuild.toml:2: not valid UTF-8"),
        ("utf16", lambda p: p.write_bytes('[package]\nname = "x"\n'.encode("utf-16")), "not valid UTF-8"),
        ("empty", lambda p: p.write_text(""), "package: is required"),
        ("truncated", lambda p: p.write_text('[package]\nname = "hel'), "invalid TOML"),
        ("directory", lambda p: p.mkdir(), "nixbuild.toml: is a directory, not a file"),
        ("fifo", lambda p: os.mkfifo(p), "nixbuild.toml: is a named pipe (FIFO), not a file"),
        ("dangling-symlink", lambda p: p.symlink_to(p.parent / "gone.toml"), "which does not exist"),
        ("symlink-loop", lambda p: p.symlink_to(p), "cannot be read"),
        ("deep-arrays", lambda p: p.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n"), "nested too deeply"),
        ("deep-tables", lambda p: p.write_text("x = " + "{a=" * 3000 + "1" + "}" * 3000 + "\n"), "nested too deeply"),
        ("array-of-tables", lambda p: p.write_text('[[package]]\nname = "x"\n'), "package: must be a table"),
        ("table-is-string", lambda p: p.write_text('package = "x"\n'), "package: must be a table"),
    ]


@pytest.mark.parametrize(("name", "make", "expected"), _config_file_cases(), ids=[c[0] for c in _config_file_cases()])
def test_a_broken_nixbuild_toml_is_one_line(tmp_path: Path, name: str, make: Any, expected: str) -> None:
    root = project(tmp_path, c_config())
    (root / "nixbuild.toml").unlink()
    make(root / "nixbuild.toml")
    line = assert_one_error(fork_cli("image", "-C", str(root), timeout=30), EXIT_CONFIG)
    assert expected in line, line
    assert_nothing_written(root)


def test_an_unreadable_nixbuild_toml_is_one_line(tmp_path: Path) -> None:
    root = project(tmp_path, c_config())
    (root / "nixbuild.toml").chmod(0)
    proc = subprocess.run(as_reader_without_dac([sys.executable, "-m", "nixbuild", "image", "-C", str(root)]),
                          env=nix_env(), capture_output=True, text=True, timeout=60)
    from tests.conftest import CliResult

    line = assert_one_error(CliResult(proc.returncode, proc.stdout, proc.stderr), EXIT_CONFIG)
    assert line.startswith("nixbuild: error: nixbuild.toml: cannot be read: Permission denied"), line


def _overlay_cases() -> list[tuple[str, Any, int, str]]:
    return [
        ("directory", lambda p: p.mkdir(), EXIT_CONFIG, "overlays/fix.nix: is a directory, not a file"),
        ("fifo", lambda p: os.mkfifo(p), EXIT_CONFIG, "overlays/fix.nix: is a named pipe (FIFO), not a file"),
        ("dangling", lambda p: p.symlink_to(p.parent / "gone.nix"), EXIT_CONFIG, "'overlays/fix.nix' does not exist"),
        ("binary", lambda p: p.write_bytes(bytes(range(1, 256))), EXIT_NIX, "overlays/fix.nix:1:"),
        ("syntax", lambda p: p.write_text("final: prev: {\n  x = ;\n}\n"), EXIT_NIX, "overlays/fix.nix:2: syntax error"),
        ("injection", lambda p: p.write_text(f'final: prev: builtins.abort "{MARKER}"\n'), EXIT_NIX, MARKER),
    ]


@pytest.mark.parametrize(("name", "make", "code", "expected"), _overlay_cases(), ids=[c[0] for c in _overlay_cases()])
def test_a_broken_overlay_is_one_line_naming_it(tmp_path: Path, name: str, make: Any, code: int,
                                                 expected: str) -> None:
    """(An overlay is Nix code by design: its own abort is reported, as Nix's error, in one line.)"""
    cfg = c_config()
    cfg["nixpkgs"]["overlays"] = ["overlays/fix.nix"]
    root = project(tmp_path, cfg)
    (root / "overlays").mkdir()
    make(root / "overlays" / "fix.nix")
    result = fork_cli("image", "-C", str(root), timeout=120)
    errors = [line for line in result.stderr.splitlines() if line.startswith("nixbuild: error:")]
    assert result.returncode == code, result.stderr
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert_nothing_written(root)


# -- corrupt and truncated nixbuild.lock ------------------------------------------

GOOD_LOCK = {"version": 1, "settings": {"source": "hostpkgs", "path": None, "overlays": [], "nixbuild-overlays": True},
             "nixpkgs": None, "overlays": []}


def _lock_cases() -> list[tuple[str, Any, int, str]]:
    good = json.dumps(GOOD_LOCK, indent=2)
    return [
        ("truncated", good[: len(good) // 2], EXIT_LOCK, "not valid JSON"),
        ("empty", "", EXIT_LOCK, "not valid JSON"),
        ("binary", bytes(range(256)), EXIT_LOCK, "not valid UTF-8"),
        ("null", "null", EXIT_LOCK, "unsupported lock version"),
        ("list", "[1, 2]", EXIT_LOCK, "unsupported lock version"),
        ("version-2", json.dumps({**GOOD_LOCK, "version": 2}), EXIT_LOCK, "unsupported lock version 2"),
        ("version-float", json.dumps({**GOOD_LOCK, "version": 1.5}), EXIT_LOCK, "unsupported lock version"),
        ("missing-key", json.dumps({k: v for k, v in GOOD_LOCK.items() if k != "overlays"}), EXIT_LOCK,
         "expected the keys"),
        ("bad-overlay-hash", json.dumps({**GOOD_LOCK, "overlays": [{"name": "x", "sha256": "zz"}]}), EXIT_LOCK,
         "overlays must be a list"),
        ("bad-pin-hash", json.dumps({**GOOD_LOCK, "nixpkgs": {"type": "tarball", "url": "https://x/y.tar.gz",
                                                               "sha256": "nope"}}), EXIT_LOCK, "not a Nix base-32"),
        ("relative-pin", json.dumps({**GOOD_LOCK, "nixpkgs": {"type": "path", "path": "x", "sha256": "0" * 52}}),
         EXIT_LOCK, "must be absolute"),
        ("pin-injection", json.dumps({**GOOD_LOCK, "nixpkgs": {"type": "tarball", "sha256": "0" * 52,
                                                                "url": f'x"; builtins.abort "{MARKER}'}}),
         EXIT_LOCK, "nixpkgs.url contains whitespace"),
        ("deep", "[" * 100000 + "]" * 100000, EXIT_LOCK, "nested too deeply"),
        ("directory", None, EXIT_CONFIG, "nixbuild.lock: is a directory, not a file"),
        ("fifo", "fifo", EXIT_CONFIG, "nixbuild.lock: is a named pipe (FIFO), not a file"),
    ]


@pytest.mark.parametrize(("name", "content", "code", "expected"), _lock_cases(), ids=[c[0] for c in _lock_cases()])
def test_a_corrupt_lock_is_one_line(tmp_path: Path, name: str, content: Any, code: int, expected: str) -> None:
    root = project(tmp_path, c_config())
    lock = root / "nixbuild.lock"
    if content is None:
        lock.mkdir()
    elif content == "fifo":
        os.mkfifo(lock)
    elif isinstance(content, bytes):
        lock.write_bytes(content)
    else:
        lock.write_text(content)
    line = assert_one_error(fork_cli("image", "--locked", "-C", str(root), timeout=30), code)
    assert expected in line, line
    assert_nothing_written(root)
