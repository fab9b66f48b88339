"""Hypothesis strategies for records built only through the typed constructors in gitmem.core.edits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from gitmem.core import edits, inputs
from gitmem.core.models import Stamp, Task

B32 = "abcdefghijklmnopqrstuvwxyz234567"
# Everything gitmem's input checks accept: any Unicode except the control characters it
# refuses (tabs, newlines and carriage returns stay).
_REFUSED = {chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"} | {chr(c) for c in range(0x7F, 0xA0)}
user_chars = st.characters(codec="utf-8", exclude_characters="".join(sorted(_REFUSED)))
user_text = st.text(user_chars, max_size=40)
titles = st.text(user_chars, min_size=1, max_size=60).filter(lambda s: s.strip())
long_titles = st.text(user_chars, min_size=490, max_size=500).filter(lambda s: s.strip())
labels = st.text(
    st.characters(codec="utf-8", exclude_characters=", ", exclude_categories=("Cc",)),
    min_size=1, max_size=12,
).filter(lambda s: re.fullmatch(r"[^\x00-\x20\x7f-\x9f,]+", s) is not None)
actors = st.text(B32, min_size=10, max_size=10)
task_ids = st.text(B32, min_size=10, max_size=10).map(lambda s: "t-" + s)
commits = st.text("0123456789abcdef", min_size=40, max_size=40)
log_ids = st.text(B32, min_size=12, max_size=12).map(lambda s: "l-" + s)
timestamps = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
)
statuses = st.sampled_from(["pending", "in_progress", "blocked", "completed", "cancelled"])
metadata = st.dictionaries(
    st.text(max_size=8),
    st.one_of(st.text(max_size=10), st.integers(-(2**63), 2**63 - 1), st.booleans(),
              st.lists(st.text(max_size=5), max_size=3)),
    max_size=4,
)

# Register values as the services would write them (checked with gitmem's own input rules).
REGISTER_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "title": titles.map(inputs.title),
    "description": user_text.map(lambda s: inputs.text("description", s)),
    "kind": st.sampled_from(["task", "epic", "milestone"]),
    "status": statuses,
    "priority": st.integers(0, 4).map(inputs.priority),
    "owner": st.one_of(st.none(), st.text(user_chars, min_size=1, max_size=20)),
    "parent": st.one_of(st.none(), task_ids),
    "target_commit": st.one_of(st.none(), commits),
    "plan_key": st.text(user_chars, min_size=1, max_size=30),
    "metadata": metadata,
}
SET_KEYS: dict[str, st.SearchStrategy[str]] = {
    "labels": labels.map(lambda s: inputs.label("label", s)),
    "adr": labels.map(lambda s: inputs.label("adr id", s)),
    "depends_on": task_ids,
    "related": task_ids,
    "evidence": commits,
}


@st.composite
def evidence_values(draw: st.DrawFn, commit: str) -> dict[str, str]:
    value = {"commit": commit}
    for name in ("path", "url", "text"):
        if draw(st.booleans()):
            value[name] = draw(user_text)
    return value


@dataclass(frozen=True)
class Op:
    """One edit a replica can make; applied with the stamp of that replica's next write."""

    kind: str
    args: tuple[Any, ...]

    def apply(self, task: Task, stamp: Stamp, now: str) -> Task:
        if self.kind == "set":
            return edits.set_fields(task, self.args[0], stamp=stamp, now=now)
        if self.kind == "add":
            name, key, value = self.args
            return edits.add_element(task, name, key, stamp=stamp, now=now, value=value)
        if self.kind == "rm":
            name, pick, fallback = self.args
            present = task.members(name)
            key = present[pick % len(present)] if present else fallback
            return edits.remove_element(task, name, key, stamp=stamp, now=now)
        if self.kind == "log":
            text, entry_id = self.args
            return edits.append_log(task, text, entry_id=entry_id, stamp=stamp, now=now)
        if self.kind == "tomb":
            return edits.tombstone(task, self.args[0], stamp=stamp, now=now)
        raise AssertionError(self.kind)


@st.composite
def set_ops(draw: st.DrawFn, fields: tuple[str, ...] = tuple(REGISTER_VALUES)) -> Op:
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True))
    return Op("set", ({name: draw(REGISTER_VALUES[name]) for name in chosen},))


@st.composite
def add_ops(draw: st.DrawFn, names: tuple[str, ...] = tuple(SET_KEYS)) -> Op:
    name = draw(st.sampled_from(names))
    key = draw(SET_KEYS[name])
    value = draw(evidence_values(key)) if name == "evidence" and draw(st.booleans()) else None
    return Op("add", (name, key, value))


@st.composite
def rm_ops(draw: st.DrawFn, names: tuple[str, ...] = tuple(SET_KEYS)) -> Op:
    name = draw(st.sampled_from(names))
    return Op("rm", (name, draw(st.integers(0, 10)), draw(SET_KEYS[name])))


log_ops = st.builds(lambda t, i: Op("log", (t, i)), user_text, log_ids)
tomb_ops = st.builds(lambda r: Op("tomb", (r,)), user_text)
any_op = st.one_of(set_ops(), add_ops(), rm_ops(), log_ops, tomb_ops)


_NEW_FIELDS = st.lists(st.sampled_from(["description", "kind", "priority", "owner", "parent",
                                        "target_commit", "plan_key", "metadata"]), unique=True)
_NEW_SETS = {name: st.lists(SET_KEYS[name], max_size=3) for name in ("labels", "adr", "depends_on")}
_ANY_TITLE = st.one_of(titles, long_titles)


@st.composite
def new_tasks(draw: st.DrawFn, actor: str, lamport: int = 1, long_title: bool = True) -> Task:
    """A task as ``tasks add`` makes it."""
    fields = {name: draw(REGISTER_VALUES[name]) for name in draw(_NEW_FIELDS)}
    sets = {name: draw(strategy) for name, strategy in _NEW_SETS.items()}
    title = draw(_ANY_TITLE if long_title else titles)
    return edits.new_task(draw(task_ids), title, stamp=Stamp(lamport, actor), now=draw(timestamps),
                          fields=fields, sets=sets)
