"""``aliases.toml``: old -> new commit ids learnt from rewrites, so old ids still resolve."""

from __future__ import annotations

from collections.abc import Mapping

from gitmem.core.errors import CorruptMemory
from gitmem.store.codec import dumps, loads

ALIASES_PATH = "aliases.toml"


def decode(data: bytes | None, where: str) -> dict[str, str]:
    if data is None:
        return {}
    doc = loads(data, where)
    table = doc.get("aliases", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise CorruptMemory(f"{where} is not an aliases table", hint="run 'git codex fsck'")
    return dict(table)


def encode(aliases: Mapping[str, str]) -> bytes:
    return dumps({"aliases": {k: aliases[k] for k in sorted(aliases)}}).encode("utf-8")


def merge(a: Mapping[str, str], b: Mapping[str, str]) -> dict[str, str]:
    """Union; the same old id rewritten differently on two sides keeps the larger new id."""
    out = dict(a)
    for old, new in b.items():
        out[old] = max(out.get(old, new), new)
    return out


def resolve(aliases: Mapping[str, str], commit: str) -> str:
    """Follow old -> new links (bounded, so a cycle in bad data cannot hang us)."""
    seen = 0
    while commit in aliases and seen < 64:
        commit = aliases[commit]
        seen += 1
    return commit
