"""``git codex setup codex|claude|gemini`` and ``git codex agent-hook``: exact, reversible edits
of each agent's settings, and hook events that are untrusted input. (With the agents installed
and running: tests/e2e.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import run_git_codex

USER_HOOK = {"matcher": "Bash", "hooks": [{"type": "command", "command": "echo mine"}]}


def settings(home: Path) -> dict:
    return json.loads((home / ".claude" / "settings.json").read_text())


def test_setup_keeps_the_users_settings_is_idempotent_and_removes_exactly_its_own(
        initialised: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = Path(os.environ["HOME"])
    (home / ".claude").mkdir(parents=True)
    mine = {"model": "opus", "hooks": {"PostToolUse": [USER_HOOK]}}
    (home / ".claude" / "settings.json").write_text(json.dumps(mine))
    (initialised / "CLAUDE.md").write_text("# House rules\n\nBe kind.\n")

    assert run_git_codex(initialised, "setup", "claude", "--check").returncode == 1
    first = run_git_codex(initialised, "setup", "claude")
    assert first.returncode == 0 and "hooks set" in first.stdout
    written = settings(home)
    assert written["model"] == "opus" and written["hooks"]["PostToolUse"][0] == USER_HOOK
    assert [g["matcher"] for g in written["hooks"]["PostToolUse"][1:]] == ["TaskCreate|TaskUpdate|TodoWrite"]
    assert "-I -m gitmem agent-hook claude" in written["hooks"]["SessionStart"][0]["hooks"][0]["command"]
    assert "gitmem: start" in (initialised / "CLAUDE.md").read_text()
    again = run_git_codex(initialised, "setup", "claude")
    assert "nothing to change" in again.stdout and settings(home) == written
    checked = json.loads(run_git_codex(initialised, "setup", "claude", "--check", "--json").stdout)
    assert checked["problems"] == ["claude is not on PATH: setup wrote its settings, but nothing here runs it"]
    subprocess.run(["git", "config", "--unset", "alias.codex"], cwd=initialised, check=True)
    monkeypatch.setenv("PATH", os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep)
                                               if not (Path(d) / "git-codex").exists()))
    checked = json.loads(run_git_codex(initialised, "setup", "claude", "--check", "--json").stdout)
    assert any("no alias.codex in this repository" in p for p in checked["problems"]), checked

    run_git_codex(initialised, "setup", "claude", "--remove")
    assert settings(home) == mine
    assert (initialised / "CLAUDE.md").read_text() == "# House rules\n\nBe kind.\n"


def test_setup_refuses_settings_it_cannot_read_and_writes_nothing(initialised: Path) -> None:
    home = Path(os.environ["HOME"])
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text("{not json")
    result = run_git_codex(initialised, "setup", "claude")
    assert result.returncode == 1 and "settings.json is not JSON" in result.stderr and "nothing was written" in result.stderr
    assert (home / ".claude" / "settings.json").read_text() == "{not json"
    assert not (initialised / "CLAUDE.md").exists()


def hook(repo: Path, agent: str, event: object) -> subprocess.CompletedProcess[str]:
    text = event if isinstance(event, str) else json.dumps(event)
    return subprocess.run([sys.executable, "-m", "gitmem", "agent-hook", agent], cwd=repo, input=text,
                          capture_output=True, text=True)


def test_agent_hook_events_are_untrusted_and_never_fail_the_agent(initialised: Path, tmp_path: Path) -> None:
    run_git_codex(initialised, "tasks", "add", "Already planned")
    start = hook(initialised, "gemini", {"hook_event_name": "SessionStart", "session_id": "x"})
    assert json.loads(start.stdout)["hookSpecificOutput"]["additionalContext"].count("Already planned") == 1
    assert "Already planned" in hook(initialised, "claude", {"hook_event_name": "SessionStart"}).stdout
    before = run_git_codex(initialised, "tasks", "list", "--all", "--json").stdout
    for event in ["{not json", "[1, 2]", {"hook_event_name": "PostToolUse", "tool_name": "TaskCreate",
                                          "session_id": "../../../etc"},
                  {"hook_event_name": "PostToolUse", "tool_name": "write_todos", "tool_input": {"todos": "nope"}},
                  {"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf /"}}]:
        result = hook(initialised, "claude" if "TaskCreate" in str(event) else "gemini", event)
        assert result.returncode == 0 and result.stdout == "", (event, result)
    assert run_git_codex(initialised, "tasks", "list", "--all", "--json").stdout == before
    mirrored = hook(initialised, "codex", {"hook_event_name": "PostToolUse", "tool_name": "update_plan",
                                           "tool_input": {"plan": [{"step": "Ship it", "status": "in_progress"}]}})
    assert mirrored.returncode == 0
    assert "Ship it" in run_git_codex(initialised, "tasks", "list", "--json").stdout
    outside = tmp_path / "plain"
    subprocess.run(["git", "init", "-q", str(outside)], check=True)
    assert hook(outside, "claude", {"hook_event_name": "SessionStart"}).stdout == ""


def test_setup_registers_its_mcp_server_and_leaves_a_foreign_one_alone(initialised: Path) -> None:
    home = Path(os.environ["HOME"])
    run_git_codex(initialised, "setup", "claude")
    entry = json.loads((home / ".claude.json").read_text())["mcpServers"]["gitmem"]
    assert entry["args"][-4:] == ["gitmem", "mcp", "--agent", "claude"] and Path(entry["command"]).is_absolute()
    run_git_codex(initialised, "setup", "claude", "--remove")
    assert not (home / ".claude.json").exists() and not (home / ".claude" / "settings.json").exists()

    theirs = {"numStartups": 3, "mcpServers": {"gitmem": {"command": "my-own-gitmem"}}}
    (home / ".claude.json").write_text(json.dumps(theirs))
    refused = run_git_codex(initialised, "setup", "claude")
    assert refused.returncode == 1 and "gitmem did not write it" in refused.stderr
    assert json.loads((home / ".claude.json").read_text()) == theirs
    assert not (home / ".claude" / "settings.json").exists() and not (initialised / "CLAUDE.md").exists()


def test_git_codex_works_where_path_has_no_git_codex(repo: Path) -> None:
    """An agent's login shell resets PATH (Codex's does, on Debian): init's alias.codex is then
    what git runs, from the directory it was called in; a user's own alias is kept."""
    assert run_git_codex(repo, "init").returncode == 0
    sub = repo / "sub"
    sub.mkdir()
    (sub / "plan.json").write_text(json.dumps({"plan": [{"step": "Planned in sub", "status": "pending"}]}))
    bare = {"HOME": os.environ["HOME"], "PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1"}
    assert subprocess.run(["sh", "-c", "command -v git-codex"], env=bare, capture_output=True).returncode != 0
    synced = subprocess.run(["git", "codex", "plan", "sync", "plan.json"], cwd=sub, env=bare, capture_output=True,
                            text=True)
    assert synced.returncode == 0, synced.stderr
    listed = subprocess.run(["git", "codex", "tasks", "list"], cwd=sub, env=bare, capture_output=True, text=True)
    assert "Planned in sub" in listed.stdout
    other = repo.parent / "mine"
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    subprocess.run(["git", "-C", str(other), "config", "alias.codex", "!echo my own"], check=True)
    run_git_codex(other, "init")
    assert subprocess.run(["git", "-C", str(other), "config", "alias.codex"], capture_output=True,
                          text=True).stdout.strip() == "!echo my own"


