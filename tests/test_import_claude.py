"""``git codex import claude``: real transcripts (cwd rewritten), TodoWrite and Task tools."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import Result, memory_tip

FORMATS = Path(__file__).resolve().parent / "fixtures" / "formats"
SAMPLES = [
    FORMATS / "claude-kvsankar-agent-history" / "session-01.jsonl",
    FORMATS / "claude-jazzyalex-agent-sessions" / "small.jsonl",
]
Cli = Callable[..., Result]


def test_real_transcripts_import_without_failing(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "projects" / "-repo"
    project.mkdir(parents=True)
    for n, sample in enumerate(SAMPLES):
        lines = []
        for line in sample.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if isinstance(record, dict) and "cwd" in record:
                record["cwd"] = str(initialised)
            lines.append(json.dumps(record))
        (project / f"session-{n}.jsonl").write_text("\n".join(lines) + "\n")
    report = cli("import", "claude", str(tmp_path / "projects"), "--json").json()
    assert report["imported"]["sessions"] == 2
    tip = memory_tip(initialised)
    assert cli("import", "claude", str(tmp_path / "projects"), "--json").json()["imported"]["sessions"] == 0
    assert memory_tip(initialised) == tip


def record(kind: str, repo: Path, at: str, **fields: Any) -> str:
    return json.dumps(
        {
            "type": kind,
            "uuid": at,
            "parentUuid": None,
            "timestamp": f"2026-05-01T10:{at}.000Z",
            "sessionId": "abc-123",
            "cwd": str(repo),
            "version": "2.1.150",
            "gitBranch": "main",
            **fields,
        }
    )


def tool_use(name: str, call: str, given: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"type": "tool_use", "id": call, "name": name, "input": given}]}


def test_todowrite_and_task_tools_become_tasks(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    todos = {
        "todos": [
            {"content": "Run tests", "status": "completed", "activeForm": "Running tests"},
            {"content": "Fix lint", "status": "in_progress", "activeForm": "Fixing lint"},
        ]
    }
    lines = [
        record("user", initialised, "00:00", message={"role": "user", "content": "Please tidy the repo"}),
        record("assistant", initialised, "00:01", message=tool_use("Bash", "t1", {"command": "ruff check ."})),
        record("assistant", initialised, "00:02", message=tool_use("TodoWrite", "t2", todos)),
        record(
            "assistant", initialised, "00:03", message=tool_use("TaskCreate", "t3", {"subject": "Ship it", "description": "d"})
        ),
        record(
            "user",
            initialised,
            "00:04",
            message={"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t3", "content": "ok"}]},
            toolUseResult={"task": {"id": "1"}},
        ),
        record("assistant", initialised, "00:05", message=tool_use("TaskCreate", "t4", {"subject": "Announce"})),
        record(
            "user",
            initialised,
            "00:06",
            message={"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t4"}]},
            toolUseResult={"task": {"id": "2"}},
        ),
        record("assistant", initialised, "00:07", message=tool_use("TaskUpdate", "t5", {"taskId": "2", "addBlockedBy": ["1"]})),
        record("assistant", initialised, "00:08", message=tool_use("TaskUpdate", "t6", {"taskId": "1", "status": "in_progress"})),
        record(
            "assistant", initialised, "00:09", message={"role": "assistant", "content": [{"type": "text", "text": "All tidy."}]}
        ),
        json.dumps({"type": "brand-new-type", "x": 1}),
    ]
    (tmp_path / "abc-123.jsonl").write_text("\n".join(lines) + "\n")
    report = cli("import", "claude", str(tmp_path), "--json").json()
    assert report["imported"] == {"sessions": 1, "turns": 0, "tasks": 4, "updated": 0}
    assert report["skipped"] == {"unknown record type": 1}
    shown = {
        t["title"]: cli("tasks", "show", t["id"], "--json").json()["task"]
        for t in cli("tasks", "list", "--all", "--json").json()["tasks"]
    }
    assert shown["Run tests"]["status"] == "completed" and shown["Fix lint"]["status"] == "in_progress"
    assert shown["Ship it"]["status"] == "in_progress" and shown["Announce"]["depends_on"] == [shown["Ship it"]["id"]]
    session = cli("session", "show", cli("session", "list", "--json").json()["sessions"][0]["id"], "--json").json()["session"]
    turn = session["turns"][0]
    assert turn["summary"] == "Please tidy the repo\n→ All tidy." and turn["actions"] == ["ruff check ."]


CAPTURED = Path(__file__).resolve().parent / "fixtures" / "agents" / "claude-code-2.1.197"


def test_a_current_claude_transcript_with_task_tools_imports_each_prompt_once(initialised: Path, cli: Cli,
                                                                             tmp_path: Path) -> None:
    """What Claude Code 2.1.197 wrote in tests/e2e: TaskCreate/TaskUpdate, a Bash call, two --continue."""
    src = next((CAPTURED / "projects" / "-repo").glob("*.jsonl"))
    text = src.read_text(encoding="utf-8")
    recorded = next(json.loads(line)["cwd"] for line in text.splitlines() if '"cwd"' in line)
    project = tmp_path / "projects" / "-repo"
    project.mkdir(parents=True)
    (project / src.name).write_text(text.replace(recorded, str(initialised)), encoding="utf-8")
    report = cli("import", "claude", str(tmp_path / "projects"), "--json").json()
    assert report["imported"]["sessions"] == 1 and report["problems"] == [] and report["skipped"] == {}, report
    session = cli("session", "list", "--json").json()["sessions"][0]
    assert [t["summary"].split("\n")[0] for t in session["turns"]] == ["Fix the parser", "Now fix it", "Anything else?"]
    tasks = sorted((t["title"], t["status"]) for t in cli("tasks", "list", "--all", "--json").json()["tasks"])
    assert tasks == [("Fix the parser", "completed"), ("Read the parser", "completed")]


def test_messages_claude_code_writes_itself_are_not_prompts(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    src = next((CAPTURED / "projects" / "-repo").glob("*.jsonl"))
    lines = src.read_text(encoding="utf-8").splitlines()
    recorded = next(json.loads(line)["cwd"] for line in lines if '"cwd"' in line)
    first_prompt = next(n for n, line in enumerate(lines)
                        if json.loads(line).get("type") == "user" and '"Fix the parser"' in line)
    template = json.loads(lines[first_prompt])
    generated = []
    for text in ("[Request interrupted by user for tool use]", "<command-name>/clear</command-name>",
                 "Caveat: The messages below were generated by the user while running local commands."):
        record = {**template, "uuid": f"u-{len(generated)}", "message": {"role": "user", "content": text}}
        generated.append(json.dumps(record))
    sidechain = {**template, "uuid": "side", "isSidechain": True, "message": {"role": "user", "content": "sub-agent task"}}
    lines[first_prompt + 1:first_prompt + 1] = [*generated, json.dumps(sidechain)]
    project = tmp_path / "projects" / "-repo"
    project.mkdir(parents=True)
    (project / src.name).write_text("\n".join(lines).replace(recorded, str(initialised)) + "\n", encoding="utf-8")
    cli("import", "claude", str(tmp_path / "projects"))
    session = cli("session", "list", "--json").json()["sessions"][0]
    assert [t["summary"].split("\n")[0] for t in session["turns"]] == ["Fix the parser", "Now fix it", "Anything else?"]
