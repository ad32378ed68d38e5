"""[test] smoke tests run in crafted images (programs compiled here, the host's C
library in store paths): isolated — the image's files, user, Env and working
directory only, no network — with qemu-user for aarch64, a timeout, and every
expectation checked."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from nixbuild import platforms, smoke
from nixbuild.config import SmokeTest
from nixbuild.errors import EXIT_TEST
from nixbuild.image import read_docker_archive
from tests.craft import AARCH64, X86_64, Rootfs, Toolchain, compile_c, linked, store, write_archive

APP = store("probe-1.0-bin")

# Reports what the program sees; `probe exit N` exits N; `probe sleep` never ends;
# `probe connect PORT` tries the host's loopback.
PROBE = r"""
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
    if (argc > 1 && strcmp(argv[1], "sleep") == 0) { for (;;) pause(); }
    if (argc > 2 && strcmp(argv[1], "connect") == 0) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
        int ok = connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
        printf("connect=%s\n", ok ? "yes" : "no");
        return 0;
    }
    char cwd[256];
    printf("uid=%d gid=%d\n", (int)getuid(), (int)getgid());
    printf("cwd=%s\n", getcwd(cwd, sizeof cwd));
    for (char **e = environ; *e; e++) printf("env %s\n", *e);
    printf("host-gcc=%s\n", access("/usr/bin/gcc", F_OK) == 0 ? "visible" : "absent");
    printf("host-work=%s\n", access("/work", F_OK) == 0 ? "visible" : "absent");
    fprintf(stderr, "args=%d\n", argc - 1);
    return 0;
}
"""


def probe_image(tmp_path: Path, tc: Toolchain = X86_64, arch: str = "amd64", cmd: list[str] | None = None) -> Path:
    root = Rootfs(tmp_path / "tree")
    libc = root.libc(tc)
    root.add(f"{APP}/bin/probe", compile_c(tc, PROBE, tmp_path / "b/probe", *linked(tc, libc)))
    root.link("/bin", f"{APP}/bin")
    root.config.update({"Entrypoint": ["/bin/probe"], "Env": ["PATH=/bin", "GREETING=hi"],
                        "User": "65532:65532", "WorkingDir": "/home/nonroot", **({"Cmd": cmd} if cmd else {})})
    return write_archive(root, tmp_path / "image.tar", architecture=arch)


def run(archive: Path, *tests: SmokeTest, target: str = "x86_64-linux") -> tuple[smoke.Result, ...]:
    return smoke.run_tests(tests, archive, platforms.get(target), read_docker_archive(archive).config)


def test_a_test_runs_as_the_images_user_with_its_env_and_files_only(tmp_path: Path) -> None:
    (result,) = run(probe_image(tmp_path), SmokeTest("sees", args=(), stdout=r"^uid=65532 gid=65532$"))
    assert result.passed, result.problems
    out = result.ran.stdout.splitlines()
    assert "cwd=/home/nonroot" in out  # the image's working directory (made, as runc makes it)
    # the image's Env and nothing else (bwrap sets PWD when it changes directory)
    env = sorted(line for line in out if line.startswith("env "))
    assert env == ["env GREETING=hi", "env PATH=/bin", "env PWD=/home/nonroot"]
    assert "host-gcc=absent" in out and "host-work=absent" in out
    assert result.argv == ("/bin/probe",)


def test_a_test_has_no_network(tmp_path: Path) -> None:
    with socket.socket() as server:  # a service on the host's loopback, reachable from here
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = str(server.getsockname()[1])
        with socket.create_connection(("127.0.0.1", int(port))):
            pass
        (result,) = run(probe_image(tmp_path), SmokeTest("net", args=("connect", port), stdout="connect=no"))
    assert result.passed, result.ran.stdout


def test_args_replace_the_cmd_and_no_args_run_the_cmd(tmp_path: Path) -> None:
    archive = probe_image(tmp_path, cmd=["exit", "3"])
    default, given = run(archive, SmokeTest("cmd", args=None, exit_code=3),
                         SmokeTest("args", args=("exit", "0"), exit_code=0))
    assert default.passed and default.argv == ("/bin/probe", "exit", "3")
    assert given.passed and given.argv == ("/bin/probe", "exit", "0")


def test_every_expectation_is_checked_and_every_test_runs(tmp_path: Path) -> None:
    tests = (SmokeTest("exit", args=("exit", "1")),
             SmokeTest("stdout", args=(), stdout="^uid=0 "),
             SmokeTest("stderr", args=("a", "b"), stderr="^args=2$"),
             SmokeTest("hangs", args=("sleep",), timeout=1))
    with pytest.raises(smoke.SmokeTestError) as caught:
        run(probe_image(tmp_path), *tests)
    error = caught.value
    assert error.exit_code == EXIT_TEST == 9
    problems = {r.test.name: r.problems for r in error.results}
    assert problems == {"exit": ("exit 1, expected 0",), "stdout": ("stdout does not match '^uid=0 '",),
                        "stderr": (), "hangs": ("did not finish within 1 s",)}
    assert error.message == "[test] 'exit' failed: exit 1, expected 0 (3 of 4 tests failed)"
    assert "  stdout: uid=65532 gid=65532" in (error.details or "").splitlines()
    hung = next(r for r in error.results if r.test.name == "hangs")
    assert hung.ran.returncode is None and hung.ran.seconds < 10


def test_an_aarch64_image_runs_under_qemu(tmp_path: Path) -> None:
    (result,) = run(probe_image(tmp_path, AARCH64, "arm64"), SmokeTest("arm", args=(), stdout="uid=65532"),
                    target="aarch64-linux")
    assert result.passed, (result.ran.stdout, result.ran.stderr)
    assert "host-gcc=absent" in result.ran.stdout


def test_an_aarch64_script_runs_through_its_interpreter_under_qemu(tmp_path: Path) -> None:
    root = Rootfs(tmp_path / "tree")
    libc = root.libc(AARCH64)
    interp = store("interp-1.0")
    echo = r'#include <stdio.h>\nint main(int c, char **v) { for (int i = 1; i < c; i++) printf("%s\n", v[i]); }'
    root.add(f"{interp}/bin/interp", compile_c(AARCH64, echo.replace("\\n", "\n", 1), tmp_path / "b/interp",
                                               *linked(AARCH64, libc)))
    root.write(f"{APP}/bin/run", f"#!{interp}/bin/interp -x\n")
    root.config.update({"Entrypoint": [f"{APP}/bin/run"], "Env": ["PATH=/bin"], "User": "65532:65532"})
    archive = write_archive(root, tmp_path / "image.tar", architecture="arm64")
    (result,) = run(archive, SmokeTest("script", args=("arg",)), target="aarch64-linux")
    assert result.passed, result.ran.stderr
    assert result.ran.stdout.splitlines() == ["-x", f"{APP}/bin/run", "arg"]  # as the kernel calls it
