"""`tasks graph` in text, dot and mermaid: the edges are there and titles cannot break out."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Result, examples, memory_tip
from gitmem.core import edits
from gitmem.core import graph as rules
from gitmem.core.models import Status
from gitmem.derived import carry
from gitmem.derived.index import TaskSummary
from gitmem.engine.workspace import Workspace, utc_now
from gitmem.store.memory import Change, Snapshot

Cli = Callable[..., Result]

HOSTILE = [
    'quote " inside',
    '"]; evil -> "t-aaaa"; x["',
    "<script>alert('x')</script>",
    "line one\nline two",
    "back\\slash\\",
    "} digraph { ",
    "%% not a comment --> t_aaaa",
]

DOT_STRING = r'"(?:[^"\\\n]|\\.)*"'
DOT_NODE = re.compile(rf"^  ({DOT_STRING}) \[label=({DOT_STRING})\];$")
DOT_EDGE = re.compile(rf"^  ({DOT_STRING}) -> ({DOT_STRING});$")
MERMAID_NODE = re.compile(r'^  (t_[a-z2-7]{10})\["([^"<>]*)"\]$')
MERMAID_EDGE = re.compile(r"^  (t_[a-z2-7]{10}) --> (t_[a-z2-7]{10})$")


def add(cli: Cli, title: str, *options: str) -> str:
    return cli("tasks", "add", title, *options).out.strip()


def graph(cli: Cli, fmt: str) -> str:
    return cli("tasks", "graph", "--format", fmt).out


def unquote_dot(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text[1:-1])


def parse_dot(text: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Nodes (id -> label) and edges of our dot output; fails on any line it cannot read."""
    lines = text.splitlines()
    assert lines[:2] == ["digraph tasks {", "  rankdir=LR;"]
    assert lines[-1] == "}"
    nodes, edges = {}, set()
    for line in lines[2:-1]:
        node, edge = DOT_NODE.match(line), DOT_EDGE.match(line)
        assert node or edge, f"not a dot statement: {line!r}"
        if node:
            nodes[unquote_dot(node.group(1))] = unquote_dot(node.group(2))
        else:
            assert edge is not None
            edges.add((unquote_dot(edge.group(1)), unquote_dot(edge.group(2))))
    return nodes, edges


