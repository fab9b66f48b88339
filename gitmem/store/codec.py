"""A small deterministic TOML emitter, and decoding through stdlib ``tomllib``.

The emitter writes exactly the subset gitmem stores: strings, integers, booleans, arrays
of scalars or inline tables, tables and arrays of tables. Same document in, same bytes
out; golden tests hold it to ``tomllib``. Strings are written as basic strings with every
control character escaped, so no value can break out of its line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gitmem.core.errors import CORRUPT_HINT, CorruptMemory

# Patterns as strings: ``re`` compiles each on first use, and a command that needs none pays nothing.
_BARE_KEY = r"^[A-Za-z0-9_-]+\Z"  # \Z: "$" would accept a trailing newline
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_NEEDS_ESCAPE = r'["\\\x00-\x1f\x7f]'
_MAPPINGS = (dict, Mapping)
"""What the emitter takes for a table: dict first, a C check, where Mapping's goes through the ABC."""


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def quote(text: str) -> str:
    """A TOML basic string for ``text``."""
    return '"' + re.sub(_NEEDS_ESCAPE, _escape_char, text) + '"'


_KEYS: dict[str, str] = {}
"""Keys as written, by name: a document repeats a few field names (a session's turns)."""


def key(name: str) -> str:
    found = _KEYS.get(name)
    if found is None:
        found = name if re.match(_BARE_KEY, name) else quote(name)
        if len(_KEYS) < 4096:  # a bound for the long-running MCP server
            _KEYS[name] = found
    return found


def scalar(value: Any) -> str:
    """An inline TOML value."""
    if type(value) is str:  # the usual case first; exact type: bool is an int, Inline a dict
        return quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, _MAPPINGS):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{key(k)} = {scalar(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__} as TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, _MAPPINGS) for v in value)


def _emit_table(out: list[str], path: str, table: Mapping[str, Any]) -> None:
    nested: list[tuple[str, Any]] = []
    for name, value in table.items():
        if type(value) is str:  # most values: skip the checks for tables below
            out.append(f"{key(name)} = {quote(value)}\n")
        elif (isinstance(value, _MAPPINGS) and value and not getattr(value, "inline", False)) or _is_table_array(value):
            nested.append((name, value))
        else:
            out.append(f"{key(name)} = {scalar(value)}\n")
    for name, value in nested:
        sub = f"{path}.{key(name)}" if path else key(name)
        if isinstance(value, _MAPPINGS):
            out.append(f"\n[{sub}]\n")
            _emit_table(out, sub, value)
        else:
            for item in value:
                out.append(f"\n[[{sub}]]\n")
                _emit_table(out, sub, item)


class Inline(dict[str, Any]):
    """A mapping the emitter writes as an inline table (one line)."""

    inline = True


def plain(value: Any) -> Any:
    """``value`` with ``Inline`` tables as plain dicts: the document ``loads`` gives for ``dumps(value)``."""
    if type(value) is str:  # most values, and nothing to copy
        return value
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, _MAPPINGS):
        return {k: plain(v) for k, v in value.items()}
    return value


def dumps(document: Mapping[str, Any]) -> str:
    """Encode ``document``; key order is the caller's, so build documents deterministically."""
    out: list[str] = []
    _emit_table(out, "", document)
    text = "".join(out)
    return text[1:] if text.startswith("\n") else text


def loads(data: bytes, where: str) -> dict[str, Any]:
    """Decode a stored blob; ``where`` names it in the error."""
    import tomllib

    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CorruptMemory(
            f"{where} is not valid TOML: {exc}",
            hint=CORRUPT_HINT,
        ) from exc
    except RecursionError as exc:  # tomllib recurses once per nested array or inline table
        raise CorruptMemory(f"{where} is nested too deeply to be gitmem's TOML", hint=CORRUPT_HINT) from exc