CODEX_CONFIG = """# my Codex settings
model = "gpt-5"

[tools]
web_search = true

[mcp_servers.docs]
command = "docs-server"
"""


def test_setup_codex_edits_its_toml_keeping_the_users_and_removes_exactly_its_own(initialised: Path) -> None:
    codex_home = Path(os.environ["HOME"]) / ".codex"
    codex_home.mkdir()
    (codex_home / "config.toml").write_text(CODEX_CONFIG)
    mine = {"hooks": {"PostToolUse": [USER_HOOK]}}
    (codex_home / "hooks.json").write_text(json.dumps(mine))

    first = run_git_codex(initialised, "setup", "codex")
    # no codex on PATH here: the files are written, the trust Codex keeps cannot be asked for
    assert first.returncode == 1 and "could not be trusted" in first.stderr and "/hooks" in first.stderr
    config = tomllib.loads((codex_home / "config.toml").read_text())
    assert config["model"] == "gpt-5" and config["tools"] == {"web_search": True, "update_plan": {"enabled": True}}
    assert config["mcp_servers"]["docs"] == {"command": "docs-server"}
    ours = config["mcp_servers"]["gitmem"]
    assert ours["required"] is True and ours["args"][-4:] == ["gitmem", "mcp", "--agent", "codex"]
    assert (codex_home / "config.toml").read_text().startswith("# my Codex settings\n")
    hooks = json.loads((codex_home / "hooks.json").read_text())["hooks"]
    assert hooks["PostToolUse"][0] == USER_HOOK and hooks["PostToolUse"][1]["matcher"] == "update_plan"
    assert "agent-hook codex" in hooks["SessionStart"][0]["hooks"][0]["command"]
    assert "gitmem: start" in (initialised / "AGENTS.md").read_text()
    written = (codex_home / "config.toml").read_text()
    run_git_codex(initialised, "setup", "codex")
    assert (codex_home / "config.toml").read_text() == written

    run_git_codex(initialised, "setup", "codex", "--remove")
    assert (codex_home / "config.toml").read_text() == CODEX_CONFIG
    assert json.loads((codex_home / "hooks.json").read_text()) == mine
    assert not (initialised / "AGENTS.md").exists()


