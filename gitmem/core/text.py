"""Text rules shared by every layer: one display line from untrusted text, random base32 ids,
stored times and durations."""

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


def epoch(stamp: str) -> int | None:
    """Seconds since 1970 of a stored stamp (exactly ``YYYY-MM-DDTHH:MM:SSZ``), else None.
    Computed by hand (days from the civil date), checked by hand (a regex costs more to
    compile than a brief takes to read)."""
    parts = (stamp[0:4], stamp[5:7], stamp[8:10], stamp[11:13], stamp[14:16], stamp[17:19])
    if len(stamp) != 20 or stamp[4::3] != "--T::Z" or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    year, month, day, hour, minute, second = map(int, parts)
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second <= 59):
        return None
    year -= month <= 2
    era = year // 400
    day_of_era = (year - era * 400) * 365 + (year - era * 400) // 4 - (year - era * 400) // 100 \
        + (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    days = era * 146097 + day_of_era - 719468
    return days * 86400 + hour * 3600 + minute * 60 + second


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> int | None:
    """Seconds of ``90s``, ``30m``, ``8h`` or ``2d`` (``0`` or ``never``: 0); None if unreadable."""
    text = text.strip().lower()
    if text in ("0", "never"):
        return 0
    number, unit = text[:-1], text[-1:]
    if unit not in _UNITS or not number.isascii() or not number.isdigit() or len(number) > 9:
        return None
    return int(number) * _UNITS[unit]
