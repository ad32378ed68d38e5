"""What the image's bytes are, measured in one run (no timing):

- image bytes / closure bytes (goal <= 1.02), with where the overhead goes:
  tar headers (512 B per entry, incl. directories and symlinks), padding of
  file data to 512-byte blocks, the end of each layer tar (two zero blocks
  and the record padding to 10 KiB), the customisation layer, and the outer
  archive (its headers, config and manifest);
- a static hello (x86_64-linux-static) with and without certs + tzdata +
  passwd (certs = false, user = "root"), next to distroless static's
  published ~2 MiB (compressed; we print both the uncompressed archive and
  the layers gzip'd as a registry would store them);
- the share of image bytes reused between two versions after an app-only
  change (goal >= 95%), from `nixbuild diff`.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from tests.conftest import copy_example, nix_env

DISTROLESS_STATIC = 2 * 1024 * 1024  # gcr.io/distroless/static: "~2 MiB" as published (compressed)


def _nixbuild(project: Path, *args: str) -> dict:  # type: ignore[type-arg]
    out = subprocess.run([sys.executable, "-m", "nixbuild", *args, "--json", "-C", str(project)], env=nix_env(),
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def overhead(archive: Path) -> dict[str, int]:
    """Bytes of the archive by kind."""
    kinds = {"content": 0, "headers": 0, "block_padding": 0, "layer_end": 0, "custom_layer": 0, "outer": 0}
    with tarfile.open(archive) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))[0]  # type: ignore[arg-type]
        layers = manifest["Layers"]
        inner_total = 0
        for index, name in enumerate(layers):
            member = outer.getmember(name)
            inner_total += member.size
            if index == len(layers) - 1:
                kinds["custom_layer"] += member.size
                continue
            with tarfile.open(fileobj=outer.extractfile(member)) as layer:  # type: ignore[arg-type]
                end = 0
                for m in layer:
                    kinds["headers"] += m.offset_data - m.offset
                    if m.isfile():
                        kinds["content"] += m.size
                        kinds["block_padding"] += -m.size % 512
                        end = m.offset_data + m.size + (-m.size % 512)
                    else:
                        end = m.offset_data
                kinds["layer_end"] += member.size - end
    kinds["outer"] = archive.stat().st_size - inner_total
    return kinds


def docker_archive(project: Path) -> Path:
    """The image as a docker-archive (the tar framing these figures count), asked for explicitly:
    nixbuild's default output is an OCI layout."""
    return Path(_nixbuild(project, "image", "--format", "docker-archive")["archive"])


def image_vs_closure() -> None:
    print("image bytes / closure bytes (goal <= 1.02)")
    with tempfile.TemporaryDirectory() as tmp:
        for example in ("hello-c", "hello-tls"):
            project = copy_example(example, Path(tmp) / example)
            report = _nixbuild(project, "inspect")
            size, closure = report["image_size"], report["closure_size"]
            k = overhead(docker_archive(project))
            print(f"  {example}: {size} / {closure} = {size / closure:.3f} "
                  f"({report['path_count']} store paths, {report['layer_count']} layers)")
            print(f"    file bytes {k['content']}; NAR framing {closure - k['content']} (counted in the closure);"
                  f" tar headers {k['headers']}, block padding {k['block_padding']},"
                  f" layer ends {k['layer_end']}, customisation layer {k['custom_layer']},"
                  f" outer archive {k['outer']}")
            without_end = size - k["layer_end"] - k["outer"]
            print(f"    without the per-layer record padding and the outer archive: {without_end / closure:.3f}")


def _gzipped_layers(archive: Path) -> int:
    total = 0
    with tarfile.open(archive) as outer:
        for name in json.load(outer.extractfile("manifest.json"))[0]["Layers"]:  # type: ignore[arg-type]
            total += len(gzip.compress(outer.extractfile(name).read(), compresslevel=6, mtime=0))  # type: ignore[union-attr]
    return total


def static_sizes() -> None:
    print(f"static hello (x86_64-linux-static) vs distroless static (published ~{DISTROLESS_STATIC / 2**20:.0f} MiB)")
    variants = {
        "with certs + tzdata + passwd": 'tzdata = true\n',
        "without (certs = false, user = \"root\")": 'certs = false\nuser = "root"\n',
    }
    with tempfile.TemporaryDirectory() as tmp:
        for label, image_keys in variants.items():
            project = copy_example("hello-c", Path(tmp) / re.sub(r"\W+", "-", label))
            toml = project / "nixbuild.toml"
            text = re.sub(r"(?m)^platforms = .*$", 'platforms = ["x86_64-linux-static"]', toml.read_text())
            toml.write_text(text.replace('tag = "1.0.0"\n', 'tag = "1.0.0"\n' + image_keys, 1))
            report = _nixbuild(project, "inspect")
            size = report["image_size"]
            gz = _gzipped_layers(docker_archive(project))
            print(f"  {label}: {size} bytes uncompressed ({size / 2**20:.2f} MiB), layers gzip'd {gz} bytes"
                  f" = {gz / DISTROLESS_STATIC:.3f} x distroless static; closure {report['closure_size']} bytes")
            for p in report["store_paths"]:
                print(f"      {p['size']:>9}  {p['path'].split('-', 1)[1]}")


def reuse_after_app_change() -> None:
    print("share of image bytes reused after an app-only change (goal >= 95%)")
    with tempfile.TemporaryDirectory() as tmp:
        for example, source in (("hello-c", "hello.c"), ("hello-tls", "hello-tls.c")):
            v1 = copy_example(example, Path(tmp) / "v1")
            v2 = Path(tmp) / "v2" / example
            shutil.copytree(v1, v2, ignore=shutil.ignore_patterns(".nixbuild", "nixbuild-result"))
            src = v2 / source
            src.write_text(src.read_text().replace("Hello from nixbuild!", "Hello, version two!"))
            a = _nixbuild(v1, "image")["image"]
            b = _nixbuild(v2, "image")["image"]
            out = subprocess.run([sys.executable, "-m", "nixbuild", "diff", a, b, "--json"], env=nix_env(),
                                 check=True, capture_output=True, text=True).stdout
            d = json.loads(out)
            print(f"  {example}: {d['reused_bytes']} of {d['b']['layer_bytes']} layer bytes reused = {d['reused_share']:.1%};"
                  f" {len(d['shared_layers'])} layers shared; changed: "
                  + ", ".join(f"{c['name']} ({c['delta']:+d} B)" for c in d["changes"]))


def closure_bench() -> None:
    image_vs_closure()
    static_sizes()
    reuse_after_app_change()


if __name__ == "__main__":
    closure_bench()