def parse_mermaid(text: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    lines = text.splitlines()
    assert lines[0] == "graph LR"
    nodes, edges = {}, set()
    for line in lines[1:]:
        node, edge = MERMAID_NODE.match(line), MERMAID_EDGE.match(line)
        assert node or edge, f"not a mermaid statement: {line!r}"
        if node:
            nodes[node.group(1).replace("_", "-")] = node.group(2)
        else:
            assert edge is not None
            edges.add((edge.group(1).replace("_", "-"), edge.group(2).replace("_", "-")))
    return nodes, edges


@pytest.fixture
def chain(initialised: Path, cli: Cli) -> tuple[str, str, str]:
    """a <- b <- c, and c also waits for a."""
    a = add(cli, "Parse the config")
    b = add(cli, "Wire the CLI", "--after", a)
    c = add(cli, "Ship it", "--after", b, "--after", a)
    return a, b, c


def test_dot_has_every_node_and_edge(cli: Cli, chain: tuple[str, str, str]) -> None:
    a, b, c = chain
    nodes, edges = parse_dot(graph(cli, "dot"))
    assert set(nodes) == {a, b, c}
    assert "Parse the config" in nodes[a] and "[pending]" in nodes[a]
    assert edges == {(a, b), (b, c), (a, c)}


def test_mermaid_has_every_node_and_edge(cli: Cli, chain: tuple[str, str, str]) -> None:
    a, b, c = chain
    nodes, edges = parse_mermaid(graph(cli, "mermaid"))
    assert set(nodes) == {a, b, c}
    assert "Wire the CLI" in nodes[b]
    assert edges == {(a, b), (b, c), (a, c)}


def test_text_graph_shows_dependencies_and_status(cli: Cli, chain: tuple[str, str, str]) -> None:
    a, b, c = chain
    cli("tasks", "complete", a)
    tasks = cli("tasks", "list", "--all", "--json").json()["tasks"]
    short = {t["id"]: t["short_id"] for t in tasks}
    expected = {
        a: f"{short[a]}  [completed]  Parse the config",
        b: f"{short[b]}  [pending]  Wire the CLI  (after {short[a]})",
        c: f"{short[c]}  [pending]  Ship it  (after {', '.join(sorted([short[a], short[b]]))})",
    }
    oldest_first = sorted(tasks, key=lambda t: (t["created_at"], t["id"]))

    assert graph(cli, "text").splitlines() == [expected[t["id"]] for t in oldest_first]
    assert graph(cli, "text") == cli("tasks", "graph").out


def test_removed_tasks_and_their_edges_leave_the_graph(cli: Cli, chain: tuple[str, str, str]) -> None:
    a, b, c = chain
    cli("tasks", "rm", b)
    nodes, edges = parse_dot(graph(cli, "dot"))
    assert set(nodes) == {a, c}
    assert edges == {(a, c)}


def test_empty_graph(initialised: Path, cli: Cli) -> None:
    assert graph(cli, "text") == ""
    assert parse_dot(graph(cli, "dot")) == ({}, set())
    assert parse_mermaid(graph(cli, "mermaid")) == ({}, set())


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_titles_cannot_break_dot(initialised: Path, cli: Cli, title: str) -> None:
    first = add(cli, "first")
    hostile = add(cli, title, "--after", first)

    text = graph(cli, "dot")

    nodes, edges = parse_dot(text)  # every line is still one well-formed statement
    assert set(nodes) == {first, hostile}
    assert edges == {(first, hostile)}
    assert title in nodes[hostile]  # the label carries the title exactly once unescaped


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_titles_cannot_break_mermaid(initialised: Path, cli: Cli, title: str) -> None:
    first = add(cli, "first")
    hostile = add(cli, title, "--after", first)

    text = graph(cli, "mermaid")

    nodes, edges = parse_mermaid(text)
    assert set(nodes) == {first, hostile}
    assert edges == {(first, hostile)}
    assert "<script>" not in text
    assert text.count('"') == 4  # only the quotes around the two labels


def force_dependency(repo: Path, task_id: str, on: str) -> None:
    """Write an edge without the cycle check, as a memory merge can (two cycle-free sides)."""
    ws = Workspace.open(str(repo))

    def build(snap: Snapshot) -> Change:
        stamp = snap.stamp(ws.actor)
        task = edits.add_element(snap.task(task_id), "depends_on", on, stamp=stamp, now=utc_now())
        return Change(f"test: {task_id} depends on {on}", {task_id: task}, clock=stamp.lamport)

    ws.write(build)


def test_a_cycle_from_a_merge_is_reported_never_looped_on(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    b = add(cli, "B", "--after", a)
    force_dependency(initialised, a, b)

    result = cli("tasks", "graph", "--format", "dot")
    _, edges = parse_dot(result.out)
    assert edges == {(a, b), (b, a)}
    assert "cycle" in result.err and a in result.err and b in result.err

    assert cli("tasks", "next", "--json").json()["tasks"] == []
    assert b in cli("tasks", "next", "--explain", a).out
    assert "cycle" in cli("tasks", "graph").err
    # Breaking the cycle by hand works, and the graph is clean again.
    tip = memory_tip(initialised)
    cli("tasks", "dep", "rm", a, "--on", b)
    assert memory_tip(initialised) != tip
    assert "cycle" not in cli("tasks", "graph").err
    assert [t["id"] for t in cli("tasks", "next", "--json").json()["tasks"]] == [a]


# --- the overview a write carries forward (carry.advanced) ---------------------------------

_IDS = [f"t-{n:02d}aaaaaaaa" for n in range(8)]


def _summary(task_id: str, status: str, priority: int, deps: tuple[str, ...], parent: str | None,
             deleted: bool = False) -> TaskSummary:
    return TaskSummary(task_id, task_id, status, priority, "task", parent, None, None, f"2026-01-0{task_id[3]}T00:00:00Z",
                       "2026-01-01T00:00:00Z", deps, (), deleted, deleted, None)


_STATUS = st.sampled_from([s.value for s in Status])


@st.composite
def _graphs(draw: st.DrawFn) -> dict[str, TaskSummary]:
    count = draw(st.integers(1, len(_IDS)))
    ids = _IDS[:count]
    return {i: _summary(i, draw(_STATUS), draw(st.integers(0, 4)), tuple(draw(st.lists(st.sampled_from(ids), max_size=2,
                                                                                         unique=True))),
                        draw(st.none() | st.sampled_from(ids)), draw(st.booleans()))
            for i in ids}


@settings(max_examples=examples(400), deadline=None)
@given(_graphs(), st.data())
def test_an_advanced_overview_is_the_overview_or_nothing(tasks: dict[str, TaskSummary], data: st.DataObject) -> None:
    """Whatever a write changes, the overview carried forward equals the one computed afresh,
    or the write says it cannot tell; the writes agents make every turn always can."""
    before_all = dict(tasks)
    kept = rules.overview(before_all)
    new_id = _IDS[len(tasks)] if len(tasks) < len(_IDS) else None
    target = data.draw(st.sampled_from(sorted(tasks) + ([new_id] if new_id else [])))
    old = tasks.get(target)
    if old is None:
        new = _summary(target, data.draw(st.sampled_from(["pending", "in_progress", "blocked"])), data.draw(st.integers(0, 4)),
                       tuple(data.draw(st.lists(st.sampled_from(sorted(tasks)), max_size=1))), None)
    else:
        new = old._replace(status_value=data.draw(_STATUS), priority=data.draw(st.integers(0, 4)),
                           depends_on=data.draw(st.just(old.depends_on) | st.just(())),
                           deleted=data.draw(st.just(old.deleted) | st.booleans()))
    after_all = {**before_all, target: new}
    found = carry.advanced(kept, {target: old}, {target: new})
    if found is not None:
        assert found == (rules.overview(after_all), None)
    simple = (old is None and not new.depends_on) or (
        old is not None and not old.deleted and not new.deleted and old.depends_on == new.depends_on
        and {old.status_value, new.status_value} <= {"pending", "in_progress", "blocked"})
    if simple:
        assert found is not None


@settings(max_examples=examples(1000), deadline=None)
@given(_graphs(), st.data())
def test_carried_links_and_overview_are_the_fresh_ones_or_nothing(tasks: dict[str, TaskSummary],
                                                                  data: st.DataObject) -> None:
    """With the links of the graph before it, a change of one task's status or priority
    (completions, cancellations, reopenings included) carries both the overview and the
    links; each equals the one computed afresh. Only deletions, or a move from one done
    status to the other, are left to be computed."""
    kept, known = rules.overview(tasks), carry.links(tasks)
    target = data.draw(st.sampled_from(sorted(tasks)))
    old = tasks[target]
    new = old._replace(status_value=data.draw(_STATUS), priority=data.draw(st.integers(0, 4)),
                       deleted=data.draw(st.just(old.deleted) | st.booleans()))
    after_all = {**tasks, target: new}
    found = carry.advanced(kept, {target: old}, {target: new}, lambda: known, tasks.get)
    if found is not None:
        assert found[0] == rules.overview(after_all)
        assert (known if found[1] is None else found[1]) == carry.links(after_all)  # None: unchanged
    both_done = old.status.terminal and new.status.terminal
    if not old.deleted and not new.deleted and not both_done:
        assert found is not None


def test_links_of_a_small_graph() -> None:
    """Who waits on whom: live tasks not done, their unfinished dependencies, cancelled parents."""
    tasks = {
        "t-00aaaaaaaa": _summary("t-00aaaaaaaa", "completed", 1, (), None),
        "t-01aaaaaaaa": _summary("t-01aaaaaaaa", "pending", 1, ("t-00aaaaaaaa", "t-02aaaaaaaa"), None),
        "t-02aaaaaaaa": _summary("t-02aaaaaaaa", "blocked", 1, (), "t-03aaaaaaaa"),
        "t-03aaaaaaaa": _summary("t-03aaaaaaaa", "cancelled", 1, (), None),
        "t-04aaaaaaaa": _summary("t-04aaaaaaaa", "pending", 1, ("t-02aaaaaaaa",), None, deleted=True),
    }
    assert carry.links(tasks) == carry.Links(
        waiting={"t-01aaaaaaaa": 1},
        dependents={"t-00aaaaaaaa": ("t-01aaaaaaaa",), "t-02aaaaaaaa": ("t-01aaaaaaaa",)},
        children={"t-03aaaaaaaa": ("t-02aaaaaaaa",)},
        orphaned=("t-02aaaaaaaa",),
    )


def test_links_are_read_only_for_a_task_done_or_reopened() -> None:
    """The links (300 KB at 10,000 tasks) are loaded only by a change they can carry."""
    first, second = _IDS[0], _IDS[1]
    tasks = {first: _summary(first, "pending", 1, (), None), second: _summary(second, "pending", 1, (first,), None)}
    kept, asked = rules.overview(tasks), []

    def links() -> carry.Links:
        asked.append(True)
        return carry.links(tasks)

    old = tasks[first]
    assert carry.advanced(kept, {first: old}, {first: old._replace(deleted=True)}, links) is None
    assert carry.advanced(kept, {first: old}, {first: old._replace(depends_on=(second,))}, links) is None
    assert carry.advanced(kept, {first: old}, {first: old._replace(status_value="blocked")}, links) is not None
    assert asked == []
    found = carry.advanced(kept, {first: old}, {first: old._replace(status_value="completed")}, links, tasks.get)
    assert asked == [True] and found is not None and found[0].ready == [second]


def test_epics_show_their_children_and_the_graph_draws_the_parent_edges(initialised: Path, cli: Cli) -> None:
    epic = cli("tasks", "add", "Release 1.0", "--kind", "epic").out.strip()
    parts = [cli("tasks", "add", title, "--parent", epic).out.strip() for title in ("Docs", "Packaging")]
    gone = cli("tasks", "add", "Dropped idea", "--parent", epic).out.strip()
    cli("tasks", "rm", gone)
    shown = cli("tasks", "show", epic, "--json").json()["task"]
    assert shown["children"] == sorted(parts)
    text = cli("tasks", "show", epic).out
    assert "children:" in text and all(cli("tasks", "show", p, "--json").json()["task"]["short_id"] in text for p in parts)
    assert cli("tasks", "show", parts[0], "--json").json()["task"]["children"] == []
    dot = graph(cli, "dot")
    for part in parts:
        assert f'  "{epic}" -> "{part}" [style=dashed, arrowhead=none];' in dot.splitlines()
    assert gone not in dot
    mermaid = graph(cli, "mermaid").splitlines()
    assert all(f"  {epic.replace('-', '_')} -.- {p.replace('-', '_')}" in mermaid for p in parts)
    short = {t["id"]: t["short_id"] for t in cli("tasks", "list", "--json").json()["tasks"]}
    members = [line for line in graph(cli, "text").splitlines() if "Docs" in line or "Packaging" in line]
    assert len(members) == 2 and all(f"(part of {short[epic]})" in line for line in members)


def test_an_epic_is_ready_only_when_its_children_are_done(initialised: Path, cli: Cli) -> None:
    epic = cli("tasks", "add", "Release 1.0", "--kind", "epic", "-p", "0").out.strip()
    child = cli("tasks", "add", "Write the notes", "--parent", epic).out.strip()

    def ready() -> list[str]:
        return [t["id"] for t in cli("tasks", "next", "-n", "9", "--json").json()["tasks"]]

    assert ready() == [child]
    explained = cli("tasks", "next", "--explain", epic, "--json").json()
    assert not explained["ready"] and "its children are not all done" in explained["reasons"]
    assert "its children are not all done" in cli("context").out.split("## Blocked")[1]
    cli("tasks", "complete", child)
    assert ready() == [epic]
    cli("tasks", "reopen", child)
    assert ready() == [child]
    assert cli("tasks", "next", "--claim", "--agent", "bot").out.startswith(child)
