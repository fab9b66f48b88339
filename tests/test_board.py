"""The board of ``context``: carried across writes (``board.carried``) it equals the board
computed afresh; end to end, ``context`` after a write prints what it prints with no cache."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Result, examples
from gitmem.core import graph
from gitmem.core.models import Status
from gitmem.derived import board
from gitmem.derived.index import TaskSummary

Cli = Callable[..., Result]
_IDS = [f"t-{n:02d}aaaaaaaa" for n in range(10)]
_STATUS = st.sampled_from([s.value for s in Status])


def _summary(task_id: str, status: str, priority: int, deps: tuple[str, ...], parent: str | None,
             deleted: bool = False, title: str | None = None, updated: str = "2026-01-01T00:00:00Z") -> TaskSummary:
    return TaskSummary(task_id, title or task_id, status, priority, "task", parent, None, None,
                       f"2026-01-0{task_id[3]}T00:00:00Z", updated, deps, (), deleted, deleted,
                       "waiting for review" if status == "blocked" else None)


@st.composite
def _graphs(draw: st.DrawFn) -> dict[str, TaskSummary]:
    ids = _IDS[: draw(st.integers(1, len(_IDS) - 2))]
    return {i: _summary(i, draw(_STATUS), draw(st.integers(0, 2)),
                        tuple(draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))),
                        draw(st.none() | st.sampled_from(ids)), draw(st.booleans()))
            for i in ids}


@st.composite
def _change(draw: st.DrawFn, tasks: dict[str, TaskSummary]) -> dict[str, TaskSummary]:
    """One to three tasks changed (status, priority, title, links) or added; never deleted."""
    free = [i for i in _IDS if i not in tasks]
    targets = draw(st.lists(st.sampled_from(sorted(tasks) + free[:1]), min_size=1, max_size=3, unique=True))
    known = sorted(tasks)
    out = {}
    for n, target in enumerate(targets):
        old = tasks.get(target) or _summary(target, "pending", 1, (), None)
        out[target] = old._replace(
            status_value=draw(_STATUS), priority=draw(st.integers(0, 2)),
            title=draw(st.sampled_from([old.title, f"renamed {n}"])),
            depends_on=draw(st.just(old.depends_on) | st.lists(st.sampled_from(known), max_size=2, unique=True).map(tuple)),
            parent=draw(st.just(old.parent) | st.none() | st.sampled_from(known)),
            updated_at="2026-02-01T00:00:00Z", block_reason=draw(st.sampled_from([old.block_reason, "blocked: x"])))
    return out


def _row_for(tasks: dict[str, TaskSummary]) -> Callable[[str, bool], board.Row]:
    short, parents = graph.short_ids(tasks), graph.open_parents(tasks)
    return lambda task_id, with_reasons: board.row_of(tasks[task_id], short[task_id], tasks if with_reasons else None,
                                                      parents)


@settings(max_examples=examples(1500), deadline=None)
@given(_graphs(), st.data(), st.integers(1, 4))
def test_a_carried_board_is_the_first_rows_of_the_fresh_one(tasks: dict[str, TaskSummary], data: st.DataObject,
                                                           keep: int) -> None:
    """Whatever a write changes short of a deletion, the carried board's lists are the first
    rows of the fresh board's (all of them where the list was not cut), with the same totals
    and header facts; a list falls short only where it was cut and lost rows."""
    kept, old = board.board(tasks, keep), graph.overview(tasks)
    change = data.draw(_change(tasks))
    after_all = {**tasks, **change}
    fresh = board.board(after_all, keep)
    found = board.carried(kept, old, graph.overview(after_all), {t: tasks.get(t) for t in change}, change,
                          _row_for(after_all), keep)
    if any(tasks[t].deleted for t in change if t in tasks) or any(
            t.parent for t in (*change.values(), *(tasks[i] for i in change if i in tasks))):
        assert found is None  # a deletion, or a child's change (its parent's row may move): computed
        return
    assert found is not None
    assert found[3:] == fresh[3:]
    for carried_rows, fresh_rows, was, total in zip(found[:3], fresh[:3], kept[:3], kept.totals, strict=True):
        assert carried_rows == fresh_rows[: len(carried_rows)]
        if len(was) == total:  # the list was whole: it still is
            assert carried_rows == fresh_rows


def test_a_deletion_or_a_colliding_new_id_is_left_to_compute() -> None:
    a, b = "t-abcdaaaaaa", "t-abcdbbbbbb"
    tasks = {a: _summary(a, "pending", 1, (), None)}
    kept, old = board.board(tasks, 5), graph.overview(tasks)
    gone = {a: tasks[a]._replace(deleted=True, updated_at="2026-02-01T00:00:00Z")}
    after = {**tasks, **gone}
    assert board.carried(kept, old, graph.overview(after), {a: tasks[a]}, gone, _row_for(after)) is None
    new = {b: _summary(b, "pending", 1, (), None)}  # t-abcd is a's short id: it would grow
    after = {**tasks, **new}
    assert board.carried(kept, old, graph.overview(after), {b: None}, new, _row_for(after)) is None


def _board_files(repo: Path) -> list[str]:
    folder = repo / ".git" / "codex" / "cache" / "derived-v7"
    return sorted(n for n in os.listdir(folder) if n.startswith(board.BOARD)) if folder.exists() else []


def test_context_after_writes_is_the_context_computed_afresh(initialised: Path, cli: Cli) -> None:
    ids = [cli("tasks", "add", f"task {n}", "--priority", str(n % 3)).out.strip() for n in range(8)]
    cli("tasks", "dep", "add", ids[1], "--on", ids[0])
    cli("tasks", "dep", "add", ids[2], "--on", ids[0])
    cli("tasks", "block", ids[3], "--reason", "waiting for the API")
    cli("context")  # a board (and the overview) kept for this tree
    summaries = initialised / ".git" / "codex" / "cache" / "summaries-v7.marshal"
    for args in (("tasks", "start", ids[0]), ("tasks", "complete", ids[0]), ("tasks", "reopen", ids[0]),
                 ("tasks", "start", ids[3]), ("tasks", "add", "a new one"), ("session", "log", "a turn")):
        cli(*args)
        seen = summaries.stat().st_mtime_ns
        carried = cli("context").out
        assert summaries.stat().st_mtime_ns == seen, args  # carried: no summary was read or kept
        shutil.rmtree(initialised / ".git" / "codex" / "cache")
        assert cli("context").out == carried, args
    assert _board_files(initialised)
