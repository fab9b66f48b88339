"""``git codex import gemini`` on the chat file the real Gemini CLI 0.61 wrote in tests/e2e
(write_todos, a shell command, an MCP call, two resumes), and on broken input."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from conftest import Result, memory_tip

CAPTURED = Path(__file__).resolve().parent / "fixtures" / "agents" / "gemini-cli-0.61.0"
Cli = Callable[..., Result]


def captured_chat(root: Path, repo: Path, project: str = "repo", captured: Path = CAPTURED) -> Path:
    """The captured chat under ``root/<project>/chats``, its project hash made ``repo``'s."""
    src = next(captured.glob("session-*.jsonl"))
    text = src.read_text(encoding="utf-8")
    recorded = json.loads(text.splitlines()[0])["projectHash"]
    mine = hashlib.sha256(os.path.realpath(repo).encode()).hexdigest()
    chats = root / project / "chats"
    chats.mkdir(parents=True, exist_ok=True)
    (chats / src.name).write_text(text.replace(recorded, mine), encoding="utf-8")
    return chats / src.name


def test_a_gemini_chat_imports_each_prompt_once_with_its_last_todos(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    captured_chat(tmp_path / "tmp", initialised)
    report = cli("import", "gemini", str(tmp_path / "tmp"), "--json").json()
    assert report["imported"]["sessions"] == 1 and report["problems"] == [] and report["skipped"] == {}, report
    session = cli("session", "list", "--json").json()["sessions"][0]
    assert session["agent"] == "gemini"
    assert [t["summary"].split("\n")[0] for t in session["turns"]] == ["Fix the parser", "Now fix it", "Anything else?"]
    assert session["turns"][0]["actions"][0] == "git codex status"
    tasks = sorted((t["title"], t["status"]) for t in cli("tasks", "list", "--all", "--json").json()["tasks"])
    assert tasks == [("Fix the parser", "completed"), ("Read the parser", "completed")]
    tip = memory_tip(initialised)
    assert cli("import", "gemini", str(tmp_path / "tmp"), "--json").json()["skipped"] == {"session already imported": 1}
    assert memory_tip(initialised) == tip


def test_a_chat_with_gitmems_hooks_imports_the_prompts_without_the_brief(initialised: Path, cli: Cli,
                                                                         tmp_path: Path) -> None:
    """Recorded after ``git codex setup gemini``: Gemini CLI put the SessionStart brief before
    each prompt as ``<hook_context>``, and refused one write_todos call (two in progress)."""
    captured_chat(tmp_path / "tmp", initialised, captured=CAPTURED.with_name(CAPTURED.name + "-hooked"))
    report = cli("import", "gemini", str(tmp_path / "tmp"), "--json").json()
    assert report["problems"] == [] and report["skipped"] == {"write_todos calls Gemini CLI refused": 1}, report
    session = cli("session", "list", "--json").json()["sessions"][0]
    assert [t["summary"].split("\n")[0] for t in session["turns"]] == ["Fix the parser", "Now fix it"]
    tasks = sorted((t["title"], t["status"]) for t in cli("tasks", "list", "--all", "--json").json()["tasks"])
    assert tasks == [("Fix the parser", "completed"), ("Read the parser", "completed"), ("Update the docs", "completed")]


def test_a_session_gemini_split_over_two_files_imports_once(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    """Recorded when a resume fell in a later minute: Gemini CLI began a second file of the same
    session (only its injected context) and went on writing the first."""
    split = CAPTURED.with_name(CAPTURED.name + "-split")
    for src in split.glob("session-*.jsonl"):
        text = src.read_text(encoding="utf-8")
        recorded = json.loads(text.splitlines()[0])["projectHash"]
        mine = hashlib.sha256(os.path.realpath(initialised).encode()).hexdigest()
        (tmp_path / "tmp" / "repo" / "chats").mkdir(parents=True, exist_ok=True)
        (tmp_path / "tmp" / "repo" / "chats" / src.name).write_text(text.replace(recorded, mine), encoding="utf-8")
    report = cli("import", "gemini", str(tmp_path / "tmp"), "--json").json()
    assert report["imported"]["sessions"] == 1 and report["problems"] == [], report
    [session] = cli("session", "list", "--json").json()["sessions"]
    assert [t["summary"].split("\n")[0] for t in session["turns"]] == ["Fix the parser", "Now fix it"]
    tasks = sorted((t["title"], t["status"]) for t in cli("tasks", "list", "--all", "--json").json()["tasks"])
    assert tasks == [("Fix the parser", "completed"), ("Read the parser", "completed")]


def test_another_projects_chat_and_broken_lines_are_left_out(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    path = captured_chat(tmp_path / "tmp", tmp_path / "elsewhere", "other")
    path.write_text(path.read_text() + '{"id": 7, "type": null}\nnot json\n{"$set": []}\n')
    report = cli("import", "gemini", str(tmp_path / "tmp"), "--json").json()
    assert report["imported"]["sessions"] == 0 and report["skipped"]["session of another repository"] == 1
    assert "Traceback" not in cli("import", "gemini", str(tmp_path / "tmp")).err
    (tmp_path / "empty").mkdir()
    assert "no gemini sessions" in cli("import", "gemini", str(tmp_path / "empty"), expect=1).err
