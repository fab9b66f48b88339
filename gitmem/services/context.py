"""``context``: a Markdown brief for an agent's prompt, bounded by a character budget.

Items carry an importance: in-progress work, then the last session, the first ready
tasks, open follow-ups, the first blocked tasks, then the long tails of the ready and
blocked lists. Over budget, the least important go first and a footer says how many
were left out. The header and footer always fit: they are cut last.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

from gitmem.core.models import Session, follow_up_id
from gitmem.core.text import epoch, flat
from gitmem.derived import reads
from gitmem.derived.board import Board, Row, board, kept_board
from gitmem.engine.workspace import Workspace
from gitmem.store import claims as claim_store
from gitmem.store.memory import Snapshot

DEFAULT_BUDGET = 6000
RECENT_SESSIONS = 5
_SECTIONS = ("In progress", "Ready next", "Blocked", "Open follow-ups", "Last session")


@dataclass
class Item:
    """One line of the brief. A task line is formatted when first read: a brief keeps only
    the most important items that fit, and formats no line past those."""

    section: str
    line: str | Callable[[], str]
    importance: float
    data: dict[str, Any] = field(default_factory=dict)
    place: tuple[int, int] = (0, 0)
    """(section, position in it): the order items are shown in."""

    @property
    def text(self) -> str:
        if not isinstance(self.line, str):
            self.line = self.line()
        return self.line


@dataclass
class Brief:
    text: str
    header: str
    items: list[Item]
    omitted: int
    budget: int




def age(stamp: str, now: float) -> str:
    then = epoch(stamp)
    if then is None:
        return "unknown age"
    seconds = max(0, int(now - then))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"


def _rank(n: int, head: float, tail: float) -> float:
    """The first few items of a list matter almost as much as the section; the rest far less."""
    return head - n if n < 5 else tail - n / 1000


def with_claims(found: Board, others: Mapping[str, str]) -> Board:
    """``found`` once tasks claimed by other agents are no longer ready: ready ones move to
    blocked, and every one gets the reason (``graph.blockers`` would give it last)."""
    def claimed(r: Row) -> Row:
        return r._replace(reasons=(*r.reasons, f"it is claimed by {others[r.id]}"))

    moved = [claimed(r) for r in found.ready if r.id in others]
    blocked = [claimed(r) if r.id in others else r for r in found.blocked] + moved
    n_doing, n_ready, n_blocked = found.totals
    return found._replace(ready=tuple(r for r in found.ready if r.id not in others),
                          blocked=tuple(sorted(blocked, key=lambda r: (r.priority, r.created_at, r.id))),
                          totals=(n_doing, n_ready - len(moved), n_blocked + len(moved)))


def _board(ws: Workspace, snap: Snapshot, cap: int) -> Board:
    """The board with this agent's view of claims; the kept one unless a claim falls outside it."""
    others = {k: c.agent for k, c in claim_store.load_claims(ws.repo).items() if c.agent != ws.agent}
    found = kept_board(snap, cap)
    shown = {r.id for rows in found[:3] for r in rows}
    cut_short = any(len(rows) < total for rows, total in zip(found[:3], found.totals, strict=True))
    if cut_short and any(t not in shown for t in others):
        found = board(reads.summaries(snap), len(reads.summaries(snap)))  # a claim on a task past the kept rows
    return with_claims(found, others)


class SessionDigest(NamedTuple):
    """What the brief shows of a session; kept by blob id, so unchanged sessions are not decoded."""

    id: str
    agent: str
    ended_at: str | None
    summary: str
    """The session's summary, else its last turn's."""
    follow_ups: tuple[tuple[str, str], ...]
    """(turn time, text), newest turn first."""
    done: tuple[str, ...] = ()
    """Ids of the follow-ups marked done in this session."""


DIGEST = "session-digests-v2"


def digest(session: Session) -> SessionDigest:
    summary = session.summary or (session.turns[-1].summary if session.turns else "")
    follow_ups = tuple((turn.at, f) for turn in reversed(session.turns) for f in turn.follow_ups)
    return SessionDigest(session.id, session.agent, session.ended_at, summary, follow_ups, session.done)


def open_follow_ups(sessions: list[SessionDigest]) -> list[tuple[SessionDigest, str, str, str]]:
    """(session, turn time, text, id) of each follow-up not marked done, newest first, each
    id once (the same words logged again in a later turn or session are one follow-up)."""
    done = {fid for s in sessions for fid in s.done}
    out = []
    for s in sessions:
        for at, text in s.follow_ups:
            fid = follow_up_id(text)
            if fid not in done:
                done.add(fid)
                out.append((s, at, text, fid))
    return out


def recent_sessions(snap: Snapshot) -> list[SessionDigest]:
    """The newest RECENT_SESSIONS sessions, newest first."""
    ids = sorted(snap.session_blobs, reverse=True)[:RECENT_SESSIONS]
    kept = reads.session_facts(snap, DIGEST, ids, lambda sid: tuple(digest(snap.session(sid))))
    out = []
    for sid in ids:
        session_id, agent, ended_at, summary, follow_ups, done = kept[sid]
        out.append(SessionDigest(session_id, agent, ended_at, summary, tuple((at, text) for at, text in follow_ups),
                                 tuple(done)))
    return out


