"""The task graph through the CLI: readiness, transitions, JSON shapes, memory commits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result, git, memory_tip

MEMORY = "refs/codex/branches/main"

Cli = Callable[..., Result]


def add(cli: Cli, title: str, *options: str) -> str:
    return cli("tasks", "add", title, *options).out.strip()


def show(cli: Cli, task_id: str) -> dict:
    return cli("tasks", "show", task_id, "--json").json()["task"]


def ready_ids(cli: Cli, n: int = 20) -> list[str]:
    return [t["id"] for t in cli("tasks", "next", "-n", str(n), "--json").json()["tasks"]]


def listed_ids(cli: Cli, *options: str) -> list[str]:
    return [t["id"] for t in cli("tasks", "list", "--json", *options).json()["tasks"]]


def memory_commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", MEMORY))


# -- dependencies and readiness -------------------------------------------------------


def test_dependent_task_waits_for_its_dependency(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    b = add(cli, "B", "--after", a)

    assert ready_ids(cli) == [a]
    assert show(cli, b)["depends_on"] == [a]

    cli("tasks", "complete", a)
    assert ready_ids(cli) == [b]


def test_dependency_cycle_is_refused_and_named(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    b = add(cli, "B", "--after", a)
    before = memory_tip(initialised)

    result = cli("tasks", "dep", "add", a, "--on", b, expect=1)

    assert result.err.startswith("error: ")
    assert "cycle" in result.err
    assert f"{a} -> {b} -> {a}" in result.err
    assert "Traceback" not in result.err
    assert memory_tip(initialised) == before
    assert show(cli, a)["depends_on"] == []


def test_self_dependency_is_refused(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    before = memory_tip(initialised)
    result = cli("tasks", "dep", "add", a, "--on", a, expect=1)
    assert "itself" in result.err
    assert memory_tip(initialised) == before


def test_dep_add_and_rm_change_readiness(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    b = add(cli, "B")
    assert set(ready_ids(cli)) == {a, b}

    cli("tasks", "dep", "add", b, "--on", a)
    assert ready_ids(cli) == [a]

    cli("tasks", "dep", "rm", b, "--on", a)
    assert set(ready_ids(cli)) == {a, b}
    # Removing an edge that is not there is an error, not a silent success.
    assert cli("tasks", "dep", "rm", b, "--on", a, expect=1).err.startswith("error: ")


def test_explain_names_the_blocking_dependency(initialised: Path, cli: Cli) -> None:
    a = add(cli, "Write the parser")
    b = add(cli, "Wire the CLI", "--after", a)

    text = cli("tasks", "next", "--explain", b).out
    assert "not ready" in text
    assert a in text and "Write the parser" in text and "pending" in text

    explained = cli("tasks", "next", "--explain", b, "--json").json()
    assert explained["ready"] is False
    assert any(a in reason for reason in explained["reasons"])

    assert "is ready" in cli("tasks", "next", "--explain", a).out
    assert cli("tasks", "next", "--explain", a, "--json").json() == {
        "version": 1, "kind": "explain", "id": a, "ready": True, "reasons": [],
    }


def test_cancelling_a_dependency_makes_the_dependent_ready(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    b = add(cli, "B", "--after", a)

    cli("tasks", "cancel", a)

    assert show(cli, a)["status"] == "cancelled"
    assert ready_ids(cli) == [b]


def test_reopen_puts_a_finished_task_back_and_blocks_its_dependents_again(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    b = add(cli, "B", "--after", a)
    cli("tasks", "complete", a)
    assert ready_ids(cli) == [b]

    cli("tasks", "reopen", a)

    assert show(cli, a)["status"] == "pending"
    assert ready_ids(cli) == [a]


def test_block_requires_a_reason_and_keeps_it(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    before = memory_tip(initialised)

    missing = cli("tasks", "block", a, expect=2)
    assert "--reason" in missing.err
    blank = cli("tasks", "block", a, "--reason", "   ", expect=1)
    assert blank.err.startswith("error: ")
    assert memory_tip(initialised) == before

    cli("tasks", "block", a, "--reason", "waiting for the API key")
    task = show(cli, a)
    assert task["status"] == "blocked"
    assert any("waiting for the API key" in entry["text"] for entry in task["log"])
    assert ready_ids(cli) == []
    assert "blocked" in cli("tasks", "next", "--explain", a).out


def test_children_of_a_cancelled_epic_are_not_ready(initialised: Path, cli: Cli) -> None:
    epic = add(cli, "Epic", "--kind", "epic")
    child = add(cli, "Child", "--parent", epic)
    assert ready_ids(cli) == [child]  # the epic waits for its children (issue 18, item 8)

    cli("tasks", "cancel", epic)

    assert ready_ids(cli) == []
    assert epic in cli("tasks", "next", "--explain", child).out


def test_in_progress_comes_first_then_priority(initialised: Path, cli: Cli) -> None:
    low = add(cli, "low", "-p", "4")
    high = add(cli, "high", "-p", "0")
    mid = add(cli, "mid", "-p", "2")
    assert ready_ids(cli) == [high, mid, low]

    cli("tasks", "start", low)
    assert ready_ids(cli) == [low, high, mid]
    assert ready_ids(cli, 1) == [low]


def test_removed_task_is_hidden_but_still_shown_with_its_tombstone(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    b = add(cli, "B")

    cli("tasks", "rm", a, "--reason", "duplicate of B")

    assert listed_ids(cli, "--all") == [b]
    assert ready_ids(cli) == [b]
    task = show(cli, a)
    assert task["deleted"] is not None
    assert task["deleted"]["reason"] == "duplicate of B"
    assert "deleted" in cli("tasks", "show", a).out
    # A deleted task cannot be changed any more.
    assert cli("tasks", "start", a, expect=1).err.startswith("error: ")


def test_removing_a_dependency_frees_its_dependent(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    b = add(cli, "B", "--after", a)
    cli("tasks", "rm", a)
    assert ready_ids(cli) == [b]


def test_list_filters(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A", "-l", "parser")
    b = add(cli, "B")
    c = add(cli, "C")
    cli("tasks", "complete", c)

    assert set(listed_ids(cli)) == {a, b}
    assert set(listed_ids(cli, "--all")) == {a, b, c}
    assert listed_ids(cli, "--status", "completed") == [c]
    assert listed_ids(cli, "--label", "parser") == [a]
    assert "C" not in cli("tasks", "list").out


# -- JSON shapes ----------------------------------------------------------------------

TASK_KEYS = {
    "id", "short_id", "title", "description", "kind", "status", "priority", "parent", "depends_on",
    "related", "labels", "owner", "adr", "evidence", "target_commit", "plan_key", "created_at",
    "updated_at", "created_by", "metadata", "deleted", "conflicts", "log",
}


def test_every_read_command_has_a_versioned_json_shape(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    shapes = {
        ("tasks", "list", "--json"): "tasks",
        ("tasks", "show", a, "--json"): "task",
        ("tasks", "next", "--json"): "next",
        ("tasks", "next", "--explain", a, "--json"): "explain",
        ("status", "--json"): "status",
    }
    for args, kind in shapes.items():
        doc = cli(*args).json()
        assert doc["version"] == 1, args
        assert doc["kind"] == kind, args


def test_task_json_has_the_documented_keys(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    b = add(cli, "B", "--after", a, "-d", "details", "-p", "1", "-l", "x", "-l", "y",
            "--adr", "ADR-012", "--kind", "epic", "--owner", "ana")

    tasks = {t["id"]: t for t in cli("tasks", "list", "--json").json()["tasks"]}
    assert set(tasks) == {a, b}
    for task in tasks.values():
        assert set(task) == TASK_KEYS
    task = tasks[b]
    assert task["title"] == "B"
    assert task["description"] == "details"
    assert task["kind"] == "epic"
    assert task["status"] == "pending"
    assert task["priority"] == 1
    assert task["depends_on"] == [a]
    assert task["labels"] == ["x", "y"]
    assert task["adr"] == ["ADR-012"]
    assert task["owner"] == "ana"
    assert task["deleted"] is None
    assert b.startswith(task["short_id"]) and len(task["short_id"]) >= 6


def test_add_json_returns_the_new_task(initialised: Path, cli: Cli) -> None:
    doc = cli("tasks", "add", "A", "--json").json()
    assert doc["version"] == 1 and doc["kind"] == "task"
    assert set(doc["task"]) == TASK_KEYS
    assert listed_ids(cli) == [doc["task"]["id"]]


def test_complete_with_evidence_records_the_commit(initialised: Path, cli: Cli) -> None:
    a = add(cli, "A")
    head = git(initialised, "rev-parse", "HEAD").strip()
    cli("tasks", "complete", a, "--evidence", "HEAD")
    assert show(cli, a)["evidence"] == [{"commit": head}]

    before = memory_tip(initialised)
    result = cli("tasks", "complete", a, "--evidence", "no-such-rev", expect=1)
    assert "not a commit" in result.err
    assert memory_tip(initialised) == before


# -- memory commits -------------------------------------------------------------------


def test_each_write_adds_exactly_one_memory_commit_and_leaves_the_worktree_clean(
    initialised: Path, cli: Cli
) -> None:
    repo = initialised
    count = memory_commits(repo)
    assert git(repo, "status", "--porcelain") == ""

    def write(*args: str) -> Result:
        nonlocal count
        result = cli(*args)
        count += 1
        assert memory_commits(repo) == count, args
        assert git(repo, "status", "--porcelain") == "", args
        return result

    def read(*args: str) -> None:
        cli(*args)
        assert memory_commits(repo) == count, args
        assert git(repo, "status", "--porcelain") == "", args

    a = write("tasks", "add", "A").out.strip()
    b = write("tasks", "add", "B").out.strip()
    write("tasks", "dep", "add", b, "--on", a)
    write("tasks", "edit", a, "--title", "A2", "-p", "1", "--add-label", "x")
    write("tasks", "start", a)
    write("tasks", "block", a, "--reason", "waiting")
    write("tasks", "reopen", a)
    write("tasks", "complete", a)
    write("tasks", "dep", "rm", b, "--on", a)
    write("tasks", "cancel", b)
    write("tasks", "rm", b)
    for args in (("tasks", "list", "--all"), ("tasks", "show", a), ("tasks", "next"), ("tasks", "graph"),
                 ("status",), ("tasks", "next", "--explain", a)):
        read(*args)


@pytest.mark.parametrize(
    "args",
    [
        ("tasks", "start", "{id}"),
        ("tasks", "complete", "{id}"),
        ("tasks", "cancel", "{id}"),
        ("tasks", "edit", "{id}", "--title", "same"),
        ("tasks", "edit", "{id}", "-p", "2"),
        ("tasks", "dep", "add", "{id}", "--on", "{dep}"),
    ],
)
def test_repeating_a_write_adds_no_commit(initialised: Path, cli: Cli, args: tuple[str, ...]) -> None:
    dep = add(cli, "dependency")
    task_id = add(cli, "same", "-p", "2")
    concrete = [a.format(id=task_id, dep=dep) for a in args]
    cli(*concrete)
    tip = memory_tip(initialised)

    cli(*concrete)

    assert memory_tip(initialised) == tip
    assert git(initialised, "status", "--porcelain") == ""


def test_memory_commit_message_and_blob_paths(initialised: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITMEM_AGENT", "agent-7")
    a = add(cli, "Write the parser")

    message = git(initialised, "log", "-1", "--format=%B", MEMORY)
    trailers = dict(
        line.split(": ", 1) for line in git(
            initialised, "log", "-1", "--format=%(trailers:only,unfold)", MEMORY
        ).splitlines() if line
    )
    assert a in message.splitlines()[0]
    assert trailers.pop("Codex-Clone") == (initialised / ".git" / "codex" / "actor").read_text().strip()
    assert trailers == {
        "Codex-Branch": "main",
        "Codex-Code-Head": git(initialised, "rev-parse", "HEAD").strip(),
        "Codex-Agent": "agent-7",
    }
    paths = git(initialised, "ls-tree", "-r", "--name-only", MEMORY).split()
    assert f"tasks/{a[2]}/{a}.toml" in paths
    assert [p for p in paths if p.startswith("tasks/")] == [f"tasks/{a[2]}/{a}.toml"]
    assert git(initialised, "show", f"{MEMORY}:tasks/{a[2]}/{a}.toml").count("Write the parser") >= 1


def test_memory_commit_records_the_current_code_head(initialised: Path, cli: Cli) -> None:
    git(initialised, "commit", "-q", "--allow-empty", "-m", "second")
    add(cli, "A")
    trailers = git(initialised, "log", "-1", "--format=%(trailers:key=Codex-Code-Head,valueonly)", MEMORY).strip()
    assert trailers == git(initialised, "rev-parse", "HEAD").strip()


def _memory_identity(repo: Path) -> str:
    return git(repo, "log", "-1", "--format=%an <%ae> / %cn <%ce>", MEMORY).strip()


def test_memory_commits_carry_the_git_identity_of_the_environment_then_the_config(
        initialised: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("tasks", "add", "by the environment's identity")
    assert _memory_identity(initialised) == "Test Author <author@example.com> / Test Author <author@example.com>"
    monkeypatch.setenv("GIT_COMMITTER_NAME", "A Robot")
    cli("tasks", "add", "committed by a robot")
    assert _memory_identity(initialised) == "Test Author <author@example.com> / A Robot <author@example.com>"
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name)
    git(initialised, "config", "user.name", "Config Person")
    git(initialised, "config", "user.email", "config@example.com")
    cli("tasks", "add", "by the config's identity")
    assert _memory_identity(initialised) == "Config Person <config@example.com> / Config Person <config@example.com>"
    git(initialised, "config", "user.name", "Eve <root@evil>\nInjected: header")
    cli("tasks", "add", "a hostile name")
    assert _memory_identity(initialised).startswith("Eve root@evil Injected: header <config@example.com>")
    assert git(initialised, "fsck", "--no-dangling").strip() == ""
