"""The real Claude Code (from npm, pinned) against a scripted Messages API on 127.0.0.1.

``claude -p`` and ``claude -p --continue``: the model plans with TaskCreate/TaskUpdate (its
task tools since 2.1.142; TodoWrite is gone by default), runs ``git codex`` through Bash and
is offered gitmem's MCP tools on its first request. ``git codex import claude`` then finds
one session with each prompt once, the task list with its final statuses, and a second
import after another --continue adds only the new turn. The transcript and task files
Claude wrote are kept as fixtures (GITMEM_RECORD_FIXTURES=1 rewrites them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import npm_tool, run_git_codex
from scripted_model import Call, Say, ScriptedModel, offered_tools, serving

CLAUDE = ("@anthropic-ai/claude-code", "2.1.197")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "agents" / f"claude-code-{CLAUDE[1]}"
RECORD = os.environ.get("GITMEM_RECORD_FIXTURES") == "1"  # read before the sealed environment drops it


def claude_binary() -> Path:
    binary = npm_tool(*CLAUDE, "claude")
    try:
        works = subprocess.run([str(binary), "--version"], capture_output=True, text=True).returncode == 0
    except OSError:  # a placeholder until the postinstall (which npm_tool skips) puts the binary there
        works = False
    if not works:
        installer = binary.parents[1] / "@anthropic-ai" / "claude-code" / "install.cjs"
        subprocess.run(["node", str(installer)], check=True, capture_output=True, timeout=300)
    return binary


def run_claude(binary: Path, repo: Path, home: Path, model: ScriptedModel, *args: str, mcp_config: bool = True) -> None:
    env = {**os.environ, "HOME": str(home), "ANTHROPIC_BASE_URL": model.origin, "ANTHROPIC_API_KEY": "sk-not-a-key",
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1",
           "IS_SANDBOX": "1",  # lets --dangerously-skip-permissions run as root, as CI does
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    mcp = json.dumps({"mcpServers": {"gitmem": {"command": sys.executable, "args": ["-m", "gitmem", "mcp", "--agent",
                                                                                    "claude"]}}})
    given = ["--mcp-config", mcp, "--strict-mcp-config"] if mcp_config else []
    result = subprocess.run([str(binary), "-p", *args, "--dangerously-skip-permissions", *given], cwd=repo, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, (result.stdout[-1000:], result.stderr[-1000:])


def test_claude_session_with_continue_imports_once_with_its_task_list(initialised: Path, tmp_path: Path) -> None:
    binary = claude_binary()
    script = [
        [Call("TaskCreate", {"subject": "Read the parser", "description": "Find the bug", "activeForm": "Reading"}),
         Call("TaskCreate", {"subject": "Fix the parser", "description": "Fix it", "activeForm": "Fixing"})],
        [Call("TaskUpdate", {"taskId": "1", "status": "completed"}),
         Call("Bash", {"command": "git codex status", "description": "memory status"})],
        Say("Read it; the fix is next."),
        # claude -p --continue
        [Call("TaskUpdate", {"taskId": "2", "status": "completed"})],
        Say("Fixed."),
        # the second --continue
        Say("Nothing left."),
    ]
    home = tmp_path / "home"
    home.mkdir()
    projects = home / ".claude" / "projects"
    with serving(ScriptedModel(script)) as model:
        run_claude(binary, initialised, home, model, "Fix the parser")
        assert "mcp__gitmem__context_brief" in offered_tools(model.requests[0])
        run_claude(binary, initialised, home, model, "--continue", "Now fix it")
        transcripts = sorted(projects.rglob("*.jsonl"))
        report = json.loads(run_git_codex(initialised, "import", "claude", str(projects), "--json").stdout)
        assert report["imported"]["sessions"] == 1 and report["problems"] == [], report
        sessions = [s for s in json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
                    if s["agent"] == "claude"]
        assert len(sessions) == 1, sessions
        assert [t["summary"].split("\n")[0] for t in sessions[0]["turns"]] == ["Fix the parser", "Now fix it"]
        listed = json.loads(run_git_codex(initialised, "tasks", "list", "--all", "--json").stdout)["tasks"]
        assert sorted((t["title"], t["status"]) for t in listed) == [("Fix the parser", "completed"),
                                                                     ("Read the parser", "completed")]

        run_claude(binary, initialised, home, model, "--continue", "Anything else?")
        again = json.loads(run_git_codex(initialised, "import", "claude", str(projects), "--json").stdout)
        assert again["imported"]["sessions"] == 0 and again["imported"]["turns"] == 1, again
    if RECORD:
        shutil.rmtree(FIXTURES, ignore_errors=True)
        kept = [(p, Path("projects", "-repo", p.name)) for p in transcripts]  # the temporary repo's name left out
        kept += [(p, p.relative_to(home / ".claude")) for p in (home / ".claude" / "tasks").rglob("*.json")]
        for path, name in kept:
            (FIXTURES / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, FIXTURES / name)


def test_after_setup_a_claude_session_with_continue_is_one_session_mirrored_live(initialised: Path,
                                                                                 tmp_path: Path) -> None:
    """``git codex setup claude``, then a session and a --continue: gitmem's MCP tools and the
    brief are in the first request, every TaskCreate/TaskUpdate is mirrored while the session
    runs (no import), a task the model completed with ``git codex tasks complete`` is not set
    back by a later TaskUpdate, the model's ``session log`` (through Bash and through MCP) lands
    in the conversation's session,
    SessionEnd ends it and --continue opens it again; each prompt is logged at the end of its
    turn (the Stop hook reads this transcript), so a later ``import claude`` has nothing to add."""
    binary = claude_binary()
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "PATH": f"{binary.parent}{os.pathsep}{os.environ['PATH']}"}
    run_git_codex(initialised, "tasks", "add", "Roadmap item already here")
    setup = subprocess.run([sys.executable, "-m", "gitmem", "setup", "claude"], cwd=initialised, capture_output=True,
                           text=True, env=env)
    assert setup.returncode == 0, setup.stderr
    check = subprocess.run([sys.executable, "-m", "gitmem", "setup", "claude", "--check"], cwd=initialised, env=env,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    seen: dict[str, list[tuple[str, str]]] = {}

    def mirrored(label: str) -> None:
        listed = json.loads(run_git_codex(initialised, "tasks", "list", "--all", "--json").stdout)["tasks"]
        seen[label] = sorted((t["title"], t["status"]) for t in listed)

    def complete_fix(_: dict[str, Any]) -> list[Call]:
        mirrored("after the two TaskCreate")
        fix = next(t for t in json.loads(run_git_codex(initialised, "tasks", "list", "--json").stdout)["tasks"]
                   if t["title"] == "Fix the parser")
        return [Call("Bash", {"command": f"git codex tasks complete {fix['id']} && git codex session log 'Fixed it'",
                              "description": "done"})]

    script = [
        [Call("TaskCreate", {"subject": "Read the parser", "description": "Find the bug", "activeForm": "Reading"}),
         Call("TaskCreate", {"subject": "Fix the parser", "description": "Fix it", "activeForm": "Fixing"})],
        complete_fix,
        [Call("TaskUpdate", {"taskId": "1", "status": "in_progress"})],
        [Call("mcp__gitmem__session_log", {"summary": "Logged through MCP"})],
        Say("Reading on."),
        # claude -p --continue
        [Call("TaskUpdate", {"taskId": "1", "status": "completed"})],
        Say("Both done."),
    ]
    projects = home / ".claude" / "projects"
    with serving(ScriptedModel(script)) as model:
        run_claude(binary, initialised, home, model, "Fix the parser", mcp_config=False)  # setup's MCP entry
        first = json.dumps(model.requests[0]["messages"])
        assert "mcp__gitmem__context_brief" in offered_tools(model.requests[0])
        mirrored("after the first run")
        [ended] = json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
        run_claude(binary, initialised, home, model, "--continue", "Finish it", mcp_config=False)
    assert "# Project memory: main" in first and "Roadmap item already here" in first  # the SessionStart brief
    assert seen["after the two TaskCreate"] == [("Fix the parser", "pending"), ("Read the parser", "pending"),
                                               ("Roadmap item already here", "pending")]
    assert seen["after the first run"] == [("Fix the parser", "completed"), ("Read the parser", "in_progress"),
                                          ("Roadmap item already here", "pending")]
    assert ended["agent"] == "claude" and ended["ended_at"]  # by SessionEnd
    # the model's own log, then the prompt, logged at the end of its turn (the Stop hook)
    assert [t["summary"].split("\n")[0] for t in ended["turns"]] == ["Fixed it", "Logged through MCP", "Fix the parser"]
    mirrored("at the end")
    assert seen["at the end"] == [("Fix the parser", "completed"), ("Read the parser", "completed"),
                                  ("Roadmap item already here", "pending")]
    [session] = json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
    assert session["id"] == ended["id"]
    assert [t["summary"].split("\n")[0] for t in session["turns"]] == ["Fixed it", "Logged through MCP",
                                                                       "Fix the parser", "Finish it"]
    report = json.loads(run_git_codex(initialised, "import", "claude", str(projects), "--json").stdout)
    assert report["imported"] == {"sessions": 0, "turns": 0, "tasks": 0, "updated": 0}, report
    assert report["problems"] == []
    mirrored("after the import")
    assert seen["after the import"] == seen["at the end"]

    removed = subprocess.run([sys.executable, "-m", "gitmem", "setup", "claude", "--remove"], cwd=initialised,
                             capture_output=True, text=True, env=env)
    settings = home / ".claude" / "settings.json"
    assert removed.returncode == 0 and (not settings.exists() or "gitmem" not in settings.read_text())
    assert "gitmem" not in json.loads((home / ".claude.json").read_text()).get("mcpServers", {})  # Claude's own state stays
    assert not (initialised / "CLAUDE.md").exists()
