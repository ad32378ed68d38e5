"""Config values are data, never code: arbitrary strings in every string field
of nixbuild.toml reach the generated Nix unchanged, read back with
`nix-instantiate --eval` from the generated files themselves."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nixbuild import config, render
from tests.conftest import nix_env

pytestmark = pytest.mark.nix

texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=24)
tricky = st.sampled_from(["${builtins.abort \"x\"}", "''${x}", "\\${", "$", "\"; } //", "\n#", "\x01", "\x7f", "🦀"])
strings = st.one_of(texts, tricky, st.lists(tricky, min_size=1, max_size=4).map("".join))
env_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
# Label keys with control characters are refused by the config (OCI tools split on newlines).
label_keys = strings.filter(lambda k: not any(ord(c) < 0x20 or c == "\x7f" for c in k))

# Reads back what the generated files pass on: image.nix's arguments to
# lib/image.nix (callPackage replaced by one that returns the arguments) and
# package.nix's to mkDerivation / runCommandCC.
READ_BACK = """
let
  real = import ./hostpkgs { };
  pkgs = real // { callPackage = f: auto: args: args; };
  package = { bin = "/nix/store/b-bin"; out = "/nix/store/b"; outputs = [ "bin" "out" ]; };
  image = import ./image.nix { inherit pkgs package; architecture = "amd64"; };
  c = import ./package.nix { stdenv = { mkDerivation = a: a; cc.targetPrefix = "x-"; }; pkg-config = null; };
in {
  inherit (image) env labels cmd workdir entrypoint osRelease;
  structuredAttrs = c.__structuredAttrs;
  makeFlags = c.makeFlags;
  installFlags = c.installFlags;
  buildFlags = c.buildFlags or [ ];
  program = c.meta.mainProgram;
}
"""


def read_back(root: Path) -> dict:  # type: ignore[type-arg]
    gen = root / ".nixbuild"
    (gen / "readback.nix").write_text(READ_BACK)
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", str(gen / "readback.nix")],
                          env=nix_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    env=st.dictionaries(env_names, strings, max_size=3),
    labels=st.dictionaries(label_keys, strings, max_size=3),
    cmd=st.lists(strings, max_size=3),
    entry=st.lists(strings, max_size=2),
    workdir=strings,
    flags=st.lists(strings, max_size=3),
    install_flags=st.lists(strings, max_size=2),
    make_target=strings.filter(lambda s: s.strip() != "" and not s.startswith("-")),
    program=strings.filter(lambda s: "/" not in s),
)
def test_every_string_field_reads_back_identical(tmp_path: Path, env, labels, cmd, entry, workdir, flags,  # type: ignore[no-untyped-def]
                                                 install_flags, make_target, program):
    root = tmp_path / "p"
    root.mkdir(exist_ok=True)
    (root / "nixbuild.toml").write_text("")
    data = {
        "package": {"name": "app", "version": "1.0", "builder": "c", "make-flags": flags, "program": program,
                    "install-flags": install_flags, "make-target": make_target},
        "image": {"env": env, "labels": labels, "cmd": cmd, "entrypoint": ["/bin/x", *entry],
                  "workdir": "/" + workdir},
        "nixpkgs": {"source": "hostpkgs"},
    }
    project = config.parse(data, "", root / "nixbuild.toml")
    render.write(project)
    got = read_back(root)
    assert got["env"] == env
    assert got["labels"] == labels
    assert got["cmd"] == cmd
    assert got["entrypoint"] == ["/bin/x", *entry]
    assert got["workdir"] == "/" + workdir
    fixed = ["CC=x-cc", "CXX=x-c++", "AR=x-ar", "RANLIB=x-ranlib", "LD=x-ld", "STRIP=x-strip",
             "PKG_CONFIG=x-pkg-config", "PREFIX=$(out)", "prefix=$(out)"]
    assert got["structuredAttrs"] is True  # so each list element is one make argument
    assert got["makeFlags"] == [*fixed, *flags]
    assert got["installFlags"] == ["DESTDIR=$(NIX_BUILD_TOP)/destdir", *install_flags]
    assert got["buildFlags"] == [make_target]
    assert got["program"] == program
    assert "NAME=\"app\"" in got["osRelease"]
