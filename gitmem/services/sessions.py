"""Agent sessions: per-turn digests in memory, open sessions per worktree, notes on end."""

from __future__ import annotations

import hashlib
import os
import re
import time
from base64 import b32encode
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from gitmem.core import inputs
from gitmem.core.errors import InvalidInput, UnknownId
from gitmem.core.models import Session, Stamp, Turn, follow_up_id
from gitmem.core.text import random_base32
from gitmem.derived import reads
from gitmem.engine.redact import Redactor
from gitmem.engine.workspace import Workspace, utc_now
from gitmem.services.tasks import resolve_id
from gitmem.store import local, notes
from gitmem.store.memory import Change, Snapshot
from gitmem.store.sessions import encode_session, session_path

DEFAULT_KEEP = 100
_AGENT = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _open_path(ws: Workspace) -> str:
    return os.path.join(local.worktree_dir(ws.repo), "sessions.json")


def open_sessions(ws: Workspace) -> dict[str, str]:
    """agent -> open session id, for this worktree."""
    found = local.read_json(_open_path(ws)) or {}
    return {k: v for k, v in found.items() if isinstance(v, str)}


def set_open(ws: Workspace, agent: str, session_id: str | None) -> None:
    """Record ``session_id`` as ``agent``'s open session here (None: none); no write when it already is."""
    current = open_sessions(ws)
    if current.get(agent) == session_id:
        return
    if session_id is None:
        current.pop(agent, None)
    else:
        current[agent] = session_id
    local.write_json(_open_path(ws), current)


def check_agent(agent: str) -> str:
    if not _AGENT.fullmatch(agent):
        raise InvalidInput(f"agent name {agent!r} is not valid", hint="use letters, digits, '.', '_' or '-' (at most 64)")
    return agent


def new_session_id() -> str:
    """Ids sort by start time (to the microsecond), so retention needs no blob reads."""
    now = time.time()
    stamp = time.strftime("%Y%m%dt%H%M%S", time.gmtime(now)) + f"{int(now * 1_000_000) % 1_000_000:06d}"
    return f"s-{stamp}-{random_base32(6)}"


def conversation_key(agent: str, conversation: str) -> str:
    """The last part of the session id of an agent's conversation: the same for every process
    that knows the conversation (hooks, the model's commands, MCP, import)."""
    digest = hashlib.sha1(f"{agent}:{conversation}".encode()).digest()
    return b32encode(digest).decode().lower()[:6]


def conversation_session_id(agent: str, conversation: str, started_at: str) -> str:
    """A new id for the conversation's session, sorting by ``started_at`` (``2026-12-01T19:40:00Z``)."""
    digits = "".join(c for c in started_at if c.isdigit())[:14].ljust(14, "0")
    return f"s-{digits[:8]}t{digits[8:]}000000-{conversation_key(agent, conversation)}"


def find_conversation(snap: Snapshot | None, agent: str, conversation: str) -> str | None:
    """The session already kept for the conversation, if any (the newest, should two branches'
    memories have met)."""
    if snap is None:
        return None
    tail = "-" + conversation_key(agent, conversation)
    found = [sid for sid in snap.session_blobs if sid.endswith(tail)]
    return max(found) if found else None


def _put(session: Session, message: str, stamp: Stamp, extra: Mapping[str, bytes | None] | None = None) -> Change:
    return Change(message, blobs=dict(extra or {}), sessions={session.id: session}, clock=stamp.lamport)


def start(ws: Workspace) -> Session:
    """Open a session for this worktree's agent (ending none: one open per agent). In an agent's
    conversation it is that conversation's session: made by its first start, opened again
    (if it had ended) by a resume; nothing is written when it is open already."""
    agent = check_agent(ws.agent)
    now = utc_now()
    session_id = current_or_new(ws) if ws.conversation else new_session_id()
    made: list[Session] = []

    def build(snap: Snapshot) -> Change | None:
        stamp = snap.stamp(ws.actor)
        if snap.session_blob(session_id) is not None:
            session = snap.session(session_id)
            made[:] = [session]
            if session.ended_at is None:
                return None
            made[:] = [replace(session, ended_at=None, head_end=None, stamp=stamp)]
            return _put(made[0], f"session resume {session_id} ({agent})", stamp)
        made[:] = [_new(ws, session_id, stamp, now)]
        return _put(made[0], f"session start {session_id} ({agent})", stamp)

    ws.write(build)
    set_open(ws, agent, session_id)
    return made[0]


