"""nixbuild.toml errors: one line naming the file, the key and the line; exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from nixbuild import config
from nixbuild.errors import EXIT_CONFIG, ConfigError, InputError
from tests.conftest import nixbuild

MINIMAL = '[package]\nname = "hello"\n'


def load(tmp_path: Path, text: str) -> config.Project:
    (tmp_path / "nixbuild.toml").write_text(text)
    return config.load(tmp_path)


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    assert info.value.exit_code == EXIT_CONFIG
    return info.value.message


def test_minimal_config_has_documented_defaults(tmp_path: Path) -> None:
    p = load(tmp_path, MINIMAL)
    assert p.package.builder == "c"
    assert p.package.outputs == ("bin",)
    assert p.package.program == "hello"
    assert p.package.version == "0.0.0"
    assert p.image.name == "hello" and p.image.tag == "0.0.0"
    assert (p.image.user.uid, p.image.user.gid, p.image.user.name) == (65532, 65532, "nonroot")
    assert p.image.certs is True and p.image.tzdata is False
    assert p.image.workdir == "/home/nonroot" and p.image.max_layers == 100
    assert p.nixpkgs.source == "channel"
    assert p.target.platforms == ("x86_64-linux",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL + "colour = 1\n", "nixbuild.toml:3: package.colour: unknown key"),
        (MINIMAL + "[image]\nport = [80]\n", "nixbuild.toml:4: image.port: unknown key"),
        (MINIMAL + "[image]\ncerts = \"yes\"\n", "nixbuild.toml:4: image.certs: must be a boolean, not a string"),
        (MINIMAL + "[image]\nname = \"Hello\"\n", "nixbuild.toml:4: image.name: 'Hello' is not a valid image name"),
        (MINIMAL + "[image]\ntag = \"-x\"\n", "nixbuild.toml:4: image.tag: '-x' is not a valid image tag"),
        (MINIMAL + "[image]\nenv = { \"A B\" = \"x\" }\n", "nixbuild.toml:4: image.env.A B: 'A B' is not a valid environment variable name"),
        (MINIMAL + "[image]\nports = [70000]\n", "nixbuild.toml:4: image.ports: 70000 is not a port"),
        (MINIMAL + "[image]\nmax-layers = 200\n", "nixbuild.toml:4: image.max-layers: 200 is out of range 2..125"),
        (MINIMAL + "[image]\nuser = \"bob\"\n", "nixbuild.toml:4: image.user: 'bob' is not a user"),
        ('[package]\nname = "a b"\n', "nixbuild.toml:2: package.name: 'a b' is not a valid package name"),
        ('[package]\nversion = "1"\n', "nixbuild.toml:1: package.name: is required"),
        (MINIMAL + 'builder = "zig"\n', "nixbuild.toml:3: package.builder: unknown builder 'zig'"),
        (MINIMAL + 'builder = "go"\n', 'nixbuild.toml:3: package.builder: builder = "go" needs a Go module: go.mod does not exist'),
        (MINIMAL + 'builder = "rust"\n', 'nixbuild.toml:3: package.builder: builder = "rust" needs a Cargo project: Cargo.toml does not exist'),
        (MINIMAL + 'builder = "shell"\nartifact = "x"\n', "nixbuild.toml:1: package.build: is required for builder = \"shell\""),
        (MINIMAL + 'src = "../elsewhere"\n', "nixbuild.toml:3: package.src: '../elsewhere' is outside the project"),
        (MINIMAL + 'outputs = ["dev"]\n', "nixbuild.toml:3: package.outputs: the dev output never goes into an image"),
        (MINIMAL + '[nixpkgs]\nsource = "flake"\n', "nixbuild.toml:4: nixpkgs.source: unknown source 'flake'"),
        (MINIMAL + '[target]\nplatforms = ["mips-linux"]\n', "nixbuild.toml:4: target.platforms: unknown target 'mips-linux'"),
        ("version = 2\n" + MINIMAL, "nixbuild.toml:1: version: unsupported config version 2"),
        (MINIMAL + "[extra]\n", "nixbuild.toml:3: extra: unknown key"),
        (MINIMAL + '[image]\ncmd = ["a", 1]\n', "nixbuild.toml:4: image.cmd: must be a list of strings, found an integer"),
    ],
)
def test_config_errors_name_file_key_and_line(tmp_path: Path, text: str, expected: str) -> None:
    assert error(tmp_path, text).startswith(expected)


def test_invalid_toml_reports_its_line(tmp_path: Path) -> None:
    message = error(tmp_path, MINIMAL + "x = = 1\n")
    assert "invalid TOML" in message and "line 3" in message


def test_nul_in_a_string_is_rejected(tmp_path: Path) -> None:
    assert "NUL" in error(tmp_path, MINIMAL + '[image]\nworkdir = "/a\\u0000b"\n')


def test_shell_builder_requires_artifact_inside_project(tmp_path: Path) -> None:
    text = MINIMAL + 'builder = "shell"\nbuild = "make"\nartifact = "/usr/bin/true"\n'
    assert "is outside the project" in error(tmp_path, text)


def test_ports_are_normalised(tmp_path: Path) -> None:
    p = load(tmp_path, MINIMAL + '[image]\nports = [8080, "53/udp"]\n')
    assert p.image.ports == ("8080/tcp", "53/udp")


def test_cli_reports_config_error_in_one_line_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "nixbuild.toml").write_text(MINIMAL + "colour = 1\n")
    result = nixbuild("generate", "-C", str(tmp_path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nixbuild: error: nixbuild.toml:3: package.colour: unknown key (hint: known keys:")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / ".nixbuild").exists()


def test_cli_without_config_says_where_it_looked(tmp_path: Path) -> None:
    result = nixbuild("image", "-C", str(tmp_path))
    assert result.returncode == 2
    assert "no nixbuild.toml here" in result.stderr and "-C DIR" in result.stderr


# -- refused before any Nix evaluation (issues 14 and 19) ---------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version = 1.0\n" + MINIMAL, "nixbuild.toml:1: version: must be an integer, not a number"),
        ('version = "1"\n' + MINIMAL, "nixbuild.toml:1: version: must be an integer, not a string"),
        (MINIMAL + "[target]\nplatforms = []\n", "nixbuild.toml:4: target.platforms: is empty"),
        (MINIMAL + 'src = "nope"\n', "nixbuild.toml:3: package.src: 'nope' does not exist"),
        (MINIMAL + 'src = "main.c"\n', "nixbuild.toml:3: package.src: 'main.c' is not a directory"),
        ('[package]\nname = "' + "h" * 10000 + '"\n', "nixbuild.toml:2: package.name: is too long: Nix store names"),
        ('[package]\nname = "h"\nversion = "' + "1" * 200 + '"\n[image]\ntag = "1"\n',
         "nixbuild.toml:3: package.version: is too long"),
        ('[package]\nname = "h"\nversion = "' + "1" * 200 + '"\n',
         "nixbuild.toml: image.tag: defaults to the package version, and '111"),
        ('[package]\nname = "a+b"\n', "nixbuild.toml: image.name: defaults to the package name, lowercased, and 'a+b'"),
        (MINIMAL + '[image]\nname = "org/' + "a" * 190 + '"\n', "nixbuild.toml:4: image.name: is too long"),
        (MINIMAL + '[nixpkgs]\nsource = "path:/nonexistent"\n',
         "nixbuild.toml:4: nixpkgs.source: /nonexistent does not exist"),
        (MINIMAL + '[nixpkgs]\nsource = "path:main.c"\n', "nixbuild.toml:4: nixpkgs.source: "),
        (MINIMAL + '[image]\nlabels = { "a\\nb" = "x" }\n', "nixbuild.toml:4: image.labels.a\\nb: 'a\\nb' is not a label key"),
        (MINIMAL + '[image]\nlabels = { "" = "x" }\n', "nixbuild.toml:4: image.labels.: '' is not a label key"),
        (MINIMAL + '[image]\nenv = { "a\\nb" = "x" }\n', "nixbuild.toml:4: image.env.a\\nb: 'a\\nb' is not a valid"),
        (MINIMAL + 'builder = "shell"\nbuild = "make"\nartifact = "."\n',
         "nixbuild.toml:5: package.artifact: '.' names the project directory itself"),
        (MINIMAL + 'builder = "shell"\nbuild = "make"\nartifact = ["app", "build/.."]\n',
         "nixbuild.toml:5: package.artifact: 'build/..' names the project directory itself"),
        (MINIMAL + '[image]\nforbid = ["@devv"]\n', "nixbuild.toml:4: image.forbid: '@devv' is not an output class"),
    ],
)
def test_refused_before_nix_naming_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "main.c").write_text("int main(void) { return 0; }\n")
    message = error(tmp_path, text)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_forbid_class_typo_suggests_the_class(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, MINIMAL + '[image]\nforbid = ["@devv"]\n')
    assert info.value.hint == "did you mean '@dev'?"


def test_longest_store_names_that_fit_are_accepted(tmp_path: Path) -> None:
    # "<name>-<version>-source.drv" is the longest name nixbuild derives: exactly 211 characters.
    name = "n" * (config.STORE_NAME_MAX - len("-1-source.drv"))
    p = load(tmp_path, f'[package]\nname = "{name}"\nversion = "1"\n[image]\nname = "app"\n')
    assert max(len(n) for _, n in config.store_names(p.package, p.image)) == config.STORE_NAME_MAX
    with pytest.raises(ConfigError):
        load(tmp_path, f'[package]\nname = "{name}n"\nversion = "1"\n[image]\nname = "app"\n')


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "nixbuild.toml").write_bytes(b'[package]\nname = "h\xe9llo"\n')
    with pytest.raises(InputError) as info:
        config.load(tmp_path)
    assert info.value.message == "nixbuild.toml:2: not valid UTF-8 (byte 0xe9 at column 10)"
    assert info.value.exit_code == EXIT_CONFIG


@pytest.mark.parametrize("text", ["x = " + "[" * 5000 + "]" * 5000 + "\n", "x = " + "{a=" * 3000 + "1" + "}" * 3000])
def test_deeply_nested_toml_is_a_config_error(tmp_path: Path, text: str) -> None:
    assert "nested too deeply" in error(tmp_path, text)


def test_key_errors_after_loading_name_the_line(tmp_path: Path) -> None:
    p = load(tmp_path, MINIMAL + 'inputs = ["zlibb"]\n')
    err = p.key_error(("package", "inputs"), "'zlibb' is not in the package set")
    assert err.message == "nixbuild.toml:3: package.inputs: 'zlibb' is not in the package set"


def test_schema_names_every_key_the_parser_knows() -> None:
    """The corpus of hostile configs is generated from SCHEMA: it must list every key,
    including each builder's own."""
    from nixbuild.builders import all as builders

    for builder in builders.BUILDERS.values():
        assert builder.KEYS <= set(config.SCHEMA["package"]), builder.NAME
