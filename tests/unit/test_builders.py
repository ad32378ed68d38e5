"""The builders table: every member offers the same interface, and the rest of
nixbuild reaches builders only through it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from nixbuild import config
from nixbuild.builders import all as builders
from nixbuild.builders.base import Builder
from nixbuild.errors import ConfigError
from tests.conftest import REPO

COMMON_KEYS = {"name", "version", "src", "builder", "outputs", "program", "inputs"}


@pytest.mark.parametrize("name", sorted(builders.BUILDERS))
def test_every_builder_offers_the_interface(name: str) -> None:
    module = builders.BUILDERS[name]
    assert module.NAME == name
    for attr in Builder.__annotations__:  # the constants, which the class itself does not hold
        assert hasattr(module, attr), f"builders/{name}.py lacks {attr}"
    for attr, value in inspect.getmembers(Builder):
        if attr.startswith("_"):
            continue
        assert hasattr(module, attr), f"builders/{name}.py lacks {attr}"
        if callable(value):
            want = list(inspect.signature(value).parameters)[1:]  # without self
            got = list(inspect.signature(getattr(module, attr)).parameters)
            assert got == want, f"builders/{name}.py: {attr}{tuple(got)} differs from the protocol"
    assert (REPO / "nixbuild" / "templates" / module.TEMPLATE).is_file()
    assert not module.KEYS & COMMON_KEYS


def test_only_the_builders_package_names_a_builder() -> None:
    """No module outside nixbuild/builders/ decides by a builder's name."""
    pattern = re.compile(r"""builder\s*[!=]=\s*["'](?:%s)["']""" % "|".join(builders.BUILDERS))
    offenders = [str(p.relative_to(REPO)) for p in (REPO / "nixbuild").rglob("*.py")
                 if "builders" not in p.parts and pattern.search(p.read_text())]
    assert offenders == []


def test_a_key_of_another_builder_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "nixbuild.toml").write_text(
        '[package]\nname = "a"\nbuilder = "shell"\nbuild = "make"\nartifact = "a"\nmake-flags = ["X=1"]\n')
    with pytest.raises(ConfigError) as info:
        config.load(tmp_path)
    assert info.value.message == 'nixbuild.toml:6: package.make-flags: only applies to builder = "c", not \'shell\''


@pytest.mark.parametrize(("extra", "expected"), [
    ('make-target = "-k"\n', "nixbuild.toml:3: package.make-target: '-k' is not a make target"),
    ('make-target = " "\n', "nixbuild.toml:3: package.make-target: ' ' is not a make target"),
    ('install-flags = "DESTDIR=x"\n', "nixbuild.toml:3: package.install-flags: must be a list, not a string"),
    ('outputs = ["bin", "man"]\n', "nixbuild.toml:3: package.outputs: builder \"c\" makes the outputs bin, lib and out"),
])
def test_c_builder_keys_are_validated(tmp_path: Path, extra: str, expected: str) -> None:
    (tmp_path / "nixbuild.toml").write_text('[package]\nname = "a"\n' + extra)
    with pytest.raises(ConfigError) as info:
        config.load(tmp_path)
    assert info.value.message.startswith(expected)


def test_c_builder_keys_reach_the_package(tmp_path: Path) -> None:
    (tmp_path / "nixbuild.toml").write_text('[package]\nname = "a"\nmake-flags = ["CFLAGS=-O2 -g"]\n'
                                            'install-flags = ["INSTALL_ROOT=$(out)"]\nmake-target = "build"\n')
    options = config.load(tmp_path).package.options
    assert (options.make_flags, options.install_flags, options.make_target) == (
        ("CFLAGS=-O2 -g",), ("INSTALL_ROOT=$(out)",), "build")


def _c_package_nix(root: Path) -> str:
    from nixbuild import render
    return render.plan_files(config.load(root))["package.nix"].decode()


