"""The closure proof end to end, on projects shaped like real ones: an image
whose entrypoint could not start is refused in one line (exit 8) and no image
is left under its final name; every image that is accepted is started under
bwrap (qemu-user for aarch64) and does its job."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_example, nixbuild
from tests.e2e.test_errors import assert_one_error_line
from tests.e2e.tools import run_image

pytestmark = [pytest.mark.nix, pytest.mark.e2e]

# A C tool with a launcher script, as many projects install one (here: a
# wrapper that passes a default flag to the real program).
GREET_C = """\
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    const char *name = argc > 2 ? argv[2] : "world";
    if (argc > 1 && strcmp(argv[1], "--loud") == 0) printf("HELLO, %s!\\n", name);
    else printf("hello, %s\\n", name);
    return 0;
}
"""
GREET_LAUNCHER = '#!/bin/sh\n# the launcher the project installs as its command\nexec /bin/greet --loud "$@"\n'
GREET_MAKEFILE = """\
PREFIX ?= /usr/local
CFLAGS ?= -O2

greet: src/greet.c
\t$(CC) $(CFLAGS) -o $@ src/greet.c

install: greet
\tinstall -D -m 0755 greet $(PREFIX)/bin/greet
\tinstall -D -m 0755 scripts/greet-launcher $(PREFIX)/bin/greet-launcher
\tinstall -D -m 0644 README $(PREFIX)/share/doc/greet/README

.PHONY: install
"""
GREET_TOML = """\
version = 1

[package]
name = "greet"
version = "2.1.0"
builder = "c"
outputs = ["bin"]
program = "greet-launcher"

[image]
{image}

[nixpkgs]
source = "hostpkgs"
"""


def greet_project(tmp_path: Path, image: str = "") -> Path:
    project = tmp_path / "greet"
    (project / "src").mkdir(parents=True)
    (project / "scripts").mkdir()
    (project / "src/greet.c").write_text(GREET_C)
    (project / "scripts/greet-launcher").write_text(GREET_LAUNCHER)
    (project / "scripts/greet-launcher").chmod(0o755)
    (project / "Makefile").write_text(GREET_MAKEFILE)
    (project / "README").write_text("greet: says hello\n")
    (project / "nixbuild.toml").write_text(GREET_TOML.format(image=image))
    return project


def results(project: Path, target: str = "x86_64-linux") -> list[str]:
    directory = project / "nixbuild-result" / target
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


def test_a_shell_script_entrypoint_without_a_shell_is_refused(tmp_path: Path) -> None:
    project = greet_project(tmp_path)
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 8, result.stderr
    line = assert_one_error_line(result.stderr)
    assert line.startswith("nixbuild: error: the image would not start: greet-2.1.0-bin/bin/greet-launcher: "
                           "starts with #!/bin/sh, which is not in the image (hint: the image has no shell")
    assert "[image] extra" in line
    assert results(project) == []  # no image, no stream link


def test_a_script_entrypoint_whose_interpreter_is_in_the_image_runs(tmp_path: Path) -> None:
    forbid = '"bash", "coreutils", "stdenv.cc", "@dev"'  # busybox lifted from the default list
    project = greet_project(tmp_path, f'extra = ["busybox.out"]\nforbid = [{forbid}]')
    result = nixbuild("image", "--json", "-C", str(project))
    assert result.returncode == 0, result.stderr
    report = result.json()
    assert report["proof"]["passed"] is True
    kinds = {Path(f["path"]).name: f["kind"] for f in report["proof"]["files"]}
    assert kinds["greet-launcher"] == "script" and kinds["busybox"] == "elf" and kinds["greet"] == "elf"
    assert run_image(Path(report["image"]), tmp_path / "run", ["image"]) == "HELLO, image!\n"


@pytest.mark.parametrize("setting", ['[package]\nprogram = "nope"', '[image]\nentrypoint = ["nosuchprog"]'])
def test_an_entrypoint_that_names_a_missing_program_is_refused(tmp_path: Path, setting: str) -> None:
    project = copy_example("hello-c", tmp_path)
    toml = project / "nixbuild.toml"
    good = nixbuild("image", "-C", str(project))
    assert good.returncode == 0, good.stderr
    assert results(project) == ["hello-1.0.0.oci", "image-record.json", "stream-conf", "stream-script"]
    table, line = setting.split("\n")
    toml.write_text(toml.read_text().replace(table + "\n", f"{table}\n{line}\n", 1))
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 8, result.stderr
    error = assert_one_error_line(result.stderr)
    name = "nope" if "nope" in setting else "nosuchprog"
    assert f"hello-1.0.0-bin/bin/{name}: the entrypoint does not exist in the image" in error
    assert "(hint: the package installs: hello; set [package] program (or [image] entrypoint)" in error
    # The earlier image is gone too: no image of this config is left under the final name.
    assert results(project) == []
    skipped = nixbuild("image", "--no-check", "--json", "-C", str(project))
    assert skipped.returncode == 0, skipped.stderr
    assert "nixbuild: warning: --no-check: the closure proof is skipped" in skipped.stderr
    assert skipped.json()["proof"] == {"passed": None, "skipped": True}


SHELL_MAKEFILE = """\
# Written for the developer's machine: the compiler is hard-coded.
app: src/main.c
\tgcc -O2 -o app src/main.c
"""


def test_a_cross_shell_build_whose_makefile_hard_codes_gcc_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "app"
    (project / "src").mkdir(parents=True)
    (project / "src/main.c").write_text('#include <stdio.h>\nint main(void) { puts("app"); return 0; }\n')
    (project / "Makefile").write_text(SHELL_MAKEFILE)
    (project / "nixbuild.toml").write_text(
        'version = 1\n[package]\nname = "app"\nversion = "0.3.0"\nbuilder = "shell"\nbuild = "make"\n'
        'artifact = "app"\n[target]\nplatforms = ["aarch64-linux"]\n[nixpkgs]\nsource = "hostpkgs"\n')
    result = nixbuild("image", "-C", str(project))
    assert result.returncode == 8, result.stderr
    line = assert_one_error_line(result.stderr)
    assert "app: is an ELF binary for x86_64 (64-bit), but the image is for aarch64-linux" in line
    assert "the build used the host compiler — use `$CC`" in line
    assert results(project, "aarch64-linux") == ["build.log"]  # the build's output, no image
    # With $(CC) the same project builds for aarch64 and runs under qemu-user.
    (project / "Makefile").write_text(SHELL_MAKEFILE.replace("\tgcc ", "\t$(CC) "))
    (project / "app").unlink()
    fixed = nixbuild("image", "--json", "-C", str(project))
    assert fixed.returncode == 0, fixed.stderr
    report = fixed.json()
    assert report["proof"]["files"][0]["machine"] == "aarch64"
    assert run_image(Path(report["image"]), tmp_path / "run", [], target="aarch64-linux") == "app\n"
