"""Sizes of the CMake, Go and Rust examples' images, measured in one run (no timing):

- hello-go (static: cgo off; certs = false, as the example) next to ko's
  default base image, cgr.dev/chainguard/static ("By default, ko bases images
  on cgr.dev/chainguard/static", https://ko.build/configuration; before ko
  v0.13 it was gcr.io/distroless/static:nonroot). Its published size, read
  from one manifest of the image (ghcr.io/chainguard-images/static@sha256:
  663f032985c38bdabf2a8410065216e0d4c7d0619ce5ee3e5a9c8d5751070504, shown
  at https://github.com/orgs/chainguard-images/packages/container/static/85868715):
  one gzip'd layer of 832,059 bytes. A ko image is that base plus a layer with
  the program, so what nixbuild adds around the program is compared with the
  base: the image's layers gzip'd as a registry stores them, without and with
  the program's own layer;
- hello-rust (dynamic: the program and the store's glibc);
- for both, image bytes / the sum of the closure's NAR sizes (goal <= 1.01),
  with where the rest goes (tar_overhead in closure_bench).
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from tests.bench.closure_bench import docker_archive, overhead
from tests.conftest import copy_example, nix_env

KO_BASE_LAYER_GZ = 832_059  # cgr.dev/chainguard/static, the manifest cited above


def _inspect(project: Path) -> dict:  # type: ignore[type-arg]
    out = subprocess.run([sys.executable, "-m", "nixbuild", "inspect", "--json", "-C", str(project)],
                         env=nix_env(), check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def _gzipped_layers(archive: Path, entrypoint_path: str) -> tuple[int, int]:
    """Bytes of every layer gzip'd, and of the layer holding the program."""
    total = program = 0
    with tarfile.open(archive) as outer:
        for name in json.load(outer.extractfile("manifest.json"))[0]["Layers"]:  # type: ignore[arg-type]
            data = outer.extractfile(name).read()  # type: ignore[union-attr]
            size = len(gzip.compress(data, compresslevel=6, mtime=0))
            total += size
            with tarfile.open(fileobj=outer.extractfile(name)) as layer:  # type: ignore[arg-type]
                if any(("/" + m.name).startswith(entrypoint_path) for m in layer if m.isfile()):
                    program = size
    return total, program


def language_bench() -> None:
    print("CMake, Go and Rust examples: image size, and image bytes / closure NAR bytes (goal <= 1.01)")
    with tempfile.TemporaryDirectory() as tmp:
        for example in ("hello-cmake", "hello-go", "hello-rust"):
            project = copy_example(example, Path(tmp))
            report = _inspect(project)
            archive = docker_archive(project)
            size, closure = report["image_size"], report["closure_size"]
            k = overhead(archive)
            store_output = "/".join(report["entrypoint"][0].split("/")[:4])
            gz_total, gz_program = _gzipped_layers(archive, store_output)
            ratio = size / closure
            print(f"  {example}: image {size} bytes ({size / 2**20:.2f} MiB) uncompressed, {report['layer_count']} layers;"
                  f" closure {closure} bytes in {report['path_count']} store paths;"
                  f" image/closure {ratio:.3f} ({'meets' if ratio <= 1.01 else 'misses'} <= 1.01)")
            print(f"    the rest: tar headers {k['headers']}, block padding {k['block_padding']},"
                  f" layer ends {k['layer_end']} (10 KiB tar records: {report['layer_count'] - 1} store-path layers),"
                  f" customisation layer {k['custom_layer']}, outer archive {k['outer']}")
            print(f"    layers gzip'd: {gz_total} bytes; the program's layer {gz_program},"
                  f" everything around it {gz_total - gz_program}")
            if example == "hello-go":
                print(f"    ko's default base (cgr.dev/chainguard/static, published): {KO_BASE_LAYER_GZ} bytes gzip'd;"
                      f" nixbuild's layers around the program: {gz_total - gz_program} bytes"
                      f" = {(gz_total - gz_program) / KO_BASE_LAYER_GZ:.3f} x the base;"
                      f" whole image {gz_total} vs ko base + the same program layer {KO_BASE_LAYER_GZ + gz_program}"
                      f" = {gz_total / (KO_BASE_LAYER_GZ + gz_program):.3f}")


if __name__ == "__main__":
    language_bench()