def test_setup_codex_leaves_a_plan_tool_the_user_enabled_and_refuses_a_foreign_server(initialised: Path) -> None:
    codex_home = Path(os.environ["HOME"]) / ".codex"
    codex_home.mkdir()
    enabled = '[tools.update_plan]\nenabled = true\n'
    (codex_home / "config.toml").write_text(enabled)
    run_git_codex(initialised, "setup", "codex")
    run_git_codex(initialised, "setup", "codex", "--remove")
    assert (codex_home / "config.toml").read_text() == enabled and not (codex_home / "hooks.json").exists()

    foreign = enabled + '\n[mcp_servers.gitmem]\ncommand = "my-gitmem"\n'
    (codex_home / "config.toml").write_text(foreign)
    refused = run_git_codex(initialised, "setup", "codex")
    assert refused.returncode == 1 and "gitmem did not write it" in refused.stderr
    assert (codex_home / "config.toml").read_text() == foreign and not (codex_home / "hooks.json").exists()
    (codex_home / "config.toml").write_text("model = \n")
    broken = run_git_codex(initialised, "setup", "codex")
    assert broken.returncode == 1 and "config.toml is not TOML" in broken.stderr and "nothing was written" in broken.stderr


def test_setup_gemini_writes_hooks_and_server_in_one_settings_file(initialised: Path) -> None:
    path = Path(os.environ["HOME"]) / ".gemini" / "settings.json"
    path.parent.mkdir()
    mine = {"security": {"auth": {"selectedType": "gemini-api-key"}}, "mcpServers": {"docs": {"command": "d"}}}
    path.write_text(json.dumps(mine))
    run_git_codex(initialised, "setup", "gemini")
    written = json.loads(path.read_text())
    assert written["security"] == mine["security"] and written["mcpServers"]["docs"] == {"command": "d"}
    assert written["mcpServers"]["gitmem"]["args"][-4:] == ["gitmem", "mcp", "--agent", "gemini"]
    assert sorted(written["hooks"]) == ["AfterAgent", "AfterTool", "SessionEnd", "SessionStart"]
    assert written["hooks"]["AfterTool"][0]["matcher"] == "write_todos"
    assert all(g["hooks"][0]["name"].startswith("gitmem-") for groups in written["hooks"].values() for g in groups)
    assert "gitmem: start" in (initialised / "GEMINI.md").read_text()
    run_git_codex(initialised, "setup", "gemini", "--remove")
    assert json.loads(path.read_text()) == mine and not (initialised / "GEMINI.md").exists()


def test_a_hook_that_only_mentions_gitmem_is_the_users_and_stays(initialised: Path) -> None:
    home = Path(os.environ["HOME"])
    (home / ".claude").mkdir(parents=True)
    theirs = {"hooks": {"SessionStart": [{"hooks": [{"type": "command",
                                                     "command": "python3 -I -m gitmem agent-hook claude; echo mine"}]}]}}
    (home / ".claude" / "settings.json").write_text(json.dumps(theirs))
    run_git_codex(initialised, "setup", "claude")
    groups = settings(home)["hooks"]["SessionStart"]
    assert groups[0] == theirs["hooks"]["SessionStart"][0] and len(groups) == 2
    run_git_codex(initialised, "setup", "claude", "--remove")
    assert settings(home) == theirs
