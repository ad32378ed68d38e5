"""`--target all -j 2` (4 targets) vs the sum of the four single-target builds,
both cold for the package and image derivations (a source change before each
round; the toolchains stay cached, as they do for a user), measured in the
same run."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import copy_example, nix_env

FOUR = ["x86_64-linux", "aarch64-linux", "riscv64-linux", "armv7l-linux"]
ROUNDS = 3


def _perturb(project: Path) -> None:
    src = project / "hello.c"
    src.write_text(src.read_text().split("/* bench")[0] + f"/* bench {time.time_ns()} */\n")


def _time(project: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nixbuild", "image", "--json", *args], cwd=project, env=nix_env(),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def cross_parallel() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_example("hello-c", Path(tmp))
        toml = project / "nixbuild.toml"
        toml.write_text(re.sub(r"(?m)^platforms = .*$", "platforms = " + str(FOUR).replace("'", '"'), toml.read_text()))
        _time(project, "--target", "all", "-j", "2")  # warm the toolchains (as a user's second day)
        parallel, serial = [], []
        for _ in range(ROUNDS):
            _perturb(project)
            parallel.append(_time(project, "--target", "all", "-j", "2"))
            _perturb(project)
            serial.append(sum(_time(project, "--target", t) for t in FOUR))
    p, s = statistics.median(parallel), statistics.median(serial)
    print(f"cross_parallel (hello-c, 4 targets, {ROUNDS} rounds, medians)")
    print(f"  --target all -j 2: {p:.2f}s vs sum of 4 single-target builds: {s:.2f}s -> ratio {p / s:.2f}")
