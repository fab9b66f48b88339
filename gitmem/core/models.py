"""Records: tasks, meta and sessions as frozen dataclasses; their many small parts (stamps,
register writes, set elements, log entries, session turns, claim events) as named tuples,
which cost a tenth to define at start-up and far less to create by the ten thousand when
a memory is decoded.

Every mutable field of a task is a *register*: the set of writes not yet known to be
superseded (usually one). A write carries its ``(lamport, actor)`` stamp and ``seen``, the
version vector of the writes it knowingly replaced (per actor, the highest counter), so a
later write that saw it prunes it; concurrent writes stay side by side until the field is
next written. Sets keep add/remove stamps per element; the log is
keyed by entry id. Everything here is pure data: no git, no TOML.
"""

from __future__ import annotations

import binascii
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Stamp(NamedTuple):
    """A Lamport timestamp made total by the writer's actor id: ordered as (lamport, actor)."""

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

Vector = tuple[Stamp, ...]
"""A version vector: at most one stamp per actor (the highest seen), sorted by actor."""


def join(*parts: Iterable[Stamp]) -> Vector:
    """The least vector covering every stamp given (per actor, the highest counter)."""
    top: dict[str, Stamp] = {}
    for part in parts:
        for stamp in part:
            kept = top.get(stamp.actor)
            if kept is None or stamp.lamport > kept.lamport:
                top[stamp.actor] = stamp
    return tuple(top[a] for a in sorted(top))


def covers(vector: Iterable[Stamp], stamp: Stamp) -> bool:
    """Whether the write ``stamp`` is known to the vector: each actor's writes form a chain
    (one memory ref, one CAS), so having seen ``n@a`` means having seen every ``m@a``, m <= n."""
    return any(s.actor == stamp.actor and s.lamport >= stamp.lamport for s in vector)


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


class Write(NamedTuple):
    """One write of a register: its value, its stamp and what it knowingly replaced.

    ``seen`` is transitively closed: it covers every write the replaced heads had seen, so
    "covers" is a strict partial order and pruning (``store.merge.prune``) is a join.
    """

    value: Any
    stamp: Stamp
    seen: Vector = ()


def winner(field_name: str, heads: tuple[Write, ...]) -> Write:
    """The write a register shows: the highest stamp, except a terminal status wins."""
    if field_name == "status" and len(heads) > 1:
        terminal = [w for w in heads if w.value in ("completed", "cancelled")]
        if terminal:
            return max(terminal, key=lambda w: w.stamp)
    return max(heads, key=lambda w: w.stamp)


def parse_vector(texts: Iterable[Any]) -> Vector:
    """A stored vector (``["11@a", "5@b"]``) as stamps; ``ValueError`` if one is not a stamp."""
    if isinstance(texts, (str, Mapping)):
        raise ValueError(f"not a list of stamps: {texts!r}")
    return tuple(Stamp.parse(str(t)) for t in texts)


def tombstone_vector(tomb: Mapping[str, Any]) -> Vector:
    """What a tombstone saw. Unreadable stamps are skipped (the task then counts as edited
    after the deletion: kept, not lost); a pre-release table of per-field stamps is read as
    the vector of its values."""
    seen = tomb.get("seen", ())
    texts = seen.values() if isinstance(seen, Mapping) else seen if isinstance(seen, (list, tuple)) else ()
    out = []
    for text in texts:
        try:
            out.append(Stamp.parse(str(text)))
        except ValueError:
            continue
    return join(out)


class Element(NamedTuple):
    """A set element: present while its add stamp is newer than its remove stamp."""

    add: Stamp
    rm: Stamp | None = None
    value: Mapping[str, Any] | None = None
    """Structured payload (evidence); ``None`` for plain string sets."""

    @property
    def present(self) -> bool:
        return self.rm is None or self.add > self.rm


class LogEntry(NamedTuple):
    """One entry of a task's append-only log."""

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
        """Deleted, unless something was written that the deletion never saw."""
        if not self.tombstone:
            return False
        return not self.revived_by()

    def _deletions(self) -> tuple[set[Stamp], Vector]:
        """The stamps of the tombstone writes, and everything they saw (joined)."""
        stamps: set[Stamp] = set()
        vectors: list[Iterable[Stamp]] = []
        for write in self.registers.get("deleted", ()):
            if isinstance(write.value, Mapping):
                stamps.add(write.stamp)
                vectors.append(tombstone_vector(write.value))
        return stamps, join(*vectors)

    def revived_by(self) -> list[str]:
        """Fields with writes no deletion saw (a concurrent edit keeps the task).

        Every register but ``deleted`` counts (``updated_at`` too, so any edit does) and so
        does every set element's add and remove stamp; a tombstone's own writes do not (two
        concurrent deletions do not undo each other).
        """
        if not self.tombstone:
            return []
        own, seen = self._deletions()

        def unseen(stamp: Stamp) -> bool:
            return stamp not in own and not covers(seen, stamp)

        revived = [
            name for name, heads in self.registers.items()
            if name != "deleted" and any(unseen(w.stamp) for w in heads)
        ]
        for name, elements in self.sets.items():
            if any(unseen(e.add) or (e.rm is not None and unseen(e.rm)) for e in elements.values()):
                revived.append(name)
        return sorted(revived)

    def seen_stamps(self) -> Vector:
        """The version vector of every write in this task: what a deletion of it sees."""
        parts: list[Iterable[Stamp]] = []
        for name, heads in self.registers.items():
            for write in heads:
                parts.append((write.stamp, *write.seen))
                if name == "deleted" and isinstance(write.value, Mapping):
                    parts.append(tombstone_vector(write.value))
        for elements in self.sets.values():
            for e in elements.values():
                parts.append((e.add,) if e.rm is None else (e.add, e.rm))
        return join(*parts)

    def conflicts(self) -> list[tuple[str, Write]]:
        """Concurrent writes that lost to the shown value, per field (not ``updated_at``:
        it is bookkeeping that every concurrent edit touches)."""
        out: list[tuple[str, Write]] = []
        for name, heads in self.registers.items():
            if len(heads) > 1 and name != "updated_at":
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


class Claim(NamedTuple):
    """One event of ``refs/codex/claims``: an agent took (or released) a task."""

    task: str
    agent: str
    actor: str
    branch: str
    at: str
    stamp: Stamp
    release: bool = False


class Turn(NamedTuple):
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
    plan_status: tuple[str, ...] = ()
    """The status the last synced plan gave each of ``plan``'s steps: a step whose status has
    not changed since is not mirrored again (the task may have moved on in gitmem)."""
    compacted: int = 0
    """Number of turns dropped by retention (their text stays in the memory's history)."""
    done: tuple[str, ...] = ()
    """Ids of follow-ups marked done (``follow_up_id``), sorted; merged by union."""
    extra: Mapping[str, Any] = field(default_factory=dict)


def follow_up_id(text: str) -> str:
    """A follow-up's identity: the same words (case and spacing aside) are the same follow-up,
    whichever turn or session repeats them. CRC-32: a hash without hashlib's import cost."""
    return f"f-{binascii.crc32(' '.join(text.split()).casefold().encode('utf-8', 'surrogatepass')):08x}"
