"""The only place where Python values become Nix source.

Config values are data, never code: every string, path, list and attribute
name written into a generated ``.nix`` file goes through this module. Strings
are escaped so that Nix reads back exactly the Python string (``"``, ``\\``,
``${`` and ``$`` never start anything); strings with control characters other
than newline, carriage return and tab are written as
``builtins.fromJSON "<json>"`` because Nix string literals have no escape for
them. NUL cannot be represented in a Nix string and is rejected.

``Raw`` marks a fragment of Nix code that nixbuild itself wrote (never a config
value); it is inserted verbatim.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*\Z")
_KEYWORDS = frozenset({"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"})
_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_JSON = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PLAIN_PATH = re.compile(r"[A-Za-z0-9._+-]+\Z")
INDENT = "  "


class NixValueError(ValueError):
    """A value that cannot be represented in Nix (e.g. a string with NUL)."""


@dataclass(frozen=True)
class Raw:
    """Nix code written by nixbuild itself, inserted verbatim."""

    code: str


def string(value: str) -> str:
    """A Nix expression that evaluates to exactly ``value``."""
    if "\x00" in value:
        raise NixValueError("strings cannot contain NUL characters in Nix")
    if _NEEDS_JSON.search(value):
        # JSON escapes C0 controls; DEL (0x7f) it leaves alone, so escape it here.
        encoded = json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
        return f"(builtins.fromJSON {string(encoded)})"
    out = []
    for i, ch in enumerate(value):
        if ch == "$" and value.startswith("{", i + 1):
            out.append("\\$")  # `${` would start an interpolation
        else:
            out.append(_SIMPLE_ESCAPES.get(ch, ch))
    return '"' + "".join(out) + '"'


def attr_name(name: str) -> str:
    """An attribute name: bare when it is a plain identifier, quoted otherwise."""
    if _IDENT.match(name) and name not in _KEYWORDS:
        return name
    if _NEEDS_JSON.search(name):
        # `"${expr}" = …` is the only way to use a computed name in an attrset.
        return '"${' + string(name) + '}"'
    return string(name)


def attr_select(root: str, path: str) -> str:
    """``root.a.b`` for the dotted attribute path ``path``, every name escaped."""
    return root + "".join("." + attr_name(part) for part in path.split("."))


def project_path(relative: str) -> str:
    """A path inside the project, written from a file in ``.nixbuild/``.

    ``relative`` is a POSIX path relative to the project directory. The result
    is ``../.`` for the project itself, else ``(../. + "/rel")``, which handles
    any character a file name may contain.
    """
    rel = PurePosixPath(relative)
    if rel.is_absolute() or ".." in rel.parts:
        raise NixValueError(f"path {relative!r} is not inside the project")
    text = rel.as_posix()
    if text in ("", "."):
        return "../."
    return f"(../. + {string('/' + text)})"


def absolute_path(path: str) -> str:
    """An absolute path literal (``/. + "/p"`` when it has unusual characters)."""
    p = PurePosixPath(path)
    if not p.is_absolute():
        raise NixValueError(f"path {path!r} is not absolute")
    parts = p.parts[1:]
    if parts and all(_PLAIN_PATH.match(part) for part in parts):
        return "/" + "/".join(parts)
    if not parts:
        return "/."
    return f"(/. + {string(p.as_posix())})"


def value(obj: object, indent: int = 0) -> str:
    """Nix source for a JSON-like Python value, formatted in nixfmt style."""
    pad = INDENT * indent
    inner = INDENT * (indent + 1)
    if isinstance(obj, Raw):
        return obj.code
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, int):
        if not -(2**63) <= obj < 2**63:
            raise NixValueError(f"integer {obj} does not fit in Nix's 64-bit integers")
        if obj == -(2**63):
            return f"({obj + 1} - 1)"  # the literal 9223372036854775808 overflows
        return f"({obj})" if obj < 0 else str(obj)
    if isinstance(obj, str):
        return string(obj)
    if isinstance(obj, Mapping):
        if not obj:
            return "{ }"
        lines = [f"{inner}{attr_name(str(k))} = {value(v, indent + 1)};" for k, v in obj.items()]
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    if isinstance(obj, Sequence):
        if not obj:
            return "[ ]"
        if all(isinstance(v, (str, int, bool)) or v is None for v in obj):
            flat = "[ " + " ".join(value(v) for v in obj) + " ]"
            if len(flat) + len(pad) <= 80 and "\n" not in flat:
                return flat
        items = [f"{inner}{value(v, indent + 1)}" for v in obj]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    raise NixValueError(f"cannot write a {type(obj).__name__} as Nix")
