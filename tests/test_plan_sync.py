"""plan sync: Codex update_plan, Claude TodoWrite and Gemini write_todos payloads into tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import git, memory_tip, run_git_codex


def _codex(*steps: tuple[str, str]) -> str:
    return json.dumps({"explanation": "why", "plan": [{"step": s, "status": st} for s, st in steps]})


def _sync(cli, tmp_path: Path, payload: str, *extra: str, expect: int = 0):
    path = tmp_path / "plan.json"
    path.write_text(payload, encoding="utf-8")
    return cli("plan", "sync", str(path), "--json", *extra, expect=expect)


def _commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "refs/codex/branches/main").strip())


def test_identical_plan_writes_nothing_and_status_changes_update_one_task(initialised: Path, cli, tmp_path: Path) -> None:
    first = _sync(cli, tmp_path, _codex(("Reproduce failure", "completed"), ("Fix parser", "in_progress"),
                                        ("Update docs", "pending"))).json()
    assert len(first["created"]) == 3 and first["written"]
    count = _commits(initialised)
    again = _sync(cli, tmp_path, _codex(("Reproduce failure", "completed"), ("Fix parser", "in_progress"),
                                        ("Update docs", "pending"))).json()
    assert not again["written"] and _commits(initialised) == count

    changed = _sync(cli, tmp_path, _codex(("Reproduce failure", "completed"), ("Fix parser", "completed"),
                                          ("Update docs", "in_progress"))).json()
    ids = {m["step"]: m["task"] for m in changed["matches"]}
    assert sorted(changed["updated"]) == sorted([ids["Fix parser"], ids["Update docs"]])
    assert _commits(initialised) == count + 1
    tasks = {t["title"]: t for t in cli("tasks", "list", "--all", "--json").json()["tasks"]}
    assert tasks["Fix parser"]["status"] == "completed"
    assert tasks["Update docs"]["status"] == "in_progress"
    assert tasks["Reproduce failure"]["plan_key"] == "reproduce failure"


def test_reworded_step_updates_its_task(initialised: Path, cli, tmp_path: Path) -> None:
    first = _sync(cli, tmp_path, _codex(("Fix parser", "in_progress"), ("Update docs", "pending"))).json()
    reworded = _sync(cli, tmp_path, _codex(("Fix the config parser", "in_progress"), ("Update docs.", "pending"))).json()
    assert reworded["created"] == []
    how = {m["step"]: (m["task"], m["how"]) for m in reworded["matches"]}
    assert how["Fix the config parser"] == (first["created"][0], "position")
    assert how["Update docs."][1] == "text"
    titles = [t["title"] for t in cli("tasks", "list", "--json").json()["tasks"]]
    assert sorted(titles) == ["Fix the config parser", "Update docs."]


def test_another_sessions_plan_never_renames_a_task(initialised: Path, cli, tmp_path: Path) -> None:
    _sync(cli, tmp_path, _codex(("Fix parser", "in_progress"),), "--agent", "one")
    other = _sync(cli, tmp_path, _codex(("Write release notes", "pending"),), "--agent", "two").json()
    assert len(other["created"]) == 1
    titles = sorted(t["title"] for t in cli("tasks", "list", "--json").json()["tasks"])
    assert titles == ["Fix parser", "Write release notes"]


def test_dropped_steps_are_reported_not_deleted(initialised: Path, cli, tmp_path: Path) -> None:
    first = _sync(cli, tmp_path, _codex(("A step", "pending"), ("B step", "pending"))).json()
    later = _sync(cli, tmp_path, _codex(("A step", "pending"),)).json()
    assert later["dropped"] == [first["created"][1]]
    assert len(cli("tasks", "list", "--json").json()["tasks"]) == 2


def test_claude_and_gemini_payloads(initialised: Path, cli, tmp_path: Path) -> None:
    claude = {"todos": [{"content": "Run tests", "status": "in_progress", "activeForm": "Running tests"}]}
    out = _sync(cli, tmp_path, json.dumps(claude), "--format", "claude").json()
    assert out["format"] == "claude" and len(out["created"]) == 1
    gemini = {"todos": [{"description": "Ship it", "status": "blocked"}, {"description": "Drop it", "status": "cancelled"}]}
    out = _sync(cli, tmp_path, json.dumps(gemini)).json()
    assert out["format"] == "gemini"
    tasks = {t["title"]: t["status"] for t in cli("tasks", "list", "--all", "--json").json()["tasks"]}
    assert tasks == {"Run tests": "in_progress", "Ship it": "blocked", "Drop it": "cancelled"}


def test_deleted_plan_key_is_not_recreated(initialised: Path, cli, tmp_path: Path) -> None:
    first = _sync(cli, tmp_path, _codex(("Obsolete step", "pending"),), "--agent", "one").json()
    cli("tasks", "rm", first["created"][0])
    again = _sync(cli, tmp_path, _codex(("Obsolete step", "pending"),), "--agent", "two").json()
    assert again["created"] == [] and again["skipped"] == ["Obsolete step"]


def _index_path(repo: Path) -> Path:
    from gitmem.derived.index import PLAN_KEYS

    return repo / ".git" / "codex" / "cache" / PLAN_KEYS


def _index(repo: Path) -> tuple[str, dict[str, object]] | None:
    from gitmem.derived import sealed

    found = sealed.read(str(_index_path(repo)))
    return found if isinstance(found, tuple) else None


def test_the_plan_key_index_stays_right_across_writes(initialised: Path, cli, tmp_path: Path) -> None:
    """``plan sync`` keeps only the tasks with a plan key in its index, carries the index
    forward to the tree it writes, and keeps it right across other writes and damage."""
    plan = _sync(cli, tmp_path, _codex(("Fix parser", "in_progress"), ("Update docs", "pending"))).json()
    fix, docs = plan["created"]
    unrelated = cli("tasks", "add", "Not from a plan").out.strip()
    _sync(cli, tmp_path, _codex(("Fix parser", "completed"), ("Update docs", "in_progress")))
    index = _index(initialised)
    tasks_tree = git(initialised, "rev-parse", "refs/codex/branches/main:tasks").strip()
    assert index is not None and index[0] == tasks_tree, "the write carried the index to its own tree"
    assert set(index[1]) == {fix, docs}, "tasks without a plan key are left out"

    cli("tasks", "edit", docs, "--title", "Update the docs")  # the plan key stays: the step still matches
    cli("tasks", "rm", fix)
    cli("tasks", "edit", unrelated, "--title", "Still not from a plan")
    again = _sync(cli, tmp_path, _codex(("Fix parser", "pending"), ("Update docs", "completed"))).json()
    assert again["skipped"] == ["Fix parser"] and again["created"] == []
    assert [m["task"] for m in again["matches"]] == [docs]

    _index_path(initialised).write_bytes(b"\0garbage")
    damaged = _sync(cli, tmp_path, _codex(("Fix parser", "pending"), ("Update docs", "pending"), ("New step", "pending")))
    report = damaged.json()
    assert report["skipped"] == ["Fix parser"] and len(report["created"]) == 1
    assert [m["task"] for m in report["matches"]][:1] == [docs]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ("", "empty"),
        ("not json", "not JSON"),
        ('{"plan": "steps"}', "'plan'"),
        ('{"plan": [{"step": "x", "status": "done"}]}', "plan[0].status"),
        ('{"plan": [{"step": 5, "status": "pending"}]}', "plan[0].step"),
        ('{"plan": [{"step": "x", "status": "pending", "extra": 1}]}', "plan[0].extra"),
        ('{"todos": [{"content": "x", "status": "blocked"}]}', "todos[0].status"),
        ('{"plan": [{"step": "bad\\u0007bell", "status": "pending"}]}', "plan[0].step"),
        ("[1, 2]", "top level"),
    ],
)
def test_malformed_payloads_exit_1_and_write_nothing(initialised: Path, payload: str, field: str) -> None:
    before = memory_tip(initialised)
    result = run_git_codex(initialised, "plan", "sync", "-", input=payload)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: plan payload") and field in result.stderr
    assert "Traceback" not in result.stderr
    assert memory_tip(initialised) == before
    assert git(initialised, "status", "--porcelain") == ""


def test_stdin_payload(initialised: Path) -> None:
    result = run_git_codex(initialised, "plan", "sync", input=_codex(("From stdin", "pending")))
    assert result.returncode == 0, result.stderr
    assert "From stdin" in result.stdout



def _statuses(cli) -> dict[str, str]:
    return {t["title"]: t["status"] for t in cli("tasks", "list", "--all", "--json").json()["tasks"]}


def test_a_plan_sent_again_does_not_undo_work_completed_in_gitmem(initialised: Path, cli, tmp_path: Path) -> None:
    """Codex's notify and hooks resend the thread's newest plan after every turn: the model's
    own 'tasks complete' in between must survive the stale payload."""
    plan = _codex(("Fix parser", "in_progress"), ("Update docs", "pending"))
    first = _sync(cli, tmp_path, plan).json()
    fix = first["created"][0]
    cli("tasks", "complete", fix)
    again = _sync(cli, tmp_path, plan).json()
    assert again["updated"] == [] and not again["written"]
    assert _statuses(cli) == {"Fix parser": "completed", "Update docs": "pending"}
    # A step that does change is applied, and only that one.
    moved = _sync(cli, tmp_path, _codex(("Fix parser", "in_progress"), ("Update docs", "in_progress"))).json()
    assert moved["updated"] == [first["created"][1]]
    assert _statuses(cli) == {"Fix parser": "completed", "Update docs": "in_progress"}
    # The agent itself reopening its step is a change, and is mirrored.
    _sync(cli, tmp_path, _codex(("Fix parser", "completed"), ("Update docs", "in_progress")))
    cli("tasks", "reopen", fix)
    _sync(cli, tmp_path, _codex(("Fix parser", "pending"), ("Update docs", "in_progress")))
    assert _statuses(cli)["Fix parser"] == "pending"


def test_a_fresh_todo_list_never_turns_finished_work_into_new_work(initialised: Path, cli, tmp_path: Path) -> None:
    """The same session starts a new list: nothing of it matches by text, and the steps at the
    finished tasks' places are new tasks, not renames of the finished ones."""
    done = _sync(cli, tmp_path, _codex(("Reproduce the bug", "completed"), ("Fix parser", "completed"))).json()
    fresh = _sync(cli, tmp_path, _codex(("Write release notes", "pending"), ("Tag the release", "pending"))).json()
    assert len(fresh["created"]) == 2 and not set(fresh["created"]) & set(done["created"])
    assert _statuses(cli) == {"Reproduce the bug": "completed", "Fix parser": "completed",
                              "Write release notes": "pending", "Tag the release": "pending"}


def test_another_plans_finished_task_is_not_reopened_by_a_new_step_of_the_same_name(initialised: Path, cli,
                                                                                     tmp_path: Path) -> None:
    _sync(cli, tmp_path, _codex(("Run the tests", "completed"),), "--agent", "monday")
    cli("session", "end", "--agent", "monday")
    again = _sync(cli, tmp_path, _codex(("Run the tests", "in_progress"),), "--agent", "tuesday").json()
    assert len(again["created"]) == 1
    tasks = cli("tasks", "list", "--all", "--json").json()["tasks"]
    assert sorted(t["status"] for t in tasks if t["title"] == "Run the tests") == ["completed", "in_progress"]
    # The next sync of Tuesday's plan keeps to Tuesday's task.
    later = _sync(cli, tmp_path, _codex(("Run the tests", "completed"),), "--agent", "tuesday").json()
    assert later["updated"] == again["created"]
