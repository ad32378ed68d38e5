"""Helpers of the hostile-input tests: projects shaped like the examples with
a config written case by case, the CLI run in a forked child (the real entry
point, isolated like a new process — its own locks, signal handlers and file
descriptors — without an interpreter start per case), and the checks every
case must pass."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.conftest import EXAMPLES, CliResult, nix_env

MARKER = "NIXBUILD-PWNED"  # in every injection payload: it must never be evaluated


def toml_value(value: Any) -> str:
    """A TOML literal of ``value`` (strings escaped as TOML basic strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def toml(config: Mapping[str, Any], raw: Mapping[tuple[str, str], str] = {}) -> str:
    """The config as nixbuild.toml; ``raw`` gives a key's value as TOML source instead."""
    lines = [f"{k} = {raw.get(('', k)) or toml_value(v)}" for k, v in config.items() if not isinstance(v, dict)]
    lines += [f"{k} = {v}" for (t, k), v in raw.items() if t == "" and k not in config]
    for table, keys in config.items():
        if not isinstance(keys, dict):
            continue
        lines.append(f"\n[{table}]")
        lines += [f"{toml_value(k)} = {raw.get((table, k)) or toml_value(v)}" for k, v in keys.items()]
        lines += [f"{toml_value(k)} = {v}" for (t, k), v in raw.items() if t == table and k not in keys]
    return "\n".join(lines) + "\n"


def c_config() -> dict[str, Any]:
    return {
        "version": 1,
        "package": {"name": "hello", "version": "1.0.0", "builder": "c"},
        "image": {"name": "hello", "tag": "1.0.0"},
        "nixpkgs": {"source": "hostpkgs"},
        "target": {"platforms": ["x86_64-linux"]},
    }


def shell_config() -> dict[str, Any]:
    config = c_config()
    config["package"].update(builder="shell", build="make", artifact="build/{target}/hello")
    return config


def project(dest: Path, config: Mapping[str, Any] | str, example: str = "hello-c") -> Path:
    """A copy of an example with ``config`` (a dict, or nixbuild.toml's text) as its nixbuild.toml."""
    root = dest / "project"
    if not root.exists():
        shutil.copytree(EXAMPLES / example, root,
                        ignore=shutil.ignore_patterns(".nixbuild", "nixbuild-result", "build"))
    (root / "nixbuild.toml").write_text(config if isinstance(config, str) else toml(config))
    return root


def fork_cli(*args: str, env: Mapping[str, str] | None = None, timeout: float = 60) -> CliResult:
    """``nixbuild ARGS`` by nixbuild's own entry point in a forked child."""
    import importlib

    from nixbuild import cli

    for name in cli.COMMANDS:  # imported once here, not again in every child
        importlib.import_module(f"nixbuild.commands.{name}")
    environ = dict(env if env is not None else nix_env())
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a process of its own from here on
        code = 70
        try:
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            for fd in (out_r, out_w, err_r, err_w):
                os.close(fd)
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 (pytest replaced them)
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
            os.environ.clear()
            os.environ.update(environ)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                cli.main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    os.close(out_w)
    os.close(err_w)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    sel = selectors.DefaultSelector()
    for fd in chunks:
        sel.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    open_fds = set(chunks)
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"nixbuild {' '.join(args)} did not end within {timeout} s (a hang)")
        for key, _ in sel.select(left):
            data = os.read(key.fd, 1 << 16)
            if data:
                chunks[key.fd].append(data)
            else:
                sel.unregister(key.fd)
                open_fds.discard(key.fd)
    for fd in chunks:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    text = {fd: b"".join(parts).decode("utf-8", errors="replace") for fd, parts in chunks.items()}
    return CliResult(os.waitstatus_to_exitcode(status), text[out_r], text[err_r])


def assert_one_error(result: CliResult, code: int, *, only: bool = True) -> str:
    """Exit ``code``, exactly one `nixbuild: error:` line (with ``only``: and nothing else on
    stderr), no traceback, no payload evaluated; returns the line."""
    errors = [line for line in result.stderr.splitlines() if line.startswith("nixbuild: error:")]
    assert result.returncode == code, (result.returncode, result.stderr)
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert MARKER not in result.stderr.replace(errors[0], ""), result.stderr
    if only:
        assert result.stderr == errors[0] + "\n", result.stderr
    return errors[0]


def assert_nothing_written(root: Path) -> None:
    results = root / "nixbuild-result"
    assert not results.exists() or not any(results.rglob("*")), sorted(results.rglob("*"))


def as_reader_without_dac(args: list[str]) -> list[str]:
    """``args`` run so that a file with mode 000 is unreadable to it, even as root (the
    capabilities that bypass file permissions are dropped)."""
    if os.geteuid() != 0:
        return args
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *args]
