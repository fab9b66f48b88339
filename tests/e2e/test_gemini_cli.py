"""The real Gemini CLI (from npm, pinned) against a scripted Gemini API on 127.0.0.1.

``gemini -p`` and ``gemini --resume latest -p``: the model plans with write_todos, runs
``git codex`` through run_shell_command, calls gitmem's MCP ``tasks_list`` (whose answer must
be a JSON object for Gemini CLI to take it) and is offered gitmem's tools on its first
request. ``git codex import gemini`` then finds one session with each prompt once (the
injected session context is not one), the todos with their final statuses, and a second
import after another resume adds only the new turn. The chat file is kept as a fixture."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import npm_tool, run_git_codex
from scripted_model import Call, Say, ScriptedModel, offered_tools, serving, tool_outputs

GEMINI = ("@google/gemini-cli", "0.61.0")
MODEL = "gemini-2.5-pro"  # write_todos is offered to Gemini 2 models
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "agents" / f"gemini-cli-{GEMINI[1]}"
RECORD = os.environ.get("GITMEM_RECORD_FIXTURES") == "1"  # read before the sealed environment drops it


def run_gemini(binary: Path, repo: Path, home: Path, model: ScriptedModel, *args: str) -> None:
    env = {**os.environ, "HOME": str(home), "GEMINI_API_KEY": "not-a-key", "GOOGLE_GEMINI_BASE_URL": model.origin,
           "GEMINI_CLI_TRUST_WORKSPACE": "true", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([str(binary), "-m", MODEL, *args, "--yolo"], cwd=repo, env=env, capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, (result.stdout[-1000:], result.stderr[-2000:])


def todos(*items: tuple[str, str]) -> Call:
    return Call("write_todos", {"todos": [{"description": d, "status": s} for d, s in items]})


def test_gemini_session_with_resume_imports_once_with_its_todos(initialised: Path, tmp_path: Path) -> None:
    binary = npm_tool(*GEMINI, "gemini")
    home = tmp_path / "home"
    (home / ".gemini").mkdir(parents=True)
    (home / ".gemini" / "settings.json").write_text(json.dumps({
        "security": {"auth": {"selectedType": "gemini-api-key"}}, "general": {"disableAutoUpdate": True},
        "privacy": {"usageStatisticsEnabled": False},
        "mcpServers": {"gitmem": {"command": sys.executable, "args": ["-m", "gitmem", "mcp", "--agent", "gemini"]}}}))
    listed: dict[str, Any] = {}

    def after_the_listing(body: dict[str, Any]) -> Say:
        listed.update(tool_outputs(body))
        return Say("Read it; the fix is next.")

    script = [
        [todos(("Read the parser", "in_progress"), ("Fix the parser", "pending"))],
        [Call("run_shell_command", {"command": "git codex status", "description": "memory status"}),
         Call("mcp_gitmem_tasks_list", {})],
        after_the_listing,
        # gemini --resume latest
        [todos(("Read the parser", "completed"), ("Fix the parser", "completed"))],
        Say("Fixed."),
        Say("Nothing left."),
    ]
    chats = home / ".gemini" / "tmp"
    with serving(ScriptedModel(script)) as model:
        run_gemini(binary, initialised, home, model, "-p", "Fix the parser")
        assert "mcp_gitmem_context_brief" in offered_tools(model.requests[0])
        answered = "\n".join(listed.values())
        assert "Read the parser" in answered and "error" not in answered.lower(), listed  # an object, taken as is
        run_gemini(binary, initialised, home, model, "--resume", "latest", "-p", "Now fix it")
        files = sorted(chats.rglob("session-*.jsonl"))  # two when the resume fell in a later minute
        assert len({json.loads(f.read_text().splitlines()[0])["sessionId"] for f in files}) == 1, files

        report = json.loads(run_git_codex(initialised, "import", "gemini", str(chats), "--json").stdout)
        assert report["imported"]["sessions"] == 1 and report["problems"] == [], report
        sessions = [s for s in json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
                    if s["agent"] == "gemini"]
        assert [t["summary"].split("\n")[0] for t in sessions[0]["turns"]] == ["Fix the parser", "Now fix it"]
        tasks = json.loads(run_git_codex(initialised, "tasks", "list", "--all", "--json").stdout)["tasks"]
        assert sorted((t["title"], t["status"]) for t in tasks) == [("Fix the parser", "completed"),
                                                                    ("Read the parser", "completed")]

        run_gemini(binary, initialised, home, model, "--resume", "latest", "-p", "Anything else?")
        again = json.loads(run_git_codex(initialised, "import", "gemini", str(chats), "--json").stdout)
        assert again["imported"]["sessions"] == 0 and again["imported"]["turns"] == 1, again
    if RECORD:
        shutil.rmtree(FIXTURES, ignore_errors=True)
        FIXTURES.mkdir(parents=True)
        for path in files:
            shutil.copy(path, FIXTURES / path.name)


def test_after_setup_a_gemini_session_with_resume_is_one_session_mirrored_live(
        initialised: Path, tmp_path: Path) -> None:
    """``git codex setup gemini``, then a session and a resume: the brief reaches the model as
    the SessionStart hook's additionalContext, write_todos is mirrored while Gemini runs, the
    model's own ``tasks complete`` survives a later unchanged todo, a call Gemini refused is
    not mirrored, its ``session log`` (Gemini's
    shell sets only GEMINI_CLI=1) lands in the session the hook opened, SessionEnd ends it and
    the resume opens it again; each prompt is logged at the end of its turn (AfterAgent reads
    this chat), so a later ``import gemini`` has nothing to add."""
    binary = npm_tool(*GEMINI, "gemini")
    home = tmp_path / "home"
    (home / ".gemini").mkdir(parents=True)
    (home / ".gemini" / "settings.json").write_text(json.dumps({
        "security": {"auth": {"selectedType": "gemini-api-key"}}, "general": {"disableAutoUpdate": True},
        "privacy": {"usageStatisticsEnabled": False}}))
    env = {**os.environ, "HOME": str(home), "PATH": f"{binary.parent}{os.pathsep}{os.environ['PATH']}"}
    run_git_codex(initialised, "tasks", "add", "Roadmap item already here")
    setup = subprocess.run([sys.executable, "-m", "gitmem", "setup", "gemini"], cwd=initialised, env=env,
                           capture_output=True, text=True)
    assert setup.returncode == 0, setup.stderr
    assert subprocess.run([sys.executable, "-m", "gitmem", "setup", "gemini", "--check"], cwd=initialised,
                          env=env).returncode == 0
    seen: dict[str, Any] = {}

    def tasks() -> list[tuple[str, str]]:
        listed = json.loads(run_git_codex(initialised, "tasks", "list", "--all", "--json").stdout)["tasks"]
        return sorted((t["title"], t["status"]) for t in listed)

    def complete_the_reading(_: dict[str, Any]) -> list[Call]:
        seen["live"] = tasks()
        read = next(t["id"] for t in json.loads(run_git_codex(initialised, "tasks", "list", "--json").stdout)["tasks"]
                    if t["title"] == "Read the parser")
        return [Call("run_shell_command", {"command": f"git codex tasks complete {read} && git codex session log "
                                           "'Read the parser'", "description": "done"})]

    script = [
        [todos(("Read the parser", "in_progress"), ("Fix the parser", "pending"))],
        complete_the_reading,
        # the reading unchanged (the model's own completion stands), a new step
        [todos(("Read the parser", "in_progress"), ("Fix the parser", "pending"), ("Update the docs", "pending"))],
        [Call("mcp_gitmem_session_log", {"summary": "Logged through MCP"})],
        # refused by Gemini CLI (one in_progress at a time): not mirrored
        [todos(("Read the parser", "cancelled"), ("Fix the parser", "in_progress"), ("Update the docs", "in_progress"))],
        Say("Fixing it."),
        # gemini --resume latest
        [todos(("Read the parser", "completed"), ("Fix the parser", "completed"), ("Update the docs", "completed"))],
        Say("Fixed."),
    ]
    chats = home / ".gemini" / "tmp"
    with serving(ScriptedModel(script)) as model:
        run_gemini(binary, initialised, home, model, "-p", "Fix the parser")
        assert "mcp_gitmem_context_brief" in offered_tools(model.requests[0])
        first = json.dumps(model.requests[0]["contents"])
        assert "<hook_context># Project memory: main" in first and "Roadmap item already here" in first, first[:2000]
        assert seen["live"] == [("Fix the parser", "pending"), ("Read the parser", "in_progress"),
                                ("Roadmap item already here", "pending")]
        assert tasks() == [("Fix the parser", "pending"), ("Read the parser", "completed"),
                           ("Roadmap item already here", "pending"), ("Update the docs", "pending")]
        [ended] = json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
        assert ended["agent"] == "gemini" and ended["ended_at"]  # by SessionEnd
        # the model's own log, then the prompt, logged at the end of its turn (AfterAgent)
        assert [t["summary"].split("\n")[0] for t in ended["turns"]] == ["Read the parser", "Logged through MCP",
                                                                         "Fix the parser"]
        run_gemini(binary, initialised, home, model, "--resume", "latest", "-p", "Now fix it")
        assert tasks() == [("Fix the parser", "completed"), ("Read the parser", "completed"),
                           ("Roadmap item already here", "pending"), ("Update the docs", "completed")]
        [session] = json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
        assert session["id"] == ended["id"] and session["ended_at"]  # opened again by the resume, ended again
        assert [t["summary"].split("\n")[0] for t in session["turns"]] == ["Read the parser", "Logged through MCP",
                                                                           "Fix the parser", "Now fix it"]
        report = json.loads(run_git_codex(initialised, "import", "gemini", str(chats), "--json").stdout)
        assert report["imported"] == {"sessions": 0, "turns": 0, "tasks": 0, "updated": 0}, report
        assert report["problems"] == [] and len(tasks()) == 4
    if RECORD:
        hooked = FIXTURES.with_name(FIXTURES.name + "-hooked")
        shutil.rmtree(hooked, ignore_errors=True)
        hooked.mkdir(parents=True)
        for path in chats.rglob("session-*.jsonl"):
            shutil.copy(path, hooked / path.name)
