"""The convergent merge under realistic histories: replicas with Lamport clocks editing and syncing."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field
from functools import reduce

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from gitmem.core.edits import set_fields, visible_log
from gitmem.core.merge import merge_task
from gitmem.core.models import Stamp, Task
from record_strategies import B32, REGISTER_VALUES, Op, actors, add_ops, new_tasks, rm_ops, timestamps, user_text

EDITED = ("title", "status", "priority", "description")
SETS = ("labels", "depends_on")
TERMINAL = ("completed", "cancelled")
NON_TERMINAL = ("pending", "in_progress", "blocked")


@dataclass
class Replica:
    """One clone (or agent): its actor id, its Lamport clock and its copy of the task."""

    actor: str
    clock: int = 0
    task: Task | None = None
    log_ids: set[str] = field(default_factory=set)

    def stamp(self) -> Stamp:
        self.clock += 1
        return Stamp(self.clock, self.actor)

    def edit(self, op: Op, now: str) -> None:
        if self.task is None:
            return
        if op.kind == "log":
            # Log ids are random in gitmem; unique here by construction.
            text, _ = op.args
            entry_id = f"l-{self.actor[:6]}{_b32(self.clock + 1, 6)}"
            op = Op("log", (text, entry_id))
            self.log_ids.add(entry_id)
        self.task = op.apply(self.task, self.stamp(), now)

    def receive(self, other: Task | None) -> None:
        """Merge another state in and witness its clock."""
        if other is None:
            return
        self.task = other if self.task is None else merge_task(self.task, other)
        self.clock = max(self.clock, self.task.max_stamp().lamport)


def _b32(n: int, width: int) -> str:
    out = ""
    for _ in range(width):
        n, r = divmod(n, 32)
        out = B32[r] + out
    return out


@st.composite
def register_ops(draw: st.DrawFn, fields: tuple[str, ...] = EDITED) -> Op:
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=2, unique=True))
    return Op("set", ({name: draw(REGISTER_VALUES[name]) for name in chosen},))


@functools.cache  # built once per shape: hypothesis validates a new strategy on every use
def edit_ops(fields: tuple[str, ...] = EDITED, sets: tuple[str, ...] = SETS, tomb: bool = True) -> st.SearchStrategy[Op]:
    choices = [register_ops(fields), st.builds(lambda t: Op("log", (t, "")), user_text)]
    if sets:
        choices += [add_ops(sets), rm_ops(sets)]
    if tomb:
        choices.append(st.builds(lambda r: Op("tomb", (r,)), user_text))
    return st.one_of(choices)


@st.composite
def histories(draw: st.DrawFn, min_replicas: int = 2, steps: int = 16) -> list[Replica]:
    """2-4 replicas; replica 0 creates the task; random edits and one-way syncs follow."""
    names = draw(st.lists(actors, min_size=min_replicas, max_size=4, unique=True))
    replicas = [Replica(n) for n in names]
    first = replicas[0]
    first.task = draw(new_tasks(first.actor, first.stamp().lamport, long_title=False))
    for _ in range(draw(st.integers(0, steps))):
        if draw(st.booleans()):
            i, j = draw(st.integers(0, len(replicas) - 1)), draw(st.integers(0, len(replicas) - 1))
            replicas[i].receive(replicas[j].task)
        else:
            replica = draw(st.sampled_from(replicas))
            # A replica sometimes runs ahead: other tasks in its memory moved its clock.
            replica.clock += draw(st.sampled_from([0, 0, 0, 5, 50]))
            replica.edit(draw(edit_ops()), draw(timestamps))
    return replicas


def _merge_all(tasks: list[Task]) -> Task:
    return reduce(merge_task, tasks)


@settings(max_examples=examples(300), deadline=None)
@given(histories())
def test_merge_is_a_join(replicas: list[Replica]) -> None:
    states = [r.task for r in replicas if r.task is not None]
    for a, b in itertools.product(states, repeat=2):
        ab = merge_task(a, b)
        assert ab == merge_task(b, a)
        assert merge_task(ab, b) == ab
        assert merge_task(a, ab) == ab
    for a in states:
        assert merge_task(a, a) == a
    for a, b, c in itertools.product(states, repeat=3):
        assert merge_task(merge_task(a, b), c) == merge_task(a, merge_task(b, c))


@settings(max_examples=examples(300), deadline=None)
@given(histories())
def test_nothing_is_lost(replicas: list[Replica]) -> None:
    states = [r.task for r in replicas if r.task is not None]
    merged = _merge_all(states)
    every_log_id = set().union(*(r.log_ids for r in replicas))
    assert every_log_id <= set(merged.log)
    for state in states:
        assert set(state.log) <= set(merged.log)
        assert set(state.registers) <= set(merged.registers)
        for name, elements in state.sets.items():
            assert set(elements) <= set(merged.sets[name])
    # Every replica that receives everything ends in the same state, in any order.
    for order in itertools.permutations(states):
        assert _merge_all(list(order)) == merged


@st.composite
def forked(draw: st.DrawFn) -> tuple[Replica, Replica]:
    """Two replicas that have just synced after a random history."""
    replicas = draw(histories())
    live = [r for r in replicas if r.task is not None]
    a = draw(st.sampled_from(live))
    b = draw(st.sampled_from([r for r in replicas if r is not a]))
    a.receive(b.task)
    b.receive(a.task)
    assert a.task == b.task and a.task is not None
    return a, b


def _concurrently(draw: st.DrawFn, replica: Replica, ops: st.SearchStrategy[Op], *, first: Op | None = None,
                  count: int = 4) -> None:
    """Let ``replica`` make ``first`` (if any) among a few other random edits."""
    before = draw(st.lists(ops, max_size=count))
    after = draw(st.lists(ops, max_size=count))
    for op in before:
        replica.edit(op, draw(timestamps))
    replica.clock += draw(st.sampled_from([0, 3, 40]))
    if first is not None:
        replica.edit(first, draw(timestamps))
    for op in after:
        replica.edit(op, draw(timestamps))


@settings(max_examples=examples(200), deadline=None)
@given(st.data())
def test_one_sided_edit_wins(data: st.DataObject) -> None:
    a, b = data.draw(forked())
    name = data.draw(st.sampled_from(EDITED))
    value = data.draw(REGISTER_VALUES[name])
    others = tuple(f for f in EDITED if f != name)
    # a writes the field (possibly several times); b edits anything else, concurrently.
    _concurrently(data.draw, a, edit_ops(others), first=Op("set", ({name: value},)))
    _concurrently(data.draw, b, edit_ops(others))
    assert a.task is not None and b.task is not None
    for merged in (merge_task(a.task, b.task), merge_task(b.task, a.task)):
        assert merged.get(name) == a.task.get(name)


@settings(max_examples=examples(200), deadline=None)
@given(st.data())
def test_one_sided_set_change_wins(data: st.DataObject) -> None:
    a, b = data.draw(forked())
    op = data.draw(st.one_of(add_ops(SETS), rm_ops(SETS)))
    a.edit(op, data.draw(timestamps))
    assert a.task is not None
    name = op.args[0]
    before = b.task.sets.get(name, {}) if b.task else {}
    touched = {k for k, e in a.task.sets.get(name, {}).items() if e != before.get(k)}
    _concurrently(data.draw, b, edit_ops(sets=tuple(s for s in SETS if s != name)))
    assert b.task is not None
    for merged in (merge_task(a.task, b.task), merge_task(b.task, a.task)):
        for key in touched:
            assert (key in merged.members(name)) == (key in a.task.members(name))


@settings(max_examples=examples(300), deadline=None)
@given(st.data())
def test_terminal_status_beats_concurrent_non_terminal(data: st.DataObject) -> None:
    a, b = data.draw(forked())
    assert a.task is not None
    terminal = data.draw(st.sampled_from(TERMINAL))
    if a.task.get("status") in TERMINAL:
        a.edit(Op("set", ({"status": "pending"},)), data.draw(timestamps))
        b.receive(a.task)
    other_fields = ("title", "priority", "description")
    _concurrently(data.draw, a, edit_ops(other_fields, tomb=False), first=Op("set", ({"status": terminal},)))
    b_ops = st.one_of(edit_ops(other_fields, tomb=False),
                      st.sampled_from(NON_TERMINAL).map(lambda s: Op("set", ({"status": s},))))
    _concurrently(data.draw, b, b_ops, first=Op("set", ({"status": data.draw(st.sampled_from(NON_TERMINAL))},)))
    assert a.task is not None and b.task is not None
    for merged in (merge_task(a.task, b.task), merge_task(b.task, a.task)):
        assert merged.get("status") == terminal


@settings(max_examples=examples(300), deadline=None)
@given(st.data())
def test_concurrent_titles_converge_and_the_loser_is_logged(data: st.DataObject) -> None:
    a, b = data.draw(forked())
    assert a.task is not None
    current = a.task.title
    titles = REGISTER_VALUES["title"].filter(lambda t: t != current)
    mine, theirs = data.draw(st.lists(titles, min_size=2, max_size=2, unique=True))
    others = ("status", "priority", "description")
    # Each side may retitle more than once; the last title of each side is what competes.
    _concurrently(data.draw, a, st.one_of(edit_ops(others, tomb=False), register_ops(("title",))),
                  first=Op("set", ({"title": mine},)), count=2)
    if a.task.title != mine:
        a.edit(Op("set", ({"title": mine},)), data.draw(timestamps))
    _concurrently(data.draw, b, st.one_of(edit_ops(others, tomb=False), register_ops(("title",))),
                  first=Op("set", ({"title": theirs},)), count=2)
    if b.task is not None and b.task.title != theirs:
        b.edit(Op("set", ({"title": theirs},)), data.draw(timestamps))
    assert a.task is not None and b.task is not None
    ab, ba = merge_task(a.task, b.task), merge_task(b.task, a.task)
    assert ab.title == ba.title
    assert ab.title in (mine, theirs)
    loser = theirs if ab.title == mine else mine
    lost = f"concurrent edit lost: title = {loser!r}"
    assert lost in [e.text for e in visible_log(ab)]
    # Writing the field again folds the loser into the stored log: still visible.
    later = set_fields(ab, {"title": data.draw(REGISTER_VALUES["title"])},
                       stamp=Stamp(ab.max_stamp().lamport + 1, a.actor), now=data.draw(timestamps))
    assert lost in [e.text for e in visible_log(later)]
    assert lost in [e.text for e in later.log.values()]


@settings(max_examples=examples(300), deadline=None)
@given(st.data())
def test_deletion_with_a_concurrent_edit_is_undone(data: st.DataObject) -> None:
    a, b = data.draw(forked())
    assert a.task is not None
    if a.task.deleted:
        return  # already deleted before the fork: nothing concurrent to test
    for op in data.draw(st.lists(edit_ops(tomb=False), max_size=2)):
        a.edit(op, data.draw(timestamps))
    a.edit(Op("tomb", (data.draw(user_text),)), data.draw(timestamps))
    # b makes at least one real edit of a field while a deletes.
    before = b.task
    _concurrently(data.draw, b, edit_ops(tomb=False), first=data.draw(register_ops()), count=2)
    assert b.task is not None and a.task is not None
    if b.task == before:
        return
    for merged in (merge_task(a.task, b.task), merge_task(b.task, a.task)):
        assert merged.deleted is False
        assert any(e.text.startswith("deletion undone") for e in visible_log(merged))


# ---- the smallest known counterexamples, spelled out ----

NOW = "2024-05-01T12:00:00Z"


def _base() -> Task:
    from gitmem.core.edits import new_task

    return new_task("t-aaaaaaaaaa", "T", stamp=Stamp(1, "a"), now=NOW)


def test_terminal_status_survives_a_side_whose_clock_ran_ahead() -> None:
    a = set_fields(_base(), {"status": "completed"}, stamp=Stamp(2, "a"), now=NOW)
    b = set_fields(_base(), {"status": "in_progress"}, stamp=Stamp(40, "b"), now=NOW)
    b = set_fields(b, {"status": "blocked"}, stamp=Stamp(41, "b"), now=NOW)  # prev 40@b >= 2@a
    assert merge_task(a, b).get("status") == "completed"


def test_concurrent_title_is_not_dropped_silently() -> None:
    a = set_fields(_base(), {"title": "A"}, stamp=Stamp(2, "a"), now=NOW)
    b = set_fields(_base(), {"title": "B1"}, stamp=Stamp(40, "b"), now=NOW)
    b = set_fields(b, {"title": "B2"}, stamp=Stamp(41, "b"), now=NOW)
    merged = merge_task(a, b)
    assert "concurrent edit lost: title = 'A'" in [e.text for e in visible_log(merged)]


def test_deletion_undone_by_a_concurrent_edit_with_a_lower_stamp() -> None:
    from gitmem.core.edits import tombstone

    a = set_fields(_base(), {"title": "A"}, stamp=Stamp(10, "a"), now=NOW)
    a = tombstone(a, "gone", stamp=Stamp(11, "a"), now=NOW)  # seen title = 10@a
    b = set_fields(_base(), {"title": "B"}, stamp=Stamp(3, "b"), now=NOW)  # unseen, but 3@b < 10@a
    assert merge_task(a, b).deleted is False


def test_deletion_undone_by_a_concurrent_label() -> None:
    from gitmem.core.edits import add_element, tombstone

    a = tombstone(_base(), "gone", stamp=Stamp(2, "a"), now=NOW)
    b = add_element(_base(), "labels", "ui", stamp=Stamp(2, "b"), now=NOW)
    assert merge_task(a, b).deleted is False
