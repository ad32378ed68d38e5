"""Benchmarks, printed as ratios against a baseline measured in the same run.

    make bench        (or: .venv/bin/python -m tests.bench.run)

rebuild_bench (tests/bench/rebuild_bench.py, first): the five figures of issue 13
(what a rebuild costs: no-op, app-only change, push, first build, start-up).

image_overhead: `nixbuild image` vs the same work done by hand on the same
generated files (`nix-build .nixbuild -A image` + running the stream script),
cold (a source change forces the package and image derivations to rebuild)
and warm (everything cached). Also prints image bytes / closure bytes.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import copy_example, nix_env

RUNS = 5


def timed(args: list[str], cwd: Path, stdout=subprocess.DEVNULL) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=nix_env(), check=True, stdout=stdout, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def perturb(project: Path, n: int) -> None:
    src = project / "hello.c"
    src.write_text(src.read_text().split("/* bench")[0] + f"/* bench {n} {time.time_ns()} */\n")


def direct(project: Path) -> float:
    # Outputs go outside the project: anything written inside it is source.
    outdir = project.parent / "direct"
    outdir.mkdir(exist_ok=True)
    start = time.perf_counter()
    subprocess.run(["nix-build", ".nixbuild", "-A", "image", "-o", str(outdir / "stream")], cwd=project,
                   env=nix_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(outdir / "image.tar", "wb") as out:
        subprocess.run([str(outdir / "stream")], env=nix_env(), check=True, stdout=out)
    return time.perf_counter() - start


def nixbuild_image(project: Path) -> float:
    return timed([sys.executable, "-m", "nixbuild", "image", "--json"], project)


def image_overhead() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_example("hello-c", Path(tmp))
        subprocess.run([sys.executable, "-m", "nixbuild", "generate"], cwd=project, env=nix_env(), check=True,
                       stdout=subprocess.DEVNULL)
        cold_nb, cold_direct, warm_nb, warm_direct = [], [], [], []
        for i in range(RUNS):
            perturb(project, 2 * i)
            cold_nb.append(nixbuild_image(project))
            warm_nb.append(nixbuild_image(project))
            perturb(project, 2 * i + 1)
            subprocess.run([sys.executable, "-m", "nixbuild", "generate"], cwd=project, env=nix_env(), check=True,
                           stdout=subprocess.DEVNULL)
            cold_direct.append(direct(project))
            warm_direct.append(direct(project))
        report = json.loads(subprocess.run([sys.executable, "-m", "nixbuild", "image", "--json"], cwd=project,
                                           env=nix_env(), check=True, capture_output=True, text=True).stdout)
    med = statistics.median
    print(f"image_overhead (hello-c, {RUNS} runs each, medians)")
    print(f"  cold: nixbuild image {med(cold_nb):.2f}s vs nix-build+stream {med(cold_direct):.2f}s"
          f" -> ratio {med(cold_nb) / med(cold_direct):.2f}")
    print(f"  warm: nixbuild image {med(warm_nb):.2f}s vs nix-build+stream {med(warm_direct):.2f}s"
          f" -> ratio {med(warm_nb) / med(warm_direct):.2f}")
    print(f"  image bytes / closure bytes: {report['size']} / {report['closure_size']}"
          f" = {report['size'] / report['closure_size']:.3f}; store paths: {len(report['store_paths'])}")


def main() -> None:
    from tests.bench.closure_bench import closure_bench
    from tests.bench.cross_bench import cross_parallel
    from tests.bench.language_bench import language_bench
    from tests.bench.rebuild_bench import rebuild_bench

    rebuild_bench()
    image_overhead()
    cross_parallel()
    closure_bench()
    language_bench()


if __name__ == "__main__":
    main()