def _new(ws: Workspace, session_id: str, stamp: Stamp, now: str) -> Session:
    extra = {"conversation": {"agent": ws.agent, "id": ws.conversation}} if ws.conversation else {}
    return Session(session_id, check_agent(ws.agent), ws.branch, now, ws.head or "", stamp, extra=extra)


def current(ws: Workspace) -> str | None:
    """The session of the agent's conversation if it has one, else the agent's open session
    in this worktree, if any."""
    agent = check_agent(ws.agent)
    if ws.conversation:
        return find_conversation(ws.snapshot(), agent, ws.conversation)
    return open_sessions(ws).get(agent)


def current_or_new(ws: Workspace) -> str:
    """The current session's id, or a fresh id that the caller's write creates (see ``in_snapshot``)."""
    found = current(ws)
    if found:
        return found
    if ws.conversation:
        return conversation_session_id(ws.agent, ws.conversation, utc_now())
    return new_session_id()


def in_snapshot(ws: Workspace, snap: Snapshot, session_id: str, stamp: Stamp) -> Session:
    """The session as stored, or a new one opened by this write."""
    if snap.session_blob(session_id) is not None:
        return reads.open_session(snap, session_id)
    return _new(ws, session_id, stamp, utc_now())


def _load(snap: Snapshot, session_id: str) -> Session:
    if session_id not in snap.session_blobs:
        raise UnknownId(f"no session {session_id!r} in this branch's memory", hint="see 'git codex session list'")
    return snap.session(session_id)


@dataclass(frozen=True, slots=True)
class TurnInput:
    summary: str
    actions: Sequence[str] = ()
    follow_ups: Sequence[str] = ()
    approvals: Sequence[str] = ()
    tasks: Sequence[str] = ()


def log_turn(ws: Workspace, turn: TurnInput) -> tuple[Session, Turn]:
    """Append a turn to the agent's open session (opening one if none is open)."""
    redactor = Redactor.of(ws.repo)
    summary = redactor.text(inputs.text("summary", turn.summary, limit=4000, required=True))
    lists = {
        name: redactor.texts(inputs.text(name, v, limit=2000, required=True) for v in getattr(turn, name))
        for name in ("actions", "follow_ups", "approvals")
    }
    session_id = current_or_new(ws)
    result: list[Any] = []

    def build(snap: Snapshot) -> Change:
        task_ids = tuple(resolve_id(snap, t) for t in turn.tasks)
        stamp = snap.stamp(ws.actor)
        session = in_snapshot(ws, snap, session_id, stamp)
        new_turn = Turn(f"u-{random_base32(8)}", utc_now(), summary, tasks=task_ids, **lists)
        updated = replace(session, turns=(*session.turns, new_turn), stamp=stamp)
        result[:] = [updated, new_turn]
        return _put(updated, f"session log {session_id}: {summary.splitlines()[0][:60]}", stamp)

    ws.write(build)
    set_open(ws, ws.agent, session_id)
    redactor.record(ws.repo, "session log")
    return result[0], result[1]


def note_target(ws: Workspace, session: Session) -> str:
    """The newest commit the session made on its branch; HEAD at start if it made none."""
    head = ws.head
    start_head = session.head_start
    if head and start_head and head != start_head and ws.repo.is_ancestor(start_head, head):
        return head
    return start_head or head or ""


def digest(session: Session) -> dict[str, Any]:
    """The note written on the session's commit: readable in ``git log --notes=codex``."""
    out: dict[str, Any] = {
        "agent": session.agent,
        "branch": session.branch,
        "started_at": session.started_at,
        "ended_at": session.ended_at or "",
        "summary": session.summary or "",
        "turns": len(session.turns) + session.compacted,
    }
    for name in ("actions", "follow_ups", "tasks"):
        values = sorted({v for t in session.turns for v in getattr(t, name)})
        if values:
            out[name] = values
    return out


def _keep_rule(ws: Workspace) -> tuple[int, int | None]:
    """(sessions kept, age in days beyond which ended ones are compacted) from codex.sessions.keep."""
    raw = (ws.repo.config_get("codex.sessions.keep") or str(DEFAULT_KEEP)).strip().lower()
    count, age = DEFAULT_KEEP, None
    for part in raw.split(","):
        part = part.strip()
        if part.endswith("d") and part[:-1].isdigit():
            age = int(part[:-1])
        elif part.isdigit():
            count = int(part)
    return count, age


