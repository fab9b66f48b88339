"""``import taskmaster|beads|tasks``: documented formats, dependencies, statuses, idempotence, speed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Result, git, memory_tip

Cli = Callable[..., Result]


def by_title(cli: Cli) -> dict[str, dict[str, Any]]:
    return {
        t["title"]: t
        for t in (
            cli("tasks", "show", t["id"], "--json").json()["task"]
            for t in cli("tasks", "list", "--all", "--json").json()["tasks"]
        )
    }


TASKMASTER = {
    "master": {
        "tasks": [
            {
                "id": 1,
                "title": "Initialize Project",
                "description": "Set up the structure",
                "status": "done",
                "dependencies": [],
                "priority": "high",
                "details": "Create dirs",
                "testStrategy": "Check dirs",
                "subtasks": [],
            },
            {
                "id": 2,
                "title": "Core Functionality",
                "description": "Main features",
                "status": "in-progress",
                "dependencies": [1],
                "priority": "high",
                "details": "",
                "testStrategy": "",
                "subtasks": [
                    {"id": 1, "title": "Authentication", "description": "Auth", "status": "done", "dependencies": []},
                    {"id": 2, "title": "Database", "description": "DB", "status": "pending", "dependencies": [1]},
                ],
            },
            {
                "id": 3,
                "title": "UI Components",
                "description": "UI",
                "status": "deferred",
                "dependencies": [2, "2.2"],
                "priority": "low",
                "subtasks": [],
            },
        ],
        "metadata": {"created": "2025-06-01T00:00:00.000Z"},
    },
    "feature-x": {"tasks": [{"id": 1, "title": "Feature flag", "status": "pending", "dependencies": []}]},
}


def test_taskmaster_tagged(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps(TASKMASTER))
    before = memory_tip(initialised)
    report = cli("import", "taskmaster", str(path), "--json").json()
    assert report["imported"]["tasks"] == 6 and report["backups"]
    assert git(initialised, "rev-parse", report["backups"][0]).strip() == before
    tasks = by_title(cli)
    init, core, auth, db, ui = (
        tasks[n] for n in ("Initialize Project", "Core Functionality", "Authentication", "Database", "UI Components")
    )
    assert (init["status"], core["status"], auth["status"], db["status"], ui["status"]) == (
        "completed",
        "in_progress",
        "completed",
        "pending",
        "blocked",  # deferred: not ready
    )
    assert core["depends_on"] == [init["id"]] and auth["parent"] == core["id"] and db["depends_on"] == [auth["id"]]
    assert sorted(ui["depends_on"]) == sorted([core["id"], db["id"]]) and "deferred" in ui["labels"]
    assert init["priority"] == 1 and ui["priority"] == 3 and "Details:\nCreate dirs" in init["description"]
    seen = init["metadata"]["import"].pop("seen")  # what the source said, for the next re-import
    assert set(seen) == {"title", "description", "status", "priority", "kind", "owner", "parent", "labels", "depends_on"}
    assert init["metadata"]["import"] == {"source": "taskmaster", "key": "master:1", "id": "1", "tag": "master", "status": "done"}
    assert tasks["Feature flag"]["metadata"]["import"]["tag"] == "feature-x"
    tip = memory_tip(initialised)
    again = cli("import", "taskmaster", str(path), "--json").json()
    assert again["imported"]["tasks"] == 0
    assert again["skipped"]["unchanged since the last import"] == 6 and memory_tip(initialised) == tip


def test_taskmaster_legacy_and_not_taskmaster(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps({"tasks": [{"id": 1, "title": "Old style", "status": "review", "dependencies": [9]}]}))
    report = cli("import", "taskmaster", str(path), "--json").json()
    assert report["imported"]["tasks"] == 1 and report["skipped"] == {"dependency on an unknown id (dropped)": 1}
    assert by_title(cli)["Old style"]["status"] == "in_progress"
    path.write_text('{"nothing": 1}')
    before = memory_tip(initialised)
    assert cli("import", "taskmaster", str(path), expect=1).err.startswith("error:")
    path.write_bytes(b"\xff\x00garbage")
    result = cli("import", "taskmaster", str(path), expect=1)
    assert "not JSON" in result.err and memory_tip(initialised) == before


BEADS = [
    {
        "id": "bd-1",
        "title": "Epic: sync",
        "description": "All of sync",
        "status": "open",
        "priority": 1,
        "issue_type": "epic",
        "labels": ["sync"],
        "created_at": "2025-10-01T10:00:00Z",
        "updated_at": "2025-10-01T10:00:00Z",
    },
    {
        "id": "bd-2",
        "title": "Fetch",
        "description": "",
        "design": "Use git fetch",
        "status": "closed",
        "priority": 0,
        "issue_type": "task",
        "labels": ["sync", "net"],
        "closed_at": "2025-10-02T10:00:00Z",
        "dependencies": [
            {
                "issue_id": "bd-2",
                "depends_on_id": "bd-1",
                "type": "parent-child",
                "created_at": "2025-10-01T10:00:00Z",
                "created_by": "me",
            }
        ],
    },
    {
        "id": "bd-3",
        "title": "Merge",
        "status": "in_progress",
        "priority": 2,
        "issue_type": "bug",
        "assignee": "alice",
        "dependencies": [
            {"issue_id": "bd-3", "depends_on_id": "bd-2", "type": "blocks"},
            {"issue_id": "bd-3", "depends_on_id": "bd-1", "type": "parent-child"},
            {"issue_id": "bd-3", "depends_on_id": "bd-4", "type": "related"},
        ],
    },
    {
        "id": "bd-4",
        "title": "Push",
        "status": "blocked",
        "priority": 4,
        "issue_type": "feature",
        "dependencies": [{"issue_id": "bd-4", "depends_on_id": "bd-3", "type": "blocks"}],
    },
]


def test_beads(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "issues.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in BEADS) + "\n" + '{"id": "bd-5", "title": "torn')
    report = cli("import", "beads", str(path), "--json").json()
    assert report["imported"]["tasks"] == 4 and report["skipped"] == {"truncated last line": 1}
    tasks = by_title(cli)
    epic, fetch, merge, push = (tasks[n] for n in ("Epic: sync", "Fetch", "Merge", "Push"))
    assert epic["kind"] == "epic" and epic["priority"] == 1 and epic["labels"] == ["sync"]
    assert fetch["status"] == "completed" and fetch["parent"] == epic["id"] and fetch["priority"] == 0
    assert merge["status"] == "in_progress" and merge["depends_on"] == [fetch["id"]] and merge["owner"] == "alice"
    assert merge["related"] == [push["id"]] and "bug" in merge["labels"] and merge["parent"] == epic["id"]
    assert push["status"] == "blocked" and push["depends_on"] == [merge["id"]] and push["priority"] == 4
    assert "Design:\nUse git fetch" in fetch["description"]
    assert merge["metadata"]["import"]["id"] == "bd-3"


def test_tasks_jsonl_ids_cycles_and_bulk_speed(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "tasks.jsonl"
    rows = [
        {"id": "A", "title": "first"},
        {"id": "B", "title": "second", "depends_on": ["A", "C"]},
        {"id": "C", "title": "third", "depends_on": ["B"], "status": "completed", "metadata": {"jira": "X-1", "n": None}},
        {"id": "D", "title": "", "depends_on": []},
        {"title": "no id"},
        {"id": "E", "title": "ghost dep", "depends_on": ["Z"]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    report = cli("import", "tasks", str(path), "--json").json()
    assert report["imported"]["tasks"] == 4
    assert report["skipped"] == {
        "dependency that would close a cycle (dropped)": 1,
        "task without a title": 1,
        "record without an id": 1,
        "dependency on an unknown id (dropped)": 1,
    }
    tasks = by_title(cli)
    tasks["third"]["metadata"]["import"].pop("seen")
    assert tasks["third"]["metadata"] == {"jira": "X-1", "import": {"source": "tasks", "key": "C", "id": "C"}}
    assert tasks["second"]["depends_on"] == sorted([tasks["first"]["id"], tasks["third"]["id"]])
    assert tasks["third"]["depends_on"] == []  # C -> B closed the cycle B -> C -> B and was dropped
    # A later file may depend on ids imported before.
    (tmp_path / "more.jsonl").write_text(json.dumps({"id": "F", "title": "after A", "depends_on": ["A"]}) + "\n")
    cli("import", "tasks", str(tmp_path / "more.jsonl"))
    assert by_title(cli)["after A"]["depends_on"] == [tasks["first"]["id"]]


def test_bulk_2000_tasks_one_commit_under_3s(initialised: Path, cli: Cli, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITMEM_TEST_CHECK_WRITES")  # a bound on the import itself, not on the suite's check of it
    path = tmp_path / "bulk.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": f"k{n}",
                    "title": f"Task {n}",
                    "depends_on": [f"k{n - 1}"] if n else [],
                    "labels": ["bulk"],
                    "priority": n % 5,
                }
            )
            for n in range(2000)
        )
        + "\n"
    )
    before = memory_tip(initialised)
    started = time.perf_counter()
    report = cli("import", "tasks", str(path), "--json").json()
    elapsed = time.perf_counter() - started
    assert report["imported"]["tasks"] == 2000 and len(report["commits"]) == 1
    assert git(initialised, "rev-list", "--count", f"{before}..refs/codex/branches/main").strip() == "1"
    assert elapsed < 3.0, f"import of 2,000 tasks took {elapsed:.2f} s"
    tip = memory_tip(initialised)
    assert cli("import", "tasks", str(path), "--json").json()["imported"]["tasks"] == 0
    assert memory_tip(initialised) == tip
    # The 2,000 blobs went into one pack (fast-import), not 2,000 loose files, and all is sound.
    counts = dict(line.split(": ") for line in git(initialised, "count-objects", "-v").splitlines())
    assert int(counts["in-pack"]) >= 2000 and int(counts["count"]) < 2000
    assert git(initialised, "fsck", "--no-dangling").strip() == ""
    assert len(cli("tasks", "list", "--json").json()["tasks"]) == 2000


def test_missing_file_and_uninitialised(repo: Path, cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "1", "title": "x"}\n')
    assert cli("import", "tasks", str(path), expect=1).err.startswith("error: no memory")
    cli("init")
    assert cli("import", "beads", str(tmp_path / "nope.jsonl"), expect=1).err.startswith("error: no such file")


def _beads(*issues: dict[str, Any]) -> str:
    return "".join(json.dumps(i) + "\n" for i in issues)


def test_a_changed_beads_file_updates_what_changed_and_keeps_gitmem_edits(initialised: Path, cli: Cli,
                                                                          tmp_path: Path) -> None:
    path = tmp_path / "issues.jsonl"
    first = [{"id": "bd-1", "title": "Parser", "status": "open", "priority": 1, "labels": ["core"]},
             {"id": "bd-2", "title": "Docs", "status": "open", "priority": 2}]
    path.write_text(_beads(*first))
    cli("import", "beads", str(path))
    docs = by_title(cli)["Docs"]["id"]
    cli("tasks", "edit", docs, "--title", "Write the docs")  # a gitmem edit of a field beads leaves alone
    tip = memory_tip(initialised)
    assert "nothing new" in cli("import", "beads", str(path)).err and memory_tip(initialised) == tip

    path.write_text(_beads(
        {"id": "bd-1", "title": "Parser", "status": "closed", "priority": 0, "labels": ["core", "urgent"],
         "close_reason": "shipped in 1.2", "comments": [{"author": "ana", "text": "looks good",
                                                         "created_at": "2026-11-30T10:00:00Z"}],
         "dependencies": [{"issue_id": "bd-1", "depends_on_id": "bd-2", "type": "blocks"}]},
        {"id": "bd-2", "title": "Docs", "status": "in_progress", "priority": 2},
        {"id": "bd-3", "title": "Release", "status": "open", "priority": 2}))
    report = cli("import", "beads", str(path), "--json").json()
    assert report["imported"] == {"sessions": 0, "turns": 0, "tasks": 1, "updated": 2}
    tasks = by_title(cli)
    parser = tasks["Parser"]
    assert (parser["status"], parser["priority"], sorted(parser["labels"])) == ("completed", 0, ["core", "urgent"])
    assert parser["depends_on"] == [docs]
    assert sorted(e["text"] for e in parser["log"]) == ["closed: shipped in 1.2",
                                                       "comment by ana (2026-11-30T10:00:00Z): looks good"]
    assert tasks["Write the docs"]["status"] == "in_progress"  # beads' change applied, gitmem's title kept
    assert "Docs" not in tasks and "Release" in tasks
    tip = memory_tip(initialised)
    again = cli("import", "beads", str(path), "--json").json()
    assert again["imported"]["updated"] == 0 and again["skipped"]["unchanged since the last import"] == 3
    assert memory_tip(initialised) == tip
    # A dependency and a label dropped in beads are dropped here too.
    path.write_text(_beads({"id": "bd-1", "title": "Parser", "status": "closed", "priority": 0, "labels": ["core"]},
                           {"id": "bd-2", "title": "Docs", "status": "in_progress", "priority": 2},
                           {"id": "bd-3", "title": "Release", "status": "open", "priority": 2}))
    cli("import", "beads", str(path))
    parser = by_title(cli)["Parser"]
    assert parser["labels"] == ["core"] and parser["depends_on"] == []


def test_beads_priority_zero_deferred_and_pinned(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    """beads omits priority 0 (omitempty); deferred and pinned issues are not ready work."""
    path = tmp_path / "issues.jsonl"
    path.write_text(_beads({"id": "bd-1", "title": "Outage", "status": "open"},
                           {"id": "bd-2", "title": "Someday", "status": "deferred", "priority": 3},
                           {"id": "bd-3", "title": "Team conventions", "status": "pinned", "priority": 2},
                           {"id": "bd-4", "title": "Regular", "status": "open", "priority": 2}))
    cli("import", "beads", str(path))
    tasks = by_title(cli)
    assert tasks["Outage"]["priority"] == 0
    assert tasks["Someday"]["status"] == "blocked" and "deferred" in tasks["Someday"]["labels"]
    assert tasks["Team conventions"]["status"] == "blocked" and "pinned" in tasks["Team conventions"]["labels"]
    ready = [t["title"] for t in cli("tasks", "next", "-n", "10", "--json").json()["tasks"]]
    assert ready == ["Outage", "Regular"]


def test_taskmaster_subtasks_inherit_priority_and_keep_criteria_and_tags(initialised: Path, cli: Cli,
                                                                         tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps({"feature-auth": {"tasks": [
        {"id": 1, "title": "Login", "status": "pending", "priority": "high",
         "acceptanceCriteria": ["rejects a wrong password", "locks after 5 tries"],
         "subtasks": [{"id": 1, "title": "Form", "status": "pending"},
                      {"id": 2, "title": "Rate limit", "status": "pending", "priority": "low"}]}]}}))
    cli("import", "taskmaster", str(path))
    tasks = by_title(cli)
    assert tasks["Form"]["priority"] == 1 and tasks["Rate limit"]["priority"] == 3
    assert "Acceptance criteria:\n- rejects a wrong password\n- locks after 5 tries" in tasks["Login"]["description"]
    tagged = cli("tasks", "list", "--all", "--label", "feature-auth", "--json").json()["tasks"]
    assert sorted(t["title"] for t in tagged) == ["Form", "Login", "Rate limit"]
