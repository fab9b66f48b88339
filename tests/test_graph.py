"""`tasks graph` in text, dot and mermaid: the edges are there and titles cannot break out."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result, memory_tip
from gitmem import edits
from gitmem.services.workspace import Workspace, utc_now
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