def _doing_line(row: Row, now: float) -> str:
    return _line(row, f" (updated {age(row.updated_at, now)})")


def _ready_line(row: Row) -> str:
    return _line(row, f" P{row.priority}")


def _blocked_line(row: Row) -> str:
    why = row.block_reason if row.blocked and row.block_reason else "; ".join(row.reasons)
    return _line(row, f": {flat(why)[:160]}")


def _line(row: Row, extra: str = "") -> str:
    title = flat(row.title)
    if len(title) > 120:
        title = title[:119] + "…"
    return f"- `{row.short}` {title}{extra}"


def _rows(section: int, rows: tuple[Row, ...], line: Callable[..., str], rank: Callable[[int], float],
          *args: object) -> Iterator[Item]:
    """A list's items in decreasing importance, each made (and its line formatted) when reached."""
    name = _SECTIONS[section]
    for n, r in enumerate(rows):
        yield Item(name, partial(line, r, *args), rank(n), {"id": r.id}, (section, n))


def gather(ws: Workspace, cap: int = 10**9) -> tuple[str, list[Iterator[Item]], int, int]:
    """The header, the candidate items as one stream per section (each in decreasing
    importance, at most ``cap`` per list), how many candidates there are, and how many the
    lists cut."""
    snap = ws.require_snapshot()
    found = _board(ws, snap, cap)
    now = time.time()
    cut = sum(max(0, total - cap) for total in found.totals)
    doing, ready, blocked = found.doing[:cap], found.ready[:cap], found.blocked[:cap]
    sessions = recent_sessions(snap)
    follow_ups = [Item(_SECTIONS[3], f"- {flat(text)[:200]} ({age(at, now)}; `{fid}`)", 60 - n / 100,
                       {"session": s.id, "follow_up": fid}, (3, n))
                  for n, (s, at, text, fid) in enumerate(open_follow_ups(sessions))]
    last: list[Item] = []
    if sessions:
        # The newest that has something to say: not the empty one a SessionStart hook just opened.
        first = next((s for s in sessions if s.summary), sessions[0])
        state = "open" if first.ended_at is None else f"ended {age(first.ended_at, now)}"
        text = flat(first.summary)[:400] or "no turns logged yet"
        last.append(Item(_SECTIONS[4], f"- {first.agent}, {state}: {text}", 90, {"session": first.id}, (4, 0)))
    streams = [_rows(0, doing, _doing_line, lambda n: 100 - n, now),
               _rows(1, ready, _ready_line, lambda n: _rank(n, 80, 30)),
               _rows(2, blocked, _blocked_line, lambda n: _rank(n, 50, 20)), iter(follow_ups), iter(last)]
    tip = ws.repo.ref_target(ws.ref)
    memory_age = age(found.last_update, now) if found.last_update else "never"
    where = f"{ws.branch} (detached HEAD: last branch's memory)" if ws.detached else ws.branch
    header = (f"# Project memory: {where}\n"
              f"memory {tip[:12] if tip else 'not forked yet'}; last task change {memory_age}; "
              f"{found.live} tasks, {found.done} done\n")
    count = len(doing) + len(ready) + len(blocked) + len(follow_ups) + len(last)
    return header, streams, count, cut


def render(header: str, items: list[Item], omitted: int) -> str:
    out = [header]
    for section in _SECTIONS:
        lines = [i.text for i in items if i.section == section]
        if lines:
            out.append(f"\n## {section}\n" + "\n".join(lines) + "\n")
    if omitted:
        out.append(f"\n_{omitted} items left out for length: git codex tasks list / session list_\n")
    return "".join(out)


def brief(ws: Workspace, budget: int = DEFAULT_BUDGET) -> Brief:
    """The brief, fitted to ``budget`` characters by dropping the least important items."""
    # No item is shorter than ~12 characters, so more than budget/12 per list cannot fit.
    header, streams, count, cut = gather(ws, cap=budget // 12 + 1)

    def size(keep: int) -> int:
        return len(render(header, ranked[:keep], count - keep + cut))

    # Every item kept takes its line and a line break: past the first items whose lines alone
    # exceed the budget, no more can be kept (and those past them are never even made). The
    # streams merge as a stable sort by importance would order them.
    ranked: list[Item] = []
    used = 0
    for item in heapq.merge(*streams, key=lambda i: -i.importance):
        if used > budget:
            break
        ranked.append(item)
        used += len(item.text) + 1
    high = len(ranked)
    # The length grows with every item kept, so the most that fit is found by bisection.
    low = 0
    while low < high:
        middle = (low + high + 1) // 2
        if size(middle) <= budget:
            low = middle
        else:
            high = middle - 1
    kept, omitted = ranked[:low], count - low + cut
    text = render(header, kept, omitted)
    if len(text) > budget:
        # Not even the header fits: cut it, keep the count of what was left out.
        footer = f"\n_{omitted} items left out_\n" if omitted else ""
        room = budget - len(footer)
        text = (header[: room - 2] + "…\n" if room > 2 else "") + footer
        text = text[: budget - 1] + "\n"
    return Brief(text, header, sorted(kept, key=lambda i: i.place), omitted, budget)
