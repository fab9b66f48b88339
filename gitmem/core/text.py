"""Text rules shared by every layer: one display line from untrusted text, random base32 ids."""

from __future__ import annotations

import os

BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def random_base32(length: int) -> str:
    """``length`` random base32 characters from the OS's generator (256 is a multiple of 32:
    each byte's low five bits are uniform), without the import cost of ``secrets``."""
    return "".join(BASE32[b & 31] for b in os.urandom(length))


def flat(text: str) -> str:
    """One display line: control characters shown as escapes, never sent to the terminal."""
    if text.isprintable():  # nearly every title: no character to escape (checked in C)
        return text
    out = []
    for ch in text:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif not ch.isprintable():
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)
