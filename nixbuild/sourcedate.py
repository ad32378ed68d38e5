"""The one reading of SOURCE_DATE_EPOCH: the image's `created` and file mtimes
and the SBOMs' creation time all come from it (else the fixed epoch)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timezone

from nixbuild.errors import UsageError

DEFAULT = "1970-01-01T00:00:01Z"  # dockerTools' default `created`


def from_epoch(value: str | None) -> str:
    """RFC 3339 UTC time of a SOURCE_DATE_EPOCH value, or the fixed default when it is unset."""
    raw = (value or "").strip()
    if not raw:
        return DEFAULT
    if not raw.isdigit():
        raise UsageError(f"SOURCE_DATE_EPOCH={raw!r} is not a number of seconds",
                         hint="set it to seconds since 1970 (e.g. $(git log -1 --format=%ct)), or unset it")
    return datetime.fromtimestamp(int(raw), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    return from_epoch((os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH"))