def compactions(ws: Workspace, snap: Snapshot, keep_id: str, stamp: Stamp) -> dict[str, bytes | None]:
    """Older ended sessions beyond ``codex.sessions.keep``, reduced to their summaries."""
    count, age = _keep_rule(ws)
    ids = sorted(snap.session_blobs, reverse=True)
    cutoff = None
    if age is not None:
        cutoff = time.strftime("%Y%m%dt%H%M%S", time.gmtime(max(0.0, time.time() - age * 86400)))
    candidates = [sid for n, sid in enumerate(ids) if n >= count or (cutoff and sid[2:17] < cutoff)]
    out: dict[str, bytes | None] = {}
    for sid in candidates:
        if sid == keep_id:
            continue
        session = snap.session(sid)
        if not session.turns or session.ended_at is None:
            continue
        summary = session.summary or session.turns[-1].summary
        compact = replace(session, turns=(), summary=summary, compacted=session.compacted + len(session.turns), stamp=stamp)
        out[session_path(sid)] = encode_session(compact)
    return out


def end(ws: Workspace, summary: str | None = None) -> Session:
    """Close the agent's open session and note its digest on the commit it produced."""
    redactor = Redactor.of(ws.repo)
    text = redactor.text(inputs.text("summary", summary, limit=4000)) if summary else None
    session_id = current(ws)
    if session_id is None:
        raise InvalidInput(
            f"no open session for agent {ws.agent!r} in this worktree", hint="start one with 'git codex session start'"
        )
    result: list[Session] = []

    def build(snap: Snapshot) -> Change:
        session = _load(snap, session_id)
        stamp = snap.stamp(ws.actor)
        final = text or session.summary or (session.turns[-1].summary if session.turns else "")
        ended = replace(session, ended_at=utc_now(), head_end=ws.head, summary=final, stamp=stamp)
        result[:] = [ended]
        return _put(ended, f"session end {session_id}", stamp, compactions(ws, snap, session_id, stamp))

    ws.write(build)
    session = result[0]
    target = note_target(ws, session)
    if target:
        notes.add_digest(ws.repo, target, session.id, digest(session), ws.trailers())
    set_open(ws, ws.agent, None)
    redactor.record(ws.repo, "session end")
    return session


def follow_up_done(ws: Workspace, given: str) -> tuple[str, str]:
    """Mark the follow-up ``given`` (its ``f-`` id, from ``context``) done, in the newest
    session that lists it; returns (session id, its text). A follow-up already done is not
    written again."""
    wanted = given.strip().lower()
    if not wanted.startswith("f-"):
        wanted = "f-" + wanted
    found: list[tuple[str, str]] = []

    def build(snap: Snapshot) -> Change | None:
        for session_id in sorted(snap.session_blobs, reverse=True):
            session = snap.session(session_id)
            text = next((f for t in reversed(session.turns) for f in t.follow_ups if follow_up_id(f) == wanted), None)
            if text is None:
                continue
            found[:] = [(session_id, text)]
            if wanted in session.done:
                return None
            stamp = snap.stamp(ws.actor)
            done = replace(session, done=tuple(sorted({*session.done, wanted})), stamp=stamp)
            return _put(done, f"follow-up done {wanted} ({session_id})", stamp)
        raise UnknownId(f"no follow-up {wanted} in this memory's sessions", hint="see 'git codex context'")

    ws.write(build)
    return found[0]


def resolve_session(snap: Snapshot, given: str) -> str:
    matches = sorted(s for s in snap.session_blobs if s.startswith(given.strip().lower()))
    if not given.strip() or not matches:
        raise UnknownId(f"no session matches {given!r}", hint="see 'git codex session list'")
    if len(matches) > 1 and given not in matches:
        raise InvalidInput(f"{given!r} matches several sessions: {', '.join(matches[:5])}", hint="give more of the id")
    return given if given in matches else matches[0]


def show(ws: Workspace, given: str | None) -> Session:
    snap = ws.require_snapshot()
    if given is None:
        given = current(ws) or (max(snap.session_blobs) if snap.session_blobs else None)
        if given is None:
            raise UnknownId("no sessions in this branch's memory yet", hint="start one with 'git codex session start'")
    return snap.session(resolve_session(snap, given))


def on_commit(ws: Workspace, rev: str) -> tuple[str, dict[str, dict[str, Any]]]:
    commit = ws.repo.resolve_commit(rev)
    if commit is None:
        raise InvalidInput(f"not a commit: {rev!r}")
    return commit, notes.read_digests(ws.repo, commit)


def list_sessions(ws: Workspace) -> list[Session]:
    snap = ws.require_snapshot()
    return sorted(snap.sessions().values(), key=lambda s: (s.started_at, s.id), reverse=True)
