"""The convergent merge: pure, total, commutative, associative and idempotent.

Registers: the union of both sides' writes, minus every write that another write knowingly
replaced: ``other.seen`` covers ``write.stamp`` (has an entry for its actor at least as
high; each actor's writes are one chain). ``seen`` is transitively closed by construction
(a write's vector includes its heads' vectors) and never covers the write's own stamp, so
"replaced" is a strict partial order; pruning keeps its maximal elements, which is the
same set in any grouping: the merge is a join. The shown value is the highest stamp, except that a terminal status
beats a concurrent non-terminal one (a reopen replaces the completion it saw, so it wins).
Sets: per element, the maximum add and remove stamps. Logs: union by entry id.
"""

from __future__ import annotations

from collections.abc import Mapping

from gitmem.core.models import Element, LogEntry, Meta, Stamp, Task, Write, covers


def prune(writes: list[Write]) -> tuple[Write, ...]:
    """Drop writes some other write replaced; one entry per stamp; sorted by stamp."""
    by_stamp: dict[Stamp, Write] = {}
    for write in writes:
        kept = by_stamp.get(write.stamp)
        # Equal stamps mean the same write; pick deterministically if data was tampered with.
        if kept is None or repr(write) < repr(kept):
            by_stamp[write.stamp] = write
    unique = list(by_stamp.values())
    alive = [w for w in unique if not any(o is not w and covers(o.seen, w.stamp) for o in unique)]
    return tuple(sorted(alive, key=lambda w: w.stamp))


def merge_element(a: Element, b: Element) -> Element:
    add, value = (a.add, a.value) if (a.add, repr(a.value)) >= (b.add, repr(b.value)) else (b.add, b.value)
    rms = [s for s in (a.rm, b.rm) if s is not None]
    return Element(add, max(rms) if rms else None, value)


def _merge_maps(a: Mapping[str, Element], b: Mapping[str, Element]) -> dict[str, Element]:
    out = dict(a)
    for k, e in b.items():
        out[k] = merge_element(out[k], e) if k in out else e
    return out


def _merge_logs(a: Mapping[str, LogEntry], b: Mapping[str, LogEntry]) -> dict[str, LogEntry]:
    out = dict(a)
    for k, e in b.items():
        if k not in out or repr(e) > repr(out[k]):
            out[k] = e
    return out


def merge_task(a: Task, b: Task) -> Task:
    """Join two versions of the same task."""
    if a == b:
        return a
    registers = {}
    for name in sorted(set(a.registers) | set(b.registers)):
        registers[name] = prune([*a.registers.get(name, ()), *b.registers.get(name, ())])
    sets = {}
    for name in sorted(set(a.sets) | set(b.sets)):
        sets[name] = _merge_maps(a.sets.get(name, {}), b.sets.get(name, {}))
    extra = dict(b.extra)
    for k, v in a.extra.items():
        if k not in extra or repr(v) > repr(extra[k]):
            extra[k] = v
    # id/created_* are immutable; take the smaller on tampered data so the result is symmetric.
    base = min(a, b, key=lambda t: (t.created_at, t.created_by))
    return Task(
        id=a.id,
        created_at=base.created_at,
        created_by=base.created_by,
        registers=registers,
        sets=sets,
        log=_merge_logs(a.log, b.log),
        extra=extra,
    )


def merge_meta(a: Meta, b: Meta) -> Meta:
    first = min(a, b, key=lambda m: (m.created_at, m.default_branch))
    extra = dict(b.extra)
    for k, v in a.extra.items():
        if k not in extra or repr(v) > repr(extra[k]):
            extra[k] = v
    return Meta(
        format=max(a.format, b.format),
        default_branch=first.default_branch,
        created_at=first.created_at,
        clock=max(a.clock, b.clock),
        extra=extra,
    )
