"""builder = "cmake" end to end: examples/hello-cmake (a C++ program and a
shared library of its own) built hermetically with the cmake setup hook for the
host and cross-compiled for aarch64; each image runs its program, which calls
into the project's library, and holds exactly bin + lib + the C and C++
runtimes. `nixbuild init` on the example's tree decides what its config says."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixbuild import config
from tests.conftest import copy_example, nixbuild
from tests.e2e.tools import run_image, skopeo_inspect, store_paths_in, unpack

pytestmark = [pytest.mark.nix, pytest.mark.e2e]


@pytest.fixture(scope="module", params=["x86_64-linux", "aarch64-linux"])
def built(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    project = copy_example("hello-cmake", tmp_path_factory.mktemp("cmake"))
    result = nixbuild("image", "-C", str(project), "-t", request.param, "--json")
    assert result.returncode == 0, result.stderr
    return request.param, project, result.json()


def test_the_program_runs_and_calls_its_own_shared_library(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target, _, report = built
    out = run_image(Path(report["image"]), tmp_path, ["CMake"], target=target)
    assert out == "Hello, CMake, from a CMake library!\n"


def test_the_image_holds_bin_lib_and_runtimes_only(built, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target, _, report = built
    archive = Path(report["image"])
    arch = skopeo_inspect(archive)["Architecture"]
    assert arch == {"x86_64-linux": "amd64", "aarch64-linux": "arm64"}[target]
    names = {p.split("-", 1)[1] for p in store_paths_in(unpack(archive, tmp_path))}
    suffix = "" if target == "x86_64-linux" else "-aarch64-unknown-linux-gnu"
    assert f"hello-cmake{suffix}-1.0.0-bin" in names and f"hello-cmake{suffix}-1.0.0-lib" in names
    assert f"hello-cmake{suffix}-1.0.0" not in names  # out: headers' and docs' output stays out
    assert not [n for n in names if n.endswith("-dev")]


def test_cmake_flags_reach_cmake(tmp_path: Path) -> None:
    """Each element is one argument, its spaces kept (structured attrs, as the c builder's make flags)."""
    project = copy_example("hello-cmake", tmp_path)
    cmake_lists = project / "CMakeLists.txt"
    cmake_lists.write_text(cmake_lists.read_text() + 'target_compile_definitions(greet PRIVATE "WHO_PREFIX=\\"${WHO_PREFIX}\\"")\n')
    source = project / "src" / "greet.cpp"
    source.write_text(source.read_text().replace('out << "Hello, " << who', 'out << "Hello, " << WHO_PREFIX << " " << who'))
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('outputs = ["bin", "lib"]', 'outputs = ["bin", "lib"]\ncmake-flags = ["-DWHO_PREFIX=my dear"]'))
    result = nixbuild("image", "-C", str(project), "--json")
    assert result.returncode == 0, result.stderr
    assert run_image(Path(result.json()["image"]), tmp_path, ["reader"]) == "Hello, my dear reader, from a CMake library!\n"


def test_a_cmake_flag_that_is_not_an_option_is_refused(tmp_path: Path) -> None:
    project = copy_example("hello-cmake", tmp_path)
    toml = project / "nixbuild.toml"
    toml.write_text(toml.read_text().replace('outputs = ["bin", "lib"]', 'outputs = ["bin", "lib"]\ncmake-flags = ["Release"]'))
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 2
    assert "package.cmake-flags" in result.stderr and "'Release' is not a cmake option" in result.stderr


def test_init_on_the_cmake_example_decides_what_its_config_says(tmp_path: Path) -> None:
    project = copy_example("hello-cmake", tmp_path)
    original = config.load(project)
    (project / "nixbuild.toml").unlink()
    result = nixbuild("init", "-C", str(project), "--source", "hostpkgs", "--json")
    assert result.returncode == 0, result.stderr
    decided = result.json()
    assert (decided["builder"], decided["name"], decided["package_version"], decided["program"]) == (
        "cmake", "hello-cmake", "1.0.0", "hello-cmake")
    assert any("project(hello-cmake VERSION 1.0.0)" in e for e in decided["evidence"])
    written = config.load(project)
    assert (written.package.builder, written.package.program) == (original.package.builder, original.package.program)


@pytest.mark.parametrize("target", ["x86_64-linux", "aarch64-linux"])
def test_a_program_that_compiles_its_data_directory_in_is_built_and_finds_its_data(tmp_path: Path, target: str) -> None:
    """The program refers to `out` (CMAKE_INSTALL_FULL_DATADIR compiled in, as many programs do
    for their data files) while `out` is the output stdenv would make propagate `bin` if the
    derivation had no `dev`: a cycle Nix refuses. With `dev` it builds; `out` is in the image
    because the program refers to it, and the program reads its data file there."""
    project = copy_example("hello-cmake", tmp_path)
    (project / "greeting.txt").write_text("Greetings from the data directory\n")
    cmake_lists = project / "CMakeLists.txt"
    cmake_lists.write_text(cmake_lists.read_text()
                           + 'target_compile_definitions(hello-cmake PRIVATE "DATADIR=\\"${CMAKE_INSTALL_FULL_DATADIR}\\"")\n'
                           + "install(FILES greeting.txt DESTINATION ${CMAKE_INSTALL_DATADIR}/hello-cmake)\n")
    main = project / "src" / "main.cpp"
    main.write_text(main.read_text().replace("#include <iostream>", "#include <fstream>\n#include <iostream>").replace(
        "    return 0;",
        '    std::ifstream data(DATADIR "/hello-cmake/greeting.txt");\n'
        "    std::string line;\n"
        "    if (!std::getline(data, line)) return 1;\n"
        "    std::cout << line << std::endl;\n"
        "    return 0;"))
    result = nixbuild("image", "-C", str(project), "-t", target, "--json")
    assert result.returncode == 0, result.stderr
    out = run_image(Path(result.json()["image"]), tmp_path / "run", ["data"], target=target)
    assert out == "Hello, data, from a CMake library!\nGreetings from the data directory\n"
