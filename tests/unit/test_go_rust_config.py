"""builder = "go" and "rust" without Nix: what nixbuild reads from go.mod,
the main packages, Cargo.toml and Cargo.lock (the program, the dependency
mode), every refusal as one config error naming the key, and what
`nixbuild init` detects on such trees."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nixbuild import config, doctor, init, platforms, render
from nixbuild.builders import cargo, go, gomod, rust
from nixbuild.errors import ConfigError, UsageError
from tests.conftest import EXAMPLES, REPO


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def load(root: Path, package: str) -> config.Project:
    (root / "nixbuild.toml").write_text(f'[package]\nname = "app"\n{package}\n[nixpkgs]\nsource = "hostpkgs"\n')
    return config.load(root)


def error(root: Path, package: str) -> str:
    with pytest.raises(ConfigError) as exc:
        load(root, package)
    return exc.value.message + " (hint: " + str(exc.value.hint) + ")"


MAIN = "package main\n\nfunc main() {}\n"


# -- go.mod and main packages --------------------------------------------------------


def test_go_mod_requirements_in_both_forms_and_comments(tmp_path: Path) -> None:
    tree(tmp_path, {"go.mod": "// a module\nmodule example.com/a/tool/v2 // comment\n\ngo 1.21\n\n"
                              "require example.org/one v1.0.0\nrequire (\n\texample.org/two v0.2.0 // indirect\n"
                              "\texample.org/three v3.0.0\n)\n"})
    module = gomod.read(tmp_path)
    assert module is not None
    assert (module.path, module.go) == ("example.com/a/tool/v2", "1.21")
    assert module.requires == ("example.org/one", "example.org/two", "example.org/three")
    assert not module.vendored
    # `go install` names a root package after the module path without its /vN suffix.
    assert module.program_of(".") == "tool" and module.program_of("cmd/srv") == "srv"


def test_main_packages_skip_what_build_go_module_skips(tmp_path: Path) -> None:
    tree(tmp_path, {"go.mod": "module x\n", "main.go": MAIN, "cmd/a/a.go": "/* package x */\npackage main\n",
                    "internal/lib/lib.go": "package lib\n", "vendor/v/main.go": MAIN, "testdata/t/main.go": MAIN,
                    "_tools/t.go": MAIN, "examples/e/main.go": MAIN, "cmd/b/b_test.go": "package main\n"})
    assert gomod.main_packages(tmp_path) == (".", "cmd/a")


def test_the_go_program_and_sub_packages(tmp_path: Path) -> None:
    tree(tmp_path, {"go.mod": "module example.com/svc\n", "cmd/server/main.go": MAIN, "cmd/ctl/main.go": MAIN})
    assert "several programs: ctl (cmd/ctl), server (cmd/server)" in error(tmp_path, 'builder = "go"')
    project = load(tmp_path, 'builder = "go"\nprogram = "server"')
    assert project.package.program == "server"
    assert project.package.options.sub_packages == ("cmd/server",)  # only what the image runs
    assert "'web' is not a program this module installs" in error(tmp_path, 'builder = "go"\nprogram = "web"')
    project = load(tmp_path, 'builder = "go"\nsub-packages = ["cmd/ctl"]')
    assert project.package.program == "ctl"
    assert "'cmd/none' is not a directory with Go files" in error(tmp_path, 'builder = "go"\nsub-packages = ["cmd/none"]')
    assert "is not a directory with Go files" in error(tmp_path, 'builder = "go"\nsub-packages = ["../x"]')


def test_go_dependencies_must_be_vendored_or_hashed(tmp_path: Path) -> None:
    tree(tmp_path, {"go.mod": "module m\n\nrequire example.org/dep v1.0.0\n", "main.go": MAIN})
    message = error(tmp_path, 'builder = "go"')
    assert "requires modules (example.org/dep) that are not vendored" in message and "go mod vendor" in message
    project = load(tmp_path, 'builder = "go"\nvendor-hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="')
    assert 'vendorHash = "sha256-AAAA' in render.plan_files(project)["package.nix"].decode()
    assert "is not an SRI hash" in error(tmp_path, 'builder = "go"\nvendor-hash = "abc"')
    tree(tmp_path, {"vendor/modules.txt": "# example.org/dep v1.0.0\n"})
    project = load(tmp_path, 'builder = "go"')
    assert project.package.options.vendor_hash is None
    assert "vendorHash = null;" in render.plan_files(project)["package.nix"].decode()
    assert "has a vendor/ directory" in error(tmp_path, 'builder = "go"\nvendor-hash = ""')


def test_go_keys_reach_the_generated_package(tmp_path: Path) -> None:
    tree(tmp_path, {"go.mod": "module m\n", "main.go": MAIN})
    text = render.plan_files(load(tmp_path, 'version = "2.0"\nbuilder = "go"\ncgo = true\nldflags = ["-X", "a.b=${x}"]'))
    package = text["package.nix"].decode()
    assert '[ "-X" "a.b=\\${x}" ]' in package and "env.CGO_ENABLED = 1;" in package
    # cgo on a static target: linked externally and statically.
    assert '++ lib.optionals stdenv.hostPlatform.isStatic [' in package and '"-extldflags=-static"' in package
    assert 'meta.mainProgram = "m";' in package
    default = render.plan_files(load(tmp_path, 'version = "2.0"\nbuilder = "go"'))["package.nix"].decode()
    assert 'ldflags = [ "-s" "-w" "-X" "main.version=2.0" ];' in default and "env.CGO_ENABLED = 0;" in default


def test_a_go_key_under_another_builder_is_refused(tmp_path: Path) -> None:
    tree(tmp_path, {"Makefile": "all:\n"})
    assert 'only applies to builder = "go", not \'c\'' in error(tmp_path, "cgo = true")


# -- Cargo.toml --------------------------------------------------------------------------


CARGO = '[package]\nname = "tool"\nversion = "1.4.0"\nedition = "2021"\n'
LOCK = "version = 3\n"


def test_cargo_binaries_explicit_and_automatic(tmp_path: Path) -> None:
    tree(tmp_path, {"Cargo.toml": CARGO + '[[bin]]\nname = "tool-cli"\npath = "src/main.rs"\n',
                    "src/main.rs": "", "src/bin/extra.rs": "", "src/bin/multi/main.rs": "", "Cargo.lock": LOCK})
    crate = cargo.read(tmp_path)
    assert crate is not None and (crate.name, crate.version, crate.lock_version) == ("tool", "1.4.0", 3)
    # src/main.rs is built as tool-cli only: cargo makes no second binary of it.
    assert sorted(crate.binaries) == ["extra", "multi", "tool-cli"]
    tree(tmp_path, {"Cargo.toml": CARGO + "autobins = false\n"})
    assert cargo.read(tmp_path).binaries == {}  # type: ignore[union-attr]


def test_workspace_members_binaries(tmp_path: Path) -> None:
    tree(tmp_path, {"Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n', "Cargo.lock": LOCK,
                    "crates/server/Cargo.toml": CARGO.replace("tool", "server"), "crates/server/src/main.rs": "",
                    "crates/core/Cargo.toml": CARGO.replace("tool", "core"), "crates/core/src/lib.rs": ""})
    crate = cargo.read(tmp_path)
    assert crate is not None and crate.name is None
    assert crate.binaries == {"server": "crates/server/Cargo.toml"}
    assert load(tmp_path, 'builder = "rust"').package.program == "server"


def test_the_rust_program_and_dependency_modes(tmp_path: Path) -> None:
    tree(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "", "src/bin/admin.rs": ""})
    assert "has no Cargo.lock" in error(tmp_path, 'builder = "rust"')
    tree(tmp_path, {"Cargo.lock": LOCK})
    project = load(tmp_path, 'builder = "rust"')
    assert project.package.program == "tool"  # the package's own binary among several
    package = render.plan_files(project)["package.nix"].decode()
    assert 'cargoLock.lockFile = (../. + "/Cargo.lock");' in package
    assert 'cargoBuildFlags = [ "--bin" "tool" ];' in package
    assert "'nope' is not a binary of this Cargo project" in error(tmp_path, 'builder = "rust"\nprogram = "nope"')
    assert load(tmp_path, 'builder = "rust"\nprogram = "admin"').package.program == "admin"
    project = load(tmp_path, 'builder = "rust"\ncargo-hash = ""\nbuild-features = ["tls"]')
    package = render.plan_files(project)["package.nix"].decode()
    assert 'cargoHash = "";' in package and 'buildFeatures = [ "tls" ];' in package and "cargoLock" not in package
    assert "holds no vendored crates" in error(tmp_path, 'builder = "rust"\ncargo-vendor-dir = "src"')
    tree(tmp_path, {"vendor/dep/.cargo-checksum.json": "{}"})
    project = load(tmp_path, 'builder = "rust"')
    assert project.package.options.vendor_dir == "vendor"  # found without configuration
    assert "cargoHash would download them again" in error(tmp_path, 'builder = "rust"\ncargo-hash = ""\ncargo-vendor-dir = "vendor"')


def test_a_crate_without_a_binary_is_refused(tmp_path: Path) -> None:
    tree(tmp_path, {"Cargo.toml": CARGO, "src/lib.rs": "", "Cargo.lock": LOCK})
    assert "builds no binary" in error(tmp_path, 'builder = "rust"')


# -- init --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hello-go", "hello-rust"])
def test_init_on_an_example_decides_what_its_config_says(name: str, tmp_path: Path) -> None:
    project = tmp_path / name
    shutil.copytree(EXAMPLES / name, project)
    original = config.load(project)
    (project / "nixbuild.toml").unlink()
    decision = init.decide(project, source="hostpkgs")
    assert (decision.detection.builder, decision.name, decision.program) == (
        original.package.builder, original.package.name, original.package.program)
    if name == "hello-rust":
        assert decision.version == original.package.version  # from Cargo.toml
    else:
        assert decision.version == "0.0.0"  # a Go module carries no version
    project.joinpath("nixbuild.toml").write_text(decision.text)
    written = config.load(project)
    assert written.package.options == original.package.options or name == "hello-go"
    if name == "hello-go":
        assert written.package.options.program == original.package.options.program
        assert (written.package.options.vendor_hash, written.package.options.cgo) == (None, False)


def test_init_on_the_real_shaped_projects(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    shutil.copytree(REPO / "tests/projects/inventory-go", inventory)
    (inventory / "nixbuild.toml").unlink()
    decision = init.decide(inventory)
    assert (decision.detection.builder, decision.name, decision.program) == ("go", "inventory", "inventory-server")
    assert "vendor/modules.txt: dependencies are vendored (vendorHash = null, builds offline)" in decision.detection.evidence
    assert 'sub-packages = ["cmd/inventory-server"]' in decision.text
    greet = tmp_path / "greet"
    shutil.copytree(REPO / "tests/projects/greet-rust", greet)
    (greet / "nixbuild.toml").unlink()
    decision = init.decide(greet)
    assert (decision.detection.builder, decision.name, decision.version, decision.program) == (
        "rust", "greet", "0.3.1", "greet")


def test_init_on_a_tree_that_cannot_build_yet_is_one_usage_error(tmp_path: Path) -> None:
    tree(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": ""})
    with pytest.raises(UsageError) as exc:
        init.decide(tmp_path)
    assert "a 'rust' project that cannot be built as it is" in exc.value.message
    assert "cargo generate-lockfile" in str(exc.value.hint)


# -- doctor ------------------------------------------------------------------------------


def test_doctor_names_each_missing_standard_library() -> None:
    lines = doctor.toolchains_missing()
    for name, plat in platforms.TARGETS.items():
        for piece in rust.host_missing(plat):
            assert any(name in line and piece in line for line in lines)
    # Debian 12 has no riscv64 architecture: no libstd-rust-dev for it on any such host.
    riscv = rust.host_missing(platforms.TARGETS["riscv64-linux"])
    assert riscv == ("Rust's standard library for riscv64gc-unknown-linux-gnu: "
                     "Debian 12 has no riscv64 architecture in its archive",)
    assert go.host_missing(platforms.TARGETS["riscv64-linux"]) == ()
