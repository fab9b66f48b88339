"""The per-turn commands: usage errors, errors and drift as a user meets them; the caches they keep."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import Result, git, run_git_codex
from gitmem.derived import sealed
from gitmem.derived.index import CACHE_VERSION

Cli = Callable[..., Result]


def test_usage_errors_explain_and_write_nothing(initialised: Path, cli: Cli) -> None:
    before = git(initialised, "rev-parse", "refs/codex/branches/main").strip()
    assert cli("tasks", "add", expect=2).err.startswith("Usage:")
    assert "'--reason'" in cli("tasks", "block", "t-none", expect=2).err
    assert "'bogus'" in cli("tasks", "add", "x", "--kind", "bogus", expect=2).err
    assert cli("tasks", "start", "t-none", expect=1).err.startswith("error:")
    assert git(initialised, "rev-parse", "refs/codex/branches/main").strip() == before


def test_errors_name_the_cause_and_print_nothing_on_stdout(repo: Path, tmp_path: Path) -> None:
    missing = run_git_codex(repo, "-C", str(tmp_path / "nowhere"), "status")
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: cannot change to")
    not_set_up = run_git_codex(repo, "tasks", "next", "--json")
    assert not_set_up.returncode == 1
    assert "error:" in not_set_up.stderr and "hint:" in not_set_up.stderr
    assert not_set_up.stdout == ""


def test_hot_reads_follow_drift(initialised: Path) -> None:
    run_git_codex(initialised, "tasks", "add", "on main")
    git(initialised, "switch", "-q", "-c", "feature")
    run_git_codex(initialised, "tasks", "add", "on feature")
    git(initialised, "switch", "-q", "main")
    listed = run_git_codex(initialised, "tasks", "list", "--json")
    assert [t["title"] for t in json.loads(listed.stdout)["tasks"]] == ["on main"]
    status = json.loads(run_git_codex(initialised, "status", "--json").stdout)
    assert status["branch"] == "main" and status["counts"] == {"pending": 1}


def test_kept_task_documents_follow_the_blob(initialised: Path, cli: Cli) -> None:
    """``tasks next`` reuses parsed documents by blob id: a changed task is parsed afresh,
    a damaged cache is ignored."""
    task = cli("tasks", "add", "Parse the config").out.strip()
    first = cli("tasks", "next", "--json").json()
    kept = initialised / ".git" / "codex" / "cache" / f"task-documents-v{CACHE_VERSION}.marshal"
    assert kept.exists()
    cli("tasks", "start", task)
    cli("tasks", "edit", task, "--title", "Parse the whole config")
    changed = cli("tasks", "next", "--json").json()["tasks"][0]
    assert changed["title"] == "Parse the whole config" and changed["status"] == "in_progress"
    kept.write_bytes(b"\0" * 40)
    assert cli("tasks", "next", "--json").json()["tasks"][0] == changed
    assert first["tasks"][0]["title"] == "Parse the config"


def test_writes_keep_the_documents_of_the_tasks_they_wrote(initialised: Path, cli: Cli) -> None:
    import tomllib

    task = cli("tasks", "add", "Seeded", "-l", "x", "-d", 'quotes " and \\ backslashes\nand lines').out.strip()
    cli("tasks", "start", task)
    tree = git(initialised, "rev-parse", "refs/codex/branches/main^{tree}").strip()
    blob = git(initialised, "rev-parse", f"{tree}:tasks/{task[2]}/{task}.toml").strip()
    kept = sealed.read(str(initialised / ".git" / "codex" / "cache" / f"task-documents-v{CACHE_VERSION}.marshal"))
    assert kept[blob][0] == tomllib.loads(git(initialised, "cat-file", "-p", blob))
    assert cli("tasks", "complete", task, "--json").json()["task"]["status"] == "completed"
    kept = sealed.read(str(initialised / ".git" / "codex" / "cache" / f"task-documents-v{CACHE_VERSION}.marshal"))
    assert blob not in kept  # the version before the completion is no longer the task's


def test_a_turns_writes_carry_the_overview_forward(initialised: Path, cli: Cli) -> None:
    """After ``tasks add`` and the status moves the next ``tasks next`` reads no summary: the
    write kept the overview of its own tree (and the links that say who waits on whom), and
    it is the one a fresh computation gives. A changed dependency is left to the read."""
    import shutil

    first = cli("tasks", "add", "One").out.strip()
    parent = cli("tasks", "add", "Parent").out.strip()
    waiting = cli("tasks", "add", "Waits on one", "--after", first, "--parent", parent).out.strip()
    other = cli("tasks", "add", "Other").out.strip()
    cli("tasks", "next")
    events = initialised / ".git" / "codex" / "events.jsonl"
    derived = initialised / ".git" / "codex" / "cache" / f"derived-v{CACHE_VERSION}"
    for write, carried in ((["tasks", "add", "Two", "-p", "0"], True), (["tasks", "start", first], True),
                           (["tasks", "block", first, "--reason", "w"], True),
                           (["tasks", "start", first], True),  # blocked -> open: the overview lists it among the unblocked
                           (["tasks", "complete", first], True),  # frees the task that waits on it
                           (["tasks", "cancel", parent], True),  # holds up its child
                           (["tasks", "reopen", parent], True),
                           (["tasks", "reopen", first], True),  # holds up its dependent again
                           (["tasks", "dep", "add", other, "--on", first], False)):
        cli(*write)
        mark = len(events.read_text().splitlines())
        shown = cli("tasks", "next", "-n", "9", "--json").json()
        read = [json.loads(line) for line in events.read_text().splitlines()[mark:]]
        assert carried == (not any(e.get("index") == "summaries" for e in read)), (write, read)
        shutil.rmtree(derived)
        assert cli("tasks", "next", "-n", "9", "--json").json() == shown
        if write[1] == "complete":
            assert waiting in [t["id"] for t in shown["tasks"]]
        if write[1] == "cancel":
            assert waiting not in [t["id"] for t in shown["tasks"]]
