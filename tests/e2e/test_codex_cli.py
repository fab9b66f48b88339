"""The real Codex CLI (from npm, pinned) against a scripted model on 127.0.0.1.

A two-turn session and a resume: the model plans with update_plan, runs ``git codex`` through
its shell tool (completing a task itself) and is offered gitmem's MCP tools on its first
request. ``git codex import codex`` then finds one session with every turn once, the plan
mirrored with the final statuses, the model's own completion intact, and a second import
after another resume adds only the new turn. The rollouts Codex wrote are kept as fixtures
(GITMEM_RECORD_FIXTURES=1 rewrites them) for tests that do not run Codex."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import git, npm_tool, run_git_codex
from scripted_model import Call, Say, ScriptedModel, offered_tools, serving, tool_outputs

CODEX = ("@openai/codex", "0.169.0")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "agents" / f"codex-{CODEX[1]}"
RECORD = os.environ.get("GITMEM_RECORD_FIXTURES") == "1"  # read before the sealed environment drops it


def codex_home(tmp_path: Path, model: ScriptedModel, sandbox: str = "danger-full-access") -> Path:
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

[tools.update_plan]
enabled = true

[mcp_servers.gitmem]
command = "{sys.executable}"
args = ["-m", "gitmem", "mcp", "--agent", "codex"]
required = true
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


def test_codex_session_with_resume_imports_once_with_its_plan_and_the_models_own_completion(
        initialised: Path, tmp_path: Path) -> None:
    binary = npm_tool(*CODEX, "codex")
    added: dict[str, str] = {}

    def complete_the_parser(body: dict[str, Any]) -> list[Call]:
        added["parser"] = next(o for o in tool_outputs(body).values() if "t-" in o).split("t-")[1][:10]
        return [shell(f"git codex tasks complete t-{added['parser']}"), plan(
            ("Read the parser", "completed"), ("Fix the parser", "completed"), ("Update the docs", "in_progress"))]

    script = [
        [plan(("Read the parser", "in_progress"), ("Fix the parser", "pending"), ("Update the docs", "pending"))],
        [shell("git codex tasks add 'Fix the parser' && git codex tasks list")],
        complete_the_parser,
        Say("The parser is fixed; the docs are next."),
        # codex exec resume --last
        [plan(("Read the parser", "completed"), ("Fix the parser", "completed"), ("Update the docs", "completed"))],
        Say("Docs updated."),
        # the second resume
        Say("Nothing left."),
    ]
    with serving(ScriptedModel(script)) as model:
        home = codex_home(tmp_path, model)
        run_codex(binary, initialised, home, "Fix the parser, then update the docs")
        first_tools = offered_tools(model.requests[0])
        assert "mcp__gitmem.context_brief" in first_tools and "mcp__gitmem.plan_sync" in first_tools, first_tools
        run_codex(binary, initialised, home, "resume", "--last", "Finish the docs")
        rollouts = sorted((home / "sessions").rglob("rollout-*.jsonl"))
        assert len(rollouts) == 1, rollouts

        report = json.loads(run_git_codex(initialised, "import", "codex", str(home / "sessions"), "--json").stdout)
        assert report["imported"]["sessions"] == 1 and report["problems"] == [], report
        sessions = json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
        imported = [s for s in sessions if s["agent"] == "codex"]
        assert len(imported) == 1
        turns = imported[0]["turns"]
        assert [t["summary"].split("\n")[0] for t in turns] == ["Fix the parser, then update the docs", "Finish the docs"]
        completed = [o for o in tool_outputs(model.requests[3]).values() if "completed  Fix the parser" in o]
        assert completed, tool_outputs(model.requests[3])  # the model's own git codex ran, inside Codex's shell
        listed = json.loads(run_git_codex(initialised, "tasks", "list", "--all", "--json").stdout)["tasks"]
        assert sorted((t["title"], t["status"]) for t in listed) == [
            ("Fix the parser", "completed"), ("Read the parser", "completed"), ("Update the docs", "completed")]

        run_codex(binary, initialised, home, "resume", "--last", "Anything else?")
        again = json.loads(run_git_codex(initialised, "import", "codex", str(home / "sessions"), "--json").stdout)
        assert again["imported"]["sessions"] == 0 and again["imported"].get("turns") == 1, again
        sessions = json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
        turns = next(s for s in sessions if s["agent"] == "codex")["turns"]
        assert [t["summary"].split("\n")[0] for t in turns][-1] == "Anything else?" and len(turns) == 3
    if RECORD:
        shutil.rmtree(FIXTURES, ignore_errors=True)
        FIXTURES.mkdir(parents=True)
        for rollout in rollouts:
            shutil.copy(rollout, FIXTURES / rollout.name)
    assert git(initialised, "status", "--porcelain") == ""


def test_inside_codex_default_sandbox_writes_say_so_and_reads_work(initialised: Path, tmp_path: Path) -> None:
    """workspace-write keeps .git read-only: a write exits 1 naming the file and the way out,
    never 3 ("a gitmem bug"); reads answer; memory is unchanged."""
    binary = npm_tool(*CODEX, "codex")
    before = git(initialised, "rev-parse", "refs/codex/branches/main")
    script = [[shell("git codex tasks add 'Inside the sandbox'; echo EXIT=$?; git codex status; echo EXIT=$?")],
              Say("The memory is read-only here.")]
    with serving(ScriptedModel(script)) as model:
        run_codex(binary, initialised, codex_home(tmp_path, model, sandbox="workspace-write"), "Add a task")
        output = "".join(tool_outputs(model.requests[1]).values())
    assert "Read-only file system" in output and "hint: memory lives in .git" in output, output
    assert output.count("EXIT=1") == 1 and output.count("EXIT=0") == 1 and "branch: main" in output, output
    assert git(initialised, "rev-parse", "refs/codex/branches/main") == before
