"""``stats``: a summary of the local telemetry in ``.git/codex/events.jsonl`` (never sent anywhere)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gitmem.git.repo import Repo
from gitmem.store import events


@dataclass
class Stats:
    events: int = 0
    first: str | None = None
    last: str | None = None
    kinds: dict[str, int] = field(default_factory=dict)
    drift: dict[str, int] = field(default_factory=dict)
    reconcile: dict[str, int] = field(default_factory=dict)
    hooks: dict[str, dict[str, float]] = field(default_factory=dict)
    hook_failures: int = 0
    cas_writes_retried: int = 0
    cas_retries: int = 0
    cas_lock_waits: int = 0
    cache: dict[str, int] = field(default_factory=dict)
    validation_failures: int = 0
    validation_refs: dict[str, int] = field(default_factory=dict)
    redactions: int = 0
    redaction_kinds: dict[str, int] = field(default_factory=dict)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (which must not be empty)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(min(rank, len(ordered))) - 1]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def summarise(records: Iterable[Mapping[str, Any]]) -> Stats:
    """Count what the events say; malformed events are counted by kind and otherwise skipped."""
    out = Stats()
    kinds: Counter[str] = Counter()
    drift: Counter[str] = Counter()
    choices: Counter[str] = Counter()
    cache: Counter[str] = Counter()
    refs: Counter[str] = Counter()
    redacted: Counter[str] = Counter()
    durations: dict[str, list[float]] = {}
    for event in records:
        kind = str(event.get("kind", "?"))
        kinds[kind] += 1
        at = event.get("at")
        if isinstance(at, str):
            out.first = at if out.first is None or at < out.first else out.first
            out.last = at if out.last is None or at > out.last else out.last
        if kind == "drift":
            drift[str(event.get("drift", "?"))] += 1
        elif kind == "reconcile":
            choices[str(event.get("choice", "?"))] += 1
        elif kind == "hook":
            ms = _number(event.get("ms"))
            if ms is not None:
                durations.setdefault(str(event.get("hook", "?")), []).append(ms)
        elif kind == "hook-failure":
            out.hook_failures += 1
        elif kind == "cas-retry":
            out.cas_writes_retried += 1
            out.cas_retries += int(_number(event.get("retries")) or 0)
            out.cas_lock_waits += int(_number(event.get("locked")) or 0)
        elif kind == "cache":
            hit = event.get("hit")
            cache["hit" if hit is True else "miss" if hit is False else str(event.get("result", "?"))] += 1
        elif kind in ("cache-hit", "cache-miss"):
            cache[kind.removeprefix("cache-")] += 1
        elif kind == "validation-failure":
            out.validation_failures += 1
            refs[str(event.get("ref", "?"))] += 1
        elif kind == "redaction":
            out.redactions += int(_number(event.get("count")) or 0)
            found = event.get("kinds")
            for name, count in (found.items() if isinstance(found, dict) else ()):
                redacted[str(name)] += int(_number(count) or 0)
    out.events = sum(kinds.values())
    out.kinds, out.drift, out.reconcile, out.cache = dict(kinds), dict(drift), dict(choices), dict(cache)
    out.validation_refs, out.redaction_kinds = dict(refs), dict(redacted)
    out.hooks = {
        name: {"count": len(ms), "median_ms": percentile(ms, 0.5), "p95_ms": percentile(ms, 0.95), "max_ms": max(ms)}
        for name, ms in sorted(durations.items())
    }
    return out


def stats(repo: Repo) -> Stats:
    return summarise(events.read(repo))
