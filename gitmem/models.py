"""Records as frozen dataclasses: stamps, registers, set elements, tasks, meta.

Every mutable field of a task is a *register*: the set of writes not yet known to be
superseded (usually one). A write carries its ``(lamport, actor)`` stamp and the stamp it
replaced (``prev``), so a later write that saw it prunes it; concurrent writes stay side by
side until the field is next written. Sets keep add/remove stamps per element; the log is
keyed by entry id. Everything here is pure data: no git, no TOML.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class Stamp:
    """A Lamport timestamp made total by the writer's actor id."""

    lamport: int
    actor: str

    def __str__(self) -> str:
        return f"{self.lamport}@{self.actor}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        lamport, sep, actor = text.partition("@")
        if not sep or not lamport.isdigit():
            raise ValueError(f"not a stamp: {text!r}")
        return cls(int(lamport), actor)


ZERO = Stamp(0, "")


class Status(enum.Enum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (Status.COMPLETED, Status.CANCELLED)


class Kind(enum.Enum):
    TASK = "task"
    EPIC = "epic"
    MILESTONE = "milestone"


REGISTER_FIELDS = (
    "title",
    "description",
    "kind",
    "status",
    "priority",
    "parent",
    "owner",
    "target_commit",
    "plan_key",
    "metadata",
    "deleted",
    "updated_at",
)
"""Task fields held as registers, in the order they are stored."""

SET_FIELDS = ("depends_on", "related", "labels", "adr", "evidence")
"""Task fields held as sets of stamped elements."""

UNSET: Any = None
"""A register value meaning "no value" (TOML has no null; the key is omitted)."""


@dataclass(frozen=True, slots=True)
class Write:
    """One write of a register: its value, its stamp and the stamp it replaced."""

    value: Any
    stamp: Stamp
    prev: Stamp = ZERO


def winner(field_name: str, heads: tuple[Write, ...]) -> Write:
    """The write a register shows: the highest stamp, except a terminal status wins."""
    if field_name == "status" and len(heads) > 1:
        terminal = [w for w in heads if w.value in ("completed", "cancelled")]
        if terminal:
            return max(terminal, key=lambda w: w.stamp)
    return max(heads, key=lambda w: w.stamp)


@dataclass(frozen=True, slots=True)
class Element:
    """A set element: present while its add stamp is newer than its remove stamp."""

    add: Stamp
    rm: Stamp | None = None
    value: Mapping[str, Any] | None = None
    """Structured payload (evidence); ``None`` for plain string sets."""

    @property
    def present(self) -> bool:
        return self.rm is None or self.add > self.rm


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: str
    at: str
    by: str
    text: str


@dataclass(frozen=True, slots=True)
class Task:
    """A task, epic or milestone, with the stamps that make it mergeable."""

    id: str
    created_at: str
    created_by: str
    registers: Mapping[str, tuple[Write, ...]]
    sets: Mapping[str, Mapping[str, Element]]
    log: Mapping[str, LogEntry] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Keys this version does not know, kept so a newer teammate's fields survive."""

    def get(self, name: str) -> Any:
        heads = self.registers.get(name)
        return winner(name, heads).value if heads else UNSET

    def members(self, name: str) -> list[str]:
        """Present element keys of a set, sorted."""
        return sorted(k for k, e in self.sets.get(name, {}).items() if e.present)

    @property
    def title(self) -> str:
        return str(self.get("title") or "")

    @property
    def description(self) -> str:
        return str(self.get("description") or "")

    @property
    def status(self) -> Status:
        return Status(self.get("status") or "pending")

    @property
    def kind(self) -> Kind:
        return Kind(self.get("kind") or "task")

    @property
    def priority(self) -> int:
        value = self.get("priority")
        return 2 if value is None else int(value)

    def _optional(self, name: str) -> str | None:
        value = self.get(name)
        return None if value is None else str(value)

    @property
    def parent(self) -> str | None:
        return self._optional("parent")

    @property
    def owner(self) -> str | None:
        return self._optional("owner")

    @property
    def plan_key(self) -> str | None:
        return self._optional("plan_key")

    @property
    def updated_at(self) -> str:
        return str(self.get("updated_at") or self.created_at)

    @property
    def depends_on(self) -> list[str]:
        return self.members("depends_on")

    @property
    def labels(self) -> list[str]:
        return self.members("labels")

    @property
    def evidence(self) -> list[Mapping[str, Any]]:
        elements = self.sets.get("evidence", {})
        return [dict(elements[k].value or {}) for k in self.members("evidence")]

    @property
    def tombstone(self) -> Mapping[str, Any] | None:
        value = self.get("deleted")
        return value if isinstance(value, Mapping) else None

    @property
    def deleted(self) -> bool:
        """Deleted, unless some field was written that the deletion never saw."""
        tomb = self.tombstone
        if not tomb:
            return False
        return not self.revived_by()

    def revived_by(self) -> list[str]:
        """Fields with writes the tombstone did not see (a concurrent edit keeps the task)."""
        tomb = self.tombstone or {}
        seen = tomb.get("seen", {})
        revived = []
        for name, heads in self.registers.items():
            if name in ("deleted", "updated_at"):
                continue
            limit = Stamp.parse(seen[name]) if name in seen else ZERO
            if any(w.stamp > limit for w in heads):
                revived.append(name)
        return revived

    def conflicts(self) -> list[tuple[str, Write]]:
        """Concurrent writes that lost to the shown value, per field."""
        out: list[tuple[str, Write]] = []
        for name, heads in self.registers.items():
            if len(heads) > 1:
                shown = winner(name, heads)
                out.extend((name, w) for w in heads if w is not shown)
        return out

    def max_stamp(self) -> Stamp:
        stamps = [w.stamp for heads in self.registers.values() for w in heads]
        for elements in self.sets.values():
            for e in elements.values():
                stamps.append(e.add)
                if e.rm is not None:
                    stamps.append(e.rm)
        return max(stamps, default=ZERO)


@dataclass(frozen=True, slots=True)
class Meta:
    """``meta.toml``: format version, default branch, and the memory's Lamport clock."""

    format: int
    default_branch: str
    created_at: str
    clock: int
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Claim:
    """One event of ``refs/codex/claims``: an agent took (or released) a task."""

    task: str
    agent: str
    actor: str
    branch: str
    at: str
    stamp: Stamp
    release: bool = False


@dataclass(frozen=True, slots=True)
class Turn:
    """One turn of an agent session: what was asked, done and left to do."""

    turn_id: str
    at: str
    summary: str
    actions: tuple[str, ...] = ()
    follow_ups: tuple[str, ...] = ()
    approvals: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Session:
    """An agent session's digest; turns are keyed by id so concurrent appends merge."""

    id: str
    agent: str
    branch: str
    started_at: str
    head_start: str
    stamp: Stamp
    """Stamp of the last write of the scalar fields below (turns merge by id)."""
    ended_at: str | None = None
    head_end: str | None = None
    summary: str | None = None
    turns: tuple[Turn, ...] = ()
    plan: tuple[str, ...] = ()
    """Task ids of this session's last synced plan, in order (for matching by position)."""
    compacted: int = 0
    """Number of turns dropped by retention (their text stays in the memory's history)."""
    extra: Mapping[str, Any] = field(default_factory=dict)
