"""Session blobs (``sessions/<id>.toml``): encoding, decoding and the session merge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gitmem.core.errors import CORRUPT_HINT, CorruptMemory
from gitmem.core.models import Session, Stamp, Turn
from gitmem.store.codec import dumps, loads

SESSIONS_DIR = "sessions"
_SCALARS = ("ended_at", "head_end", "summary")
_KNOWN = {"id", "agent", "branch", "started_at", "head_start", "stamp", "turns", "plan", "plan_status", "compacted", "done",
          *_SCALARS}


def session_path(session_id: str) -> str:
    return f"{SESSIONS_DIR}/{session_id}.toml"


def turn_document(turn: Turn) -> dict[str, Any]:
    doc: dict[str, Any] = {"turn_id": turn.turn_id, "at": turn.at, "summary": turn.summary}
    for name in ("actions", "follow_ups", "approvals", "tasks"):
        values = getattr(turn, name)
        if values:
            doc[name] = list(values)
    return doc


def session_document(session: Session) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": session.id,
        "agent": session.agent,
        "branch": session.branch,
        "started_at": session.started_at,
        "head_start": session.head_start,
        "stamp": str(session.stamp),
    }
    for name in _SCALARS:
        value = getattr(session, name)
        if value is not None:
            doc[name] = value
    if session.plan:
        doc["plan"] = list(session.plan)
    if session.plan_status:
        doc["plan_status"] = list(session.plan_status)
    if session.compacted:
        doc["compacted"] = session.compacted
    if session.done:
        doc["done"] = list(session.done)
    doc.update(sorted(session.extra.items()))
    if session.turns:
        doc["turns"] = [turn_document(t) for t in session.turns]
    return doc


def encode_session(session: Session) -> bytes:
    return dumps(session_document(session)).encode("utf-8")


def _strings(doc: Mapping[str, Any], name: str) -> tuple[str, ...]:
    values = doc.get(name)
    if values is None:  # most turns have no approvals, no tasks
        return ()
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{name} must be a list of strings")
    return tuple(values)


def session_from_document(doc: Mapping[str, Any]) -> Session:
    turns = tuple(  # positional: a session holds hundreds of turns, and it is read every turn
        Turn(str(t["turn_id"]), str(t["at"]), str(t["summary"]), _strings(t, "actions"), _strings(t, "follow_ups"),
             _strings(t, "approvals"), _strings(t, "tasks"))
        for t in doc.get("turns", [])
    )
    return Session(
        id=str(doc["id"]),
        agent=str(doc["agent"]),
        branch=str(doc["branch"]),
        started_at=str(doc["started_at"]),
        head_start=str(doc["head_start"]),
        stamp=Stamp.parse(str(doc["stamp"])),
        ended_at=doc.get("ended_at"),
        head_end=doc.get("head_end"),
        summary=doc.get("summary"),
        turns=turns,
        plan=_strings(doc, "plan"),
        plan_status=_strings(doc, "plan_status"),
        compacted=int(doc.get("compacted", 0)),
        done=tuple(sorted(set(_strings(doc, "done")))),
        extra={k: v for k, v in doc.items() if k not in _KNOWN},
    )


def decode_session(data: bytes, where: str) -> Session:
    return session_record(loads(data, where), where)


def session_record(doc: Mapping[str, Any], where: str) -> Session:
    """The session in a parsed document; CorruptMemory (naming ``where``) if it is not one."""
    try:
        return session_from_document(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptMemory(f"{where} is not a valid session record ({exc})", hint=CORRUPT_HINT) from exc


def merge_session(a: Session, b: Session) -> Session:
    """Turns merge by id, done follow-ups by union; the other fields come from the newer
    write (ties: larger repr)."""
    if a == b:
        return a
    newer, older = (a, b) if (a.stamp, repr(a)) >= (b.stamp, repr(b)) else (b, a)
    turns = {t.turn_id: t for t in older.turns}
    turns.update({t.turn_id: t for t in newer.turns})
    ordered = tuple(sorted(turns.values(), key=lambda t: (t.at, t.turn_id)))
    return replace(newer, turns=ordered, compacted=max(a.compacted, b.compacted),
                   done=tuple(sorted(set(a.done) | set(b.done))))
