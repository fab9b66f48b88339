"""Checks on user-supplied text before anything is written."""

from __future__ import annotations

import os
import re

from gitmem.core.constants import MAX_LABEL, MAX_TEXT, MAX_TITLE
from gitmem.core.errors import InvalidInput

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Patterns as strings: ``re`` compiles each on first use, and a command that needs none pays nothing.
_LABEL = r"^[^\x00-\x20\x7f-\x9f,]+$"
_AGENT = re.compile(r"[A-Za-z0-9._-]{1,64}")


def text(name: str, value: str, *, limit: int = MAX_TEXT, required: bool = False) -> str:
    """Text kept exactly as given (tabs and newlines included); other control bytes refused."""
    if required and not value.strip():
        raise InvalidInput(f"{name} must not be empty")
    if len(value) > limit:
        raise InvalidInput(f"{name} is {len(value)} characters; the limit is {limit}", hint="shorten it")
    bad = _CONTROL.search(value)
    if bad:
        raise InvalidInput(
            f"{name} contains the control character U+{ord(bad.group()):04X}",
            hint="remove control characters (tabs and newlines are fine)",
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(f"{name} is not valid Unicode text ({exc.reason})") from exc
    return value


def utf8(name: str, data: bytes) -> str:
    """Text a person saved (BOM and CRLF tolerated); anything but UTF-8 is refused."""
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{name} is not valid UTF-8 (byte {exc.start})",
            hint="nothing was written; save the file as UTF-8 and run the edit again",
        ) from exc


def _encodable(value: str) -> bool:
    """False for text that cannot be stored: lone surrogates (argv bytes that were not UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def title(value: str) -> str:
    return text("title", value, limit=MAX_TITLE, required=True)


def label(name: str, value: str) -> str:
    if not value or len(value) > MAX_LABEL or not re.match(_LABEL, value) or not _encodable(value):
        raise InvalidInput(
            f"{name} {value!r} is not valid",
            hint=f"use 1-{MAX_LABEL} characters without spaces, commas or control characters",
        )
    return value


def agent(value: str) -> str:
    """An agent name: it goes into commit trailers and claims, so one plain word."""
    if not _AGENT.fullmatch(value):  # fullmatch: "$" would let a trailing newline through
        raise InvalidInput(
            f"agent name {value!r} is not valid",
            hint="use letters, digits, '.', '_' or '-' (at most 64), in --agent or $GITMEM_AGENT",
        )
    return value


def priority(value: int) -> int:
    if not 0 <= value <= 4:
        raise InvalidInput(f"priority must be 0 (highest) to 4, not {value}")
    return value


_BAD_BRANCH = r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|^[-/.]|[/.]$|\.lock$|//"


def branch_name(value: str) -> str:
    """A branch name as git accepts it (``git check-ref-format --branch``), checked without git."""
    if not value or len(value) > 250 or re.search(_BAD_BRANCH, value) or value == "@":
        raise InvalidInput(f"{value!r} is not a valid branch name", hint="see 'git check-ref-format --help'")
    if not value.isprintable():
        # Undecodable bytes (surrogates from a non-UTF-8 argv), bidi and other format characters:
        # a ref named so could not be shown or written back faithfully.
        raise InvalidInput(f"{value!r} is not a branch name gitmem can keep memory for",
                           hint="branch names must be printable UTF-8")
    return value


def directory(path: str) -> str:
    """The ``-C`` path: an existing directory."""
    if not os.path.isdir(path):
        raise InvalidInput(f"cannot change to {path!r}: no such directory")
    return path
