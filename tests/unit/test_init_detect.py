"""What `nixbuild init` reads from a tree (no Nix): the builder, the name and
version from the project's own metadata, the program from the install recipe,
each with the file and line it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixbuild import config, init
from nixbuild.errors import UsageError


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize("recipe, program", [
    ("\tinstall -D -m 0755 tool $(PREFIX)/bin/tool", "tool"),
    ("\tinstall -m 755 xz-lite $(DESTDIR)$(bindir)/xz-lite", "xz-lite"),
    ("\tcp prog ${PREFIX}/bin/prog", "prog"),
    ("\tinstall prog $(DESTDIR)$(PREFIX)/bin/prog", "prog"),
    ("\tinstall -m 0755 app $(BINDIR)/app", "app"),
])
def test_the_program_is_what_the_install_recipe_puts_in_bin(tmp_path: Path, recipe: str, program: str) -> None:
    tree(tmp_path, {"Makefile": f"all:\n\techo\ninstall: all\n{recipe}\n"})
    decision = init.decide(tmp_path)
    assert decision.program == program and decision.detection.builder == "c"
    assert "Makefile:4: installs bin/" + program in decision.detection.evidence


def test_autotools_name_and_version_come_from_ac_init(tmp_path: Path) -> None:
    tree(tmp_path, {"configure.ac": "AC_INIT([tinytool], [2.1.3], [bugs@example.org])\n", "configure": "#!/bin/sh\n"})
    decision = init.decide(tmp_path)
    assert (decision.name, decision.version) == ("tinytool", "2.1.3")
    assert "configure.ac: AC_INIT(tinytool, 2.1.3)" in decision.detection.evidence


def test_a_makefile_without_install_target_is_said(tmp_path: Path) -> None:
    tree(tmp_path, {"Makefile": "pigz: pigz.o\n\t$(CC) -o pigz pigz.o -lz\n"})
    decision = init.decide(tmp_path)
    assert any("has no install target" in line for line in decision.detection.evidence)


def test_the_written_text_is_a_config_nixbuild_reads(tmp_path: Path) -> None:
    tree(tmp_path / "my app", {"Makefile": "install:\n\tinstall -D x $(PREFIX)/bin/x\n"})
    decision = init.decide(tmp_path / "my app", targets=("aarch64-linux", "x86_64-linux"), source="hostpkgs")
    init.write(decision)
    project = config.load(tmp_path / "my app")
    assert project.package.name == "my-app" and project.image.name == "my-app"
    assert project.package.program == "x"
    assert project.target.platforms == ("aarch64-linux", "x86_64-linux")
    assert project.nixpkgs.source == "hostpkgs"
    assert "# Written by `nixbuild init`" in (tmp_path / "my app" / "nixbuild.toml").read_text()


def test_init_never_overwrites(tmp_path: Path) -> None:
    tree(tmp_path, {"Makefile": "install:\n", "nixbuild.toml": "mine\n"})
    with pytest.raises(UsageError, match="already exists"):
        init.decide(tmp_path)
    assert (tmp_path / "nixbuild.toml").read_text() == "mine\n"


def test_a_file_that_appears_before_the_write_is_not_overwritten(tmp_path: Path) -> None:
    tree(tmp_path, {"Makefile": "install:\n"})
    decision = init.decide(tmp_path)
    (tmp_path / "nixbuild.toml").write_text("someone else's\n")
    with pytest.raises(UsageError, match="already exists"):
        init.write(decision)
    assert (tmp_path / "nixbuild.toml").read_text() == "someone else's\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_unknown_tree_and_builder_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no builder recognises this tree"):
        init.decide(tmp_path)
    with pytest.raises(UsageError, match="unknown builder 'cobol'"):
        init.decide(tmp_path, builder="cobol")
    with pytest.raises(UsageError, match="unknown target"):
        tree(tmp_path, {"Makefile": "install:\n"})
        init.decide(tmp_path, targets=("sparc-linux",))


def test_a_cmake_project_names_its_lines(tmp_path: Path) -> None:
    """Shaped like ninja's CMakeLists.txt: a blank line before project(), no VERSION; the
    evidence names the lines the calls are on (the blank line once shifted them by one)."""
    tree(tmp_path, {"CMakeLists.txt": "cmake_minimum_required(VERSION 3.15)\noption(X \"x\" OFF)\n\n"
                                      "project(ninja CXX)\n\nadd_executable(ninja src/ninja.cc)\n\n"
                                      "install(TARGETS ninja)\n"})
    decision = init.decide(tmp_path)
    assert decision.detection.builder == "cmake" and decision.name == "ninja" and decision.program == "ninja"
    assert "CMakeLists.txt:4: project(ninja)" in decision.detection.evidence
    assert any(line.startswith("CMakeLists.txt:6: add_executable(ninja)") for line in decision.detection.evidence)
