"""Frozen dataclasses to JSON and back, checked against their type hints.

For nixbuild's own records (``nixbuild-result/TARGET/image-record.json``): a
value that does not fit the hints raises ``RecordError``, and the caller treats
the record as absent.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from pathlib import Path
from typing import Any


class RecordError(ValueError):
    pass


def dump(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {str(k): dump(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise RecordError(f"cannot record a {type(value).__name__}")


@functools.lru_cache(maxsize=None)
def _hints(tp: type, ns: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """A dataclass's resolved type hints (resolving them is most of the cost of ``load``)."""
    return typing.get_type_hints(tp, localns=dict(ns))


def load(tp: Any, data: object, namespace: dict[str, Any] | None = None) -> Any:
    """``data`` (from ``dump``) as a value of type ``tp``."""
    ns = namespace or {}
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return data
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        choices = [a for a in args if a is not type(None)]
        if len(choices) != 1:
            raise RecordError(f"ambiguous type {tp}")
        return load(choices[0], data, ns)
    if origin is tuple:
        if not isinstance(data, list):
            raise RecordError(f"expected a list for {tp}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(load(args[0], item, ns) for item in data)
        if len(args) != len(data):
            raise RecordError(f"expected {len(args)} items for {tp}")
        return tuple(load(a, item, ns) for a, item in zip(args, data, strict=True))
    if origin is dict:
        if not isinstance(data, dict):
            raise RecordError(f"expected an object for {tp}")
        return {k: load(args[1], v, ns) for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise RecordError(f"expected an object for {tp.__name__}")
        hints = _hints(tp, tuple(sorted(ns.items())))
        try:
            return tp(**{f.name: load(hints[f.name], data[f.name], ns) for f in dataclasses.fields(tp) if f.init})
        except KeyError as exc:
            raise RecordError(f"{tp.__name__}: no {exc}") from None
    if tp is Path:
        if not isinstance(data, str):
            raise RecordError("expected a path")
        return Path(data)
    if tp in (str, int, float, bool):
        if not isinstance(data, tp) or (tp is int and isinstance(data, bool)):
            if tp is float and isinstance(data, int):
                return float(data)
            raise RecordError(f"expected {tp.__name__}, got {type(data).__name__}")
        return data
    raise RecordError(f"cannot read a {tp}")
