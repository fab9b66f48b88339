"""The real Codex CLI (from npm, pinned) against a scripted model on 127.0.0.1.

After ``git codex setup codex``, a session and two resumes: the brief arrives, the plan is
mirrored live by the hooks, the model's own ``git codex`` lands in its conversation's session,
and an import joins that session. Inside Codex's default sandbox writes say why they cannot.
The rollouts Codex wrote are kept as fixtures (GITMEM_RECORD_FIXTURES=1 rewrites them) for
tests that do not run Codex."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import git, npm_tool, run_git_codex
from gitmem.services import codex_config
from scripted_model import Call, Say, ScriptedModel, offered_tools, serving, tool_outputs

CODEX = ("@openai/codex", "0.169.0")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "agents" / f"codex-{CODEX[1]}"
RECORD = os.environ.get("GITMEM_RECORD_FIXTURES") == "1"  # read before the sealed environment drops it


def codex_home(tmp_path: Path, model: ScriptedModel, sandbox: str = "danger-full-access") -> Path:
    """A CODEX_HOME whose config points Codex at the scripted model (and nothing of gitmem's)."""
    home = tmp_path / "codex-home"
    home.mkdir()
    (home / "config.toml").write_text(f"""\
model = "gpt-5"
model_provider = "scripted"
approval_policy = "never"
sandbox_mode = "{sandbox}"

[model_providers.scripted]
name = "scripted"
base_url = "{model.base_url}"
wire_api = "responses"
env_key = "SCRIPTED_KEY"
""")
    return home


def run_codex(binary: Path, repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CODEX_HOME": str(home), "SCRIPTED_KEY": "not-a-key",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([str(binary), "exec", "--skip-git-repo-check", *args], cwd=repo, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def shell(command: str) -> Call:
    return Call("exec_command", {"cmd": command})  # a login shell, as Codex runs it by default


def plan(*steps: tuple[str, str]) -> Call:
    return Call("update_plan", {"plan": [{"step": s, "status": st} for s, st in steps]})


def prompts(session: dict[str, Any]) -> list[str]:
    return [t["summary"].split("\n")[0] for t in session["turns"]]


def tasks(repo: Path) -> list[tuple[str, str]]:
    listed = json.loads(run_git_codex(repo, "tasks", "list", "--all", "--json").stdout)["tasks"]
    return sorted((t["title"], t["status"]) for t in listed)


def test_after_setup_a_codex_session_with_resume_is_one_session_mirrored_live(
        initialised: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``git codex setup codex`` (hooks trusted through Codex's own app server), then a session
    and a resume: the brief and gitmem's MCP tools reach the first request, update_plan is
    mirrored while Codex runs, the model's own ``tasks complete`` survives a later plan that
    left that step unchanged, its ``session log`` lands in the conversation's session, each
    prompt is logged at the end of its turn (the Stop hook reads this conversation's rollout)
    and a later ``import codex`` finds nothing to add."""
    binary = npm_tool(*CODEX, "codex")
    run_git_codex(initialised, "tasks", "add", "Roadmap item already here")
    seen: dict[str, Any] = {}

    def complete_the_reading(body: dict[str, Any]) -> list[Call]:
        seen["live"] = tasks(initialised)
        listing = "".join(tool_outputs(body).values())
        read = next(line.split()[0] for line in listing.splitlines() if line.endswith("Read the parser"))
        return [shell(f"git codex tasks complete {read}")]

    script = [
        [plan(("Read the parser", "in_progress"), ("Fix the parser", "pending"), ("Update the docs", "pending"))],
        [shell("git codex tasks list && git codex session log 'Read the parser; the bug is in the lexer'")],
        complete_the_reading,
        # the same step for the reading, unchanged: the model's own completion stands
        [plan(("Read the parser", "in_progress"), ("Fix the parser", "in_progress"), ("Update the docs", "pending"))],
        Say("The parser is being fixed; the docs are next."),
        # codex exec resume --last
        [plan(("Read the parser", "completed"), ("Fix the parser", "completed"), ("Update the docs", "completed"))],
        Say("Docs updated."),
        # the second resume
        Say("Nothing left."),
    ]
    with serving(ScriptedModel(script)) as model:
        home = codex_home(tmp_path, model)
        monkeypatch.setenv("CODEX_HOME", str(home))
        monkeypatch.setenv("PATH", f"{binary.parent}{os.pathsep}{os.environ['PATH']}")
        mentions = "echo python -I -m gitmem agent-hook codex >/dev/null"  # the user's, not setup's: never trusted
        (home / "hooks.json").write_text(json.dumps({"hooks": {"Stop": [{"hooks": [{"type": "command",
                                                                                  "command": mentions}]}]}}))
        setup = run_git_codex(initialised, "setup", "codex")
        assert setup.returncode == 0 and "trust for gitmem's 3 hooks set" in setup.stdout, setup.stderr
        assert run_git_codex(initialised, "setup", "codex", "--check").returncode == 0
        trust = sorted((h["eventName"], h["trustStatus"], h["command"] == mentions)
                       for h in codex_config.listed_hooks(str(binary), initialised))
        assert trust == [("postToolUse", "trusted", False), ("sessionStart", "trusted", False),
                         ("stop", "trusted", False), ("stop", "untrusted", True)], trust

        run_codex(binary, initialised, home, "Fix the parser, then update the docs")
        first_tools = offered_tools(model.requests[0])
        assert "mcp__gitmem.context_brief" in first_tools and "mcp__gitmem.plan_sync" in first_tools, first_tools
        brief = next(c["text"] for item in model.requests[0]["input"] if item.get("role") == "developer"
                     for c in item["content"] if c.get("text", "").startswith("# Project memory: main"))
        assert "Roadmap item already here" in brief and len(brief) < 4000, brief
        assert seen["live"] == [("Fix the parser", "pending"), ("Read the parser", "in_progress"),
                                ("Roadmap item already here", "pending"), ("Update the docs", "pending")]
        assert tasks(initialised) == [("Fix the parser", "in_progress"), ("Read the parser", "completed"),
                                      ("Roadmap item already here", "pending"), ("Update the docs", "pending")]
        [live] = json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
        assert live["agent"] == "codex" and live["ended_at"] is None  # Codex has no SessionEnd
        assert prompts(live) == ["Read the parser; the bug is in the lexer", "Fix the parser, then update the docs"]

        run_codex(binary, initialised, home, "resume", "--last", "Finish the docs")
        assert tasks(initialised) == [("Fix the parser", "completed"), ("Read the parser", "completed"),
                                      ("Roadmap item already here", "pending"), ("Update the docs", "completed")]
        rollouts = sorted((home / "sessions").rglob("rollout-*.jsonl"))
        assert len(rollouts) == 1, rollouts
        [session] = json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
        assert session["id"] == live["id"] and prompts(session) == [
            "Read the parser; the bug is in the lexer", "Fix the parser, then update the docs", "Finish the docs"]
        # the turns were logged as Codex ran (its Stop hook read the rollout): an import has nothing
        # to add; it only ends the session at the rollout's last record (Codex has no SessionEnd)
        report = json.loads(run_git_codex(initialised, "import", "codex", str(home / "sessions"), "--json").stdout)
        assert report["imported"] == {"sessions": 0, "turns": 0, "tasks": 0, "updated": 0}, report
        [imported] = json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
        assert imported["turns"] == session["turns"] and imported["ended_at"] and report["problems"] == []

        run_codex(binary, initialised, home, "resume", "--last", "Anything else?")
        [session] = json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
        assert prompts(session)[-1] == "Anything else?" and len(session["turns"]) == 4
        assert len(tasks(initialised)) == 4  # the plan's steps matched to the tasks it had made, never copied
    if RECORD:  # beside the capture of a session without gitmem's hooks (codex-0.169.0)
        hooked = FIXTURES.with_name(FIXTURES.name + "-hooked")
        shutil.rmtree(hooked, ignore_errors=True)
        hooked.mkdir(parents=True)
        for rollout in rollouts:
            shutil.copy(rollout, hooked / rollout.name)
    assert git(initialised, "status", "--porcelain") == "?? AGENTS.md\n"  # setup's block; nothing else in the tree


def test_inside_codex_default_sandbox_writes_say_so_reads_work_and_the_hooks_still_mirror(
        initialised: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """workspace-write keeps .git read-only for the model's commands: a write exits 1 naming the
    file and the way out, never 3 ("a gitmem bug"); reads answer. The hooks setup wrote run
    outside the sandbox, so the plan is still mirrored and the turn still logged."""
    binary = npm_tool(*CODEX, "codex")
    script = [[shell("git codex tasks add 'Inside the sandbox'; echo EXIT=$?; git codex status; echo EXIT=$?")],
              [plan(("Plan made inside the sandbox", "in_progress"))],
              Say("The memory is read-only here.")]
    with serving(ScriptedModel(script)) as model:
        home = codex_home(tmp_path, model, sandbox="workspace-write")
        monkeypatch.setenv("CODEX_HOME", str(home))
        monkeypatch.setenv("PATH", f"{binary.parent}{os.pathsep}{os.environ['PATH']}")
        assert run_git_codex(initialised, "setup", "codex").returncode == 0
        run_codex(binary, initialised, home, "Add a task")
        output = "".join(tool_outputs(model.requests[1]).values())
    assert "Read-only file system" in output and "hint: memory lives in .git" in output, output
    assert output.count("EXIT=1") == 1 and output.count("EXIT=0") == 1 and "branch: main" in output, output
    assert tasks(initialised) == [("Plan made inside the sandbox", "in_progress")]  # not the model's own add
    [session] = json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
    assert prompts(session) == ["Add a task"]
