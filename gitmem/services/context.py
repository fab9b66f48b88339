"""``context``: a Markdown brief for an agent's prompt, bounded by a character budget.

Items carry an importance: in-progress work, then the last session, the first ready
tasks, open follow-ups, the first blocked tasks, then the long tails of the ready and
blocked lists. Over budget, the least important go first and a footer says how many
were left out. The header and footer always fit: they are cut last.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from gitmem.models import Session, Status
from gitmem.output import flat
from gitmem.services import graph
from gitmem.services.workspace import Workspace
from gitmem.store import claims as claim_store
from gitmem.store.cache import TaskSummary

DEFAULT_BUDGET = 6000
RECENT_SESSIONS = 5
_SECTIONS = ("In progress", "Ready next", "Blocked", "Open follow-ups", "Last session")


@dataclass
class Item:
    section: str
    text: str
    importance: float
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Brief:
    text: str
    header: str
    items: list[Item]
    omitted: int
    budget: int


def age(stamp: str, now: _dt.datetime) -> str:
    try:
        then = _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.UTC)
    except ValueError:
        return "unknown age"
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"


def _rank(n: int, head: float, tail: float) -> float:
    """The first few items of a list matter almost as much as the section; the rest far less."""
    return head - n if n < 5 else tail - n / 1000


def _line(task: TaskSummary, short: dict[str, str], extra: str = "") -> str:
    title = flat(task.title)
    if len(title) > 120:
        title = title[:119] + "…"
    return f"- `{short[task.id]}` {title}{extra}"


def gather(ws: Workspace, cap: int = 10**9) -> tuple[str, list[Item], int]:
    """The header, the candidate items (at most ``cap`` per list) and how many lists cut."""
    snap = ws.require_snapshot()
    tasks = snap.summaries()
    short = graph.short_ids(tasks)
    holders = {k: c.agent for k, c in claim_store.load_claims(ws.repo).items()}
    now = _dt.datetime.now(_dt.UTC)
    live = graph.live(tasks)
    items: list[Item] = []
    doing = sorted((t for t in live.values() if t.status is Status.IN_PROGRESS), key=lambda t: t.priority)
    reasons = {t.id: graph.blockers(t, tasks, holders, ws.agent) for t in live.values() if not t.status.terminal}
    ready = sorted((t for t in live.values() if t.status is Status.PENDING and not reasons[t.id]),
                   key=lambda t: (t.priority, t.created_at, t.id))
    cut = max(0, len(doing) - cap) + max(0, len(ready) - cap)
    for n, t in enumerate(doing[:cap]):
        items.append(Item("In progress", _line(t, short, f" (updated {age(t.updated_at, now)})"), 100 - n, {"id": t.id}))
    for n, t in enumerate(ready[:cap]):
        items.append(Item("Ready next", _line(t, short, f" P{t.priority}"), _rank(n, 80, 30), {"id": t.id}))
    blocked = [t for t in live.values() if t.status is Status.BLOCKED or (t.status is Status.PENDING and reasons[t.id])]
    blocked = sorted(blocked, key=lambda t: (t.priority, t.created_at))
    cut += max(0, len(blocked) - cap)
    for n, t in enumerate(blocked[:cap]):
        why = "; ".join(reasons[t.id])
        if t.status is Status.BLOCKED and t.block_reason:
            why = t.block_reason
        items.append(Item("Blocked", _line(t, short, f": {flat(why)[:160]}"), _rank(n, 50, 20), {"id": t.id}))
    sessions: list[Session] = [snap.session(s) for s in sorted(snap.session_blobs, reverse=True)[:RECENT_SESSIONS]]
    n = 0
    for s in sessions:
        for turn in reversed(s.turns):
            for f in turn.follow_ups:
                items.append(Item("Open follow-ups", f"- {flat(f)[:200]} ({age(turn.at, now)})", 60 - n / 100, {"session": s.id}))
                n += 1
    if sessions:
        last = sessions[0]
        summary = last.summary or (last.turns[-1].summary if last.turns else "")
        state = "open" if last.ended_at is None else f"ended {age(last.ended_at, now)}"
        text = flat(summary)[:400] or "no turns logged yet"
        items.append(Item("Last session", f"- {last.agent}, {state}: {text}", 90, {"session": last.id}))
    tip = ws.repo.ref_target(ws.ref)
    memory_age = age(max(t.updated_at for t in live.values()), now) if live else "never"
    where = f"{ws.branch} (detached HEAD: last branch's memory)" if ws.detached else ws.branch
    header = (f"# Project memory: {where}\n"
              f"memory {tip[:12] if tip else 'not forked yet'}; last task change {memory_age}; "
              f"{len(live)} tasks, {sum(t.status.terminal for t in live.values())} done\n")
    return header, items, cut


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
    header, items, cut = gather(ws, cap=budget // 12 + 1)
    ranked = sorted(items, key=lambda i: -i.importance)

    def size(keep: int) -> int:
        return len(render(header, ranked[:keep], len(ranked) - keep + cut))

    # The length grows with every item kept, so the most that fit is found by bisection.
    low, high = 0, len(ranked)
    while low < high:
        middle = (low + high + 1) // 2
        if size(middle) <= budget:
            low = middle
        else:
            high = middle - 1
    kept, omitted = ranked[:low], len(ranked) - low + cut
    text = render(header, kept, omitted)
    if len(text) > budget:
        # Not even the header fits: cut it, keep the count of what was left out.
        footer = f"\n_{omitted} items left out_\n" if omitted else ""
        room = budget - len(footer)
        text = (header[: room - 2] + "…\n" if room > 2 else "") + footer
        text = text[: budget - 1] + "\n"
    order = {id(i): n for n, i in enumerate(items)}
    return Brief(text, header, sorted(kept, key=lambda i: order[id(i)]), omitted, budget)
