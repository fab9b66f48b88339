"""Records <-> TOML documents: the stored layout of tasks and ``meta.toml``.

A task blob shows the current value of every field at the top level (so ``git show``
reads naturally), then the stamps that make it mergeable: ``[clock]`` (per field: the
shown write's stamp, then its ``seen`` version vector), ``[[conflicts]]`` (concurrent writes
that lost, kept until the field is next written), ``[sets.*]`` (stamped set elements) and
``[[log]]``. Unknown top-level keys are kept verbatim.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitmem.core.constants import FORMAT_VERSION
from gitmem.core.errors import CorruptMemory
from gitmem.core.models import REGISTER_FIELDS, SET_FIELDS, Element, LogEntry, Meta, Stamp, Task, Write, parse_vector, winner
from gitmem.store.codec import Inline, dumps, loads

_STRUCTURAL = {"id", "created_at", "created_by", "clock", "conflicts", "sets", "log"}
_KNOWN = _STRUCTURAL | set(REGISTER_FIELDS)


def _clock_entry(write: Write) -> list[str]:
    return [str(write.stamp), *(str(s) for s in write.seen)]


def _element_doc(element: Element) -> Inline:
    doc = Inline(add=str(element.add))
    if element.rm is not None:
        doc["rm"] = str(element.rm)
    if element.value is not None:
        doc["value"] = Inline(element.value)
    return doc


def task_document(task: Task) -> dict[str, Any]:
    """The document stored for ``task``, built in a fixed order."""
    doc: dict[str, Any] = {"id": task.id, "created_at": task.created_at, "created_by": task.created_by}
    clock: dict[str, list[str]] = {}
    conflicts: list[dict[str, Any]] = []
    for name in REGISTER_FIELDS:
        heads = task.registers.get(name)
        if not heads:
            continue
        shown = winner(name, heads)
        if shown.value is not None:
            doc[name] = shown.value
        clock[name] = _clock_entry(shown)
        for write in sorted(heads, key=lambda w: w.stamp):
            if write is shown:
                continue
            entry: dict[str, Any] = {"field": name}
            if write.value is not None:
                entry["value"] = write.value
            entry["stamp"] = str(write.stamp)
            if write.seen:
                entry["seen"] = [str(s) for s in write.seen]
            conflicts.append(entry)
    for name in sorted(task.extra):
        doc[name] = task.extra[name]
    doc["clock"] = clock
    sets = {
        name: {k: _element_doc(e) for k, e in sorted(task.sets[name].items())}
        for name in SET_FIELDS
        if task.sets.get(name)
    }
    if sets:
        doc["sets"] = sets
    if conflicts:
        doc["conflicts"] = conflicts
    if task.log:
        entries = sorted(task.log.values(), key=lambda e: (e.at, e.id))
        doc["log"] = [{"id": e.id, "at": e.at, "by": e.by, "text": e.text} for e in entries]
    return doc


def encode_task(task: Task) -> bytes:
    return dumps(task_document(task)).encode("utf-8")


def _write(value: Any, entry: list[str]) -> Write:
    stamp, *seen = parse_vector(entry)
    return Write(value, stamp, tuple(seen))


def task_from_document(doc: Mapping[str, Any]) -> Task:
    """Build a task from a decoded document; raises ``ValueError``-family errors if malformed."""
    clock = doc.get("clock", {})
    registers: dict[str, list[Write]] = {}
    for name, entry in clock.items():
        registers[name] = [_write(doc.get(name), entry)]
    for entry in doc.get("conflicts", []):
        registers.setdefault(entry["field"], []).append(
            Write(
                entry.get("value"),
                Stamp.parse(entry["stamp"]),
                parse_vector(entry.get("seen", ())),
            )
        )
    sets: dict[str, dict[str, Element]] = {}
    for name, elements in doc.get("sets", {}).items():
        sets[name] = {
            k: Element(
                Stamp.parse(e["add"]),
                Stamp.parse(e["rm"]) if "rm" in e else None,
                dict(e["value"]) if "value" in e else None,
            )
            for k, e in elements.items()
        }
    log = {e["id"]: LogEntry(e["id"], e["at"], e["by"], e["text"]) for e in doc.get("log", [])}
    extra = {k: v for k, v in doc.items() if k not in _KNOWN}
    return Task(
        id=doc["id"],
        created_at=doc["created_at"],
        created_by=doc["created_by"],
        registers={k: tuple(sorted(v, key=lambda w: w.stamp)) for k, v in registers.items()},
        sets=sets,
        log=log,
        extra=extra,
    )


def decode_task(data: bytes, where: str) -> Task:
    doc = loads(data, where)
    try:
        return task_from_document(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CorruptMemory(
            f"{where} is not a valid task record ({type(exc).__name__}: {exc})",
            hint="run 'git codex fsck'; 'git codex undo' restores the previous memory",
        ) from exc


def encode_meta(meta: Meta) -> bytes:
    doc: dict[str, Any] = {
        "format": meta.format,
        "default_branch": meta.default_branch,
        "created_at": meta.created_at,
        "clock": meta.clock,
    }
    doc.update(sorted(meta.extra.items()))
    return dumps(doc).encode("utf-8")


# meta.toml exactly as encode_meta writes it with no extra keys: plain basic strings (no
# escapes, no control characters) and integers without leading zeros, which TOML reads
# literally. Every read and write loads meta; this form needs no TOML parser (nor a regex,
# whose compilation alone costs a read half a millisecond).
_META_KEYS = (b"format = ", b'default_branch = "', b'created_at = "', b"clock = ")


def _integer(text: bytes, digits: int) -> int | None:
    ok = text.isdigit() and len(text) <= digits and (text == b"0" or not text.startswith(b"0"))
    return int(text) if ok else None


def _plain_string(text: bytes) -> str | None:
    if not text.endswith(b'"') or any(c in b'"\\\x7f' or c < 0x20 for c in text[:-1]):
        return None
    try:
        return text[:-1].decode("utf-8")
    except UnicodeDecodeError:
        return None  # tomllib says what is wrong with it


def _canonical_meta(data: bytes) -> dict[str, Any] | None:
    lines = data.split(b"\n")
    if len(lines) != 5 or lines[4] or not all(line.startswith(key) for line, key in zip(lines, _META_KEYS, strict=False)):
        return None
    values = [line[len(key):] for line, key in zip(lines, _META_KEYS, strict=False)]
    found = (_integer(values[0], 9), _plain_string(values[1]), _plain_string(values[2]), _integer(values[3], 18))
    if None in found:
        return None
    return dict(zip(("format", "default_branch", "created_at", "clock"), found, strict=True))


def _meta_document(data: bytes, where: str) -> dict[str, Any]:
    """``meta.toml`` as a document: its canonical form read directly, anything else by tomllib."""
    return _canonical_meta(data) or loads(data, where)


def decode_meta(data: bytes, where: str) -> Meta:
    doc = _meta_document(data, where)
    try:
        version = int(doc["format"])
        meta = Meta(
            format=version,
            default_branch=str(doc["default_branch"]),
            created_at=str(doc["created_at"]),
            clock=int(doc["clock"]),
            extra={k: v for k, v in doc.items() if k not in ("format", "default_branch", "created_at", "clock")},
        )
    except (KeyError, TypeError, ValueError, OverflowError) as exc:  # OverflowError: clock = inf
        raise CorruptMemory(f"{where} is not a valid meta record ({exc})", hint="run 'git codex fsck'") from exc
    if version > FORMAT_VERSION:
        raise CorruptMemory(
            f"{where} has memory format {version}; this gitmem reads up to {FORMAT_VERSION}",
            hint="upgrade gitmem (pip install -U gitmem)",
        )
    return meta
