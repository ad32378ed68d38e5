"""What nixbuild-result/TARGET holds: the record of the last image written there,
so that a rebuild of the same image writes nothing.

``image-record.json`` (``"version": 1``) is written last, after the layout (and
the docker-archive) and their stream links: it names the image's conf (the store
path that fixes every layer and the config), what the image was checked against
(the closure proof on or off, the [test] table), the fingerprint of every file
written (the manifest digest in each layout's index.json and each blob's size;
an archive's size and mtime) and the outcome that was reported. The image is
current when the conf the project builds now is the recorded one and every
file still matches its fingerprint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nixbuild import record
from nixbuild.atomicfile import write_atomic
from nixbuild.config import Project

if TYPE_CHECKING:
    from nixbuild.pipeline import ImageOutcome

NAME = "image-record.json"
VERSION = 1


def path(project: Project, target: str) -> Path:
    from nixbuild import pipeline

    return pipeline.result_dir(project, target) / NAME


def _checks(project: Project, check: bool) -> object:
    return {"proof": check, "tests": record.dump(project.tests) if check else None}


def _layout_fingerprint(layout: Path) -> dict[str, object]:
    index = json.loads((layout / "index.json").read_bytes())
    blobs = layout / "blobs" / "sha256"
    return {"manifest": index["manifests"][0]["digest"],
            "blobs": {b.name: b.stat().st_size for b in sorted(blobs.iterdir())}}


def _file_fingerprint(file: Path) -> list[int]:
    st = file.stat()
    return [st.st_size, st.st_mtime_ns]


def _fingerprint(outcome: ImageOutcome) -> dict[str, object]:
    layouts = [p for p in (outcome.file, outcome.debug_file) if p is not None]
    archives = [p for p in (outcome.archive, outcome.debug_archive) if p is not None]
    return {"layouts": {str(p): _layout_fingerprint(p) for p in layouts},
            "archives": {str(p): _file_fingerprint(p) for p in archives}}


def _intact(files: Any) -> bool:
    try:
        for layout, fingerprint in files["layouts"].items():
            index = json.loads((Path(layout) / "index.json").read_bytes())
            if index["manifests"][0]["digest"] != fingerprint["manifest"]:
                return False
            blobs = Path(layout) / "blobs" / "sha256"
            for name, size in fingerprint["blobs"].items():
                if (blobs / name).stat().st_size != size:
                    return False
        return all(_file_fingerprint(Path(p)) == f for p, f in files["archives"].items())
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return False


def write(project: Project, outcome: ImageOutcome, *, check: bool) -> None:
    data = {"version": VERSION, "conf": outcome.stream_conf, "checks": _checks(project, check),
            "files": _fingerprint(outcome), "outcome": record.dump(outcome)}
    write_atomic(path(project, outcome.target), json.dumps(data, indent=1, sort_keys=True).encode() + b"\n")


def read(project: Project, target: str) -> dict[str, Any] | None:
    try:
        data = json.loads(path(project, target).read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("version") == VERSION else None


def known_sizes(data: dict[str, Any] | None) -> dict[str, int]:
    """The NAR size of every store path of the recorded image ``data`` (``read``; a store
    path's contents never change, so an image that keeps most of its paths asks Nix only for
    the new ones)."""
    try:
        return {p["path"]: p["size"] for p in data["outcome"]["store_paths"]  # type: ignore[index]
                if isinstance(p["path"], str) and isinstance(p["size"], int)}
    except (TypeError, KeyError):
        return {}


def remove(project: Project, target: str) -> None:
    path(project, target).unlink(missing_ok=True)


def current(project: Project, target: str, conf: str, *, check: bool,
            data: dict[str, Any] | None) -> ImageOutcome | None:
    """The recorded outcome when the image of ``conf`` is the one nixbuild-result holds, intact,
    and was checked as asked now (``check``: the closure proof, and the [test] table as it is);
    ``data``: the record, as ``read`` returns it."""
    if data is None or data.get("conf") != conf:
        return None
    if check and data.get("checks") != record.dump(_checks(project, True)):
        return None
    if not _intact(data.get("files")):
        return None
    from nixbuild import fixup, image, pipeline, plan, proof, smoke

    namespace = {"proof_mod": proof, "smoke_mod": smoke, "image_mod": image, "plan_mod": plan, "fixup_mod": fixup}
    try:
        outcome: ImageOutcome = record.load(pipeline.ImageOutcome, data["outcome"], namespace)
    except (record.RecordError, TypeError, ValueError, KeyError):
        return None
    return outcome if outcome.target == target else None