def test_a_checkout_with_configure_ac_only_gets_autoreconf_hook(tmp_path: Path) -> None:
    """configure.ac without configure: autoreconfHook in nativeBuildInputs (and as an argument);
    once configure is there (a release tree), or with autoreconf = false, the tree is built as it is."""
    (tmp_path / "nixbuild.toml").write_text('[package]\nname = "a"\n')
    (tmp_path / "configure.ac").write_text("AC_INIT([a], [1])\n")
    text = _c_package_nix(tmp_path)
    assert config.load(tmp_path).package.options.autoreconf
    assert "  autoreconfHook,\n" in text and "    autoreconfHook\n  ];" in text
    (tmp_path / "configure").write_text("#!/bin/sh\n")
    assert "autoreconfHook" not in _c_package_nix(tmp_path)
    (tmp_path / "nixbuild.toml").write_text('[package]\nname = "a"\nautoreconf = true\n')
    assert "autoreconfHook" in _c_package_nix(tmp_path)  # forced: a stale configure is generated again
    (tmp_path / "configure").unlink()
    (tmp_path / "nixbuild.toml").write_text('[package]\nname = "a"\nautoreconf = false\n')
    assert "autoreconfHook" not in _c_package_nix(tmp_path)


def test_autoreconf_in_src_is_looked_for_in_src(tmp_path: Path) -> None:
    (tmp_path / "nixbuild.toml").write_text('[package]\nname = "a"\nsrc = "upstream"\n')
    (tmp_path / "upstream").mkdir()
    (tmp_path / "upstream" / "configure.in").write_text("AC_INIT(a, 1)\n")
    assert config.load(tmp_path).package.options.autoreconf


def test_autoreconf_without_configure_ac_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "nixbuild.toml").write_text('[package]\nname = "a"\nautoreconf = true\n')
    with pytest.raises(ConfigError) as info:
        config.load(tmp_path)
    assert info.value.message == ("nixbuild.toml:3: package.autoreconf: the source has no configure.ac "
                                  "(or configure.in) to generate configure from")


@pytest.mark.parametrize(("makefiles", "expected"), [
    ({"makefile": "CC= gcc -std=gnu99\nAR= ar rcu\nRANLIB= ranlib\n"}, {"AR": "rcu", "CC": "-std=gnu99"}),
    ({"Makefile": "all:\n\tcd src && $(MAKE)\n", "src/Makefile": "AR = ar rc # create\n"}, {"AR": "rc"}),
    ({"Makefile": "AR = ar\nCC ?= cc\n"}, {}),  # the tool alone: nothing to keep
    ({"Makefile": "CC = gcc $(MYFLAGS)\n"}, {}),  # refers to variables: not guessed at
    ({"a/Makefile": "AR = ar rc\n", "b/Makefile": "AR = ar rcs\n"}, {}),  # Makefiles disagree
    ({"Makefile": "\t$(AR) rcs $@ $^\n"}, {}),  # flags in the recipe: AR alone is the tool
])
def test_tool_flags_of_the_makefiles_are_kept(tmp_path: Path, makefiles: dict[str, str], expected: dict[str, str]) -> None:
    from nixbuild.builders import c
    for name, text in makefiles.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert dict(c.tool_flags(tmp_path)) == expected


def test_tool_flags_follow_the_targets_tool_in_make_flags(tmp_path: Path) -> None:
    (tmp_path / "nixbuild.toml").write_text('[package]\nname = "a"\n')
    (tmp_path / "makefile").write_text('AR= ar rcu\nCC= gcc -std=gnu99 -DX="a b"\n')
    text = _c_package_nix(tmp_path)
    assert '    ("AR=${stdenv.cc.targetPrefix}ar " + "rcu")\n' in text
    assert '    ("CC=${stdenv.cc.targetPrefix}cc " + "-std=gnu99 -DX=\\"a b\\"")\n' in text
    assert '    "RANLIB=${stdenv.cc.targetPrefix}ranlib"\n' in text
