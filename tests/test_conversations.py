"""One gitmem session per agent conversation: the hooks open, resume and end it, the model's
own commands and plan syncs land in it (the agent's shell names the conversation), and an
import of the agent's files joins it instead of making a second session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import memory_tip, run_git_codex

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "agents"
THREAD = "01a23b8f-1a91-70a0-bd74-af53c6632402"  # the thread of the recorded Codex rollout


def hook(repo: Path, agent: str, event: dict[str, object]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gitmem", "agent-hook", agent], cwd=repo, input=json.dumps(event),
                          capture_output=True, text=True, check=True)


def in_agent_shell(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gitmem", *args], cwd=repo, env={**os.environ, **env},
                          capture_output=True, text=True, check=True)


def sessions(repo: Path) -> list[dict]:
    return json.loads(run_git_codex(repo, "session", "list", "--json").stdout)["sessions"]


def test_hooks_and_the_models_commands_share_one_session_per_conversation(initialised: Path) -> None:
    start = {"hook_event_name": "SessionStart", "session_id": THREAD, "source": "startup"}
    assert hook(initialised, "codex", start).stdout.startswith("# Project memory: main")
    codex_shell = {"CODEX_THREAD_ID": THREAD}
    in_agent_shell(initialised, codex_shell, "session", "log", "Read the parser")
    hook(initialised, "codex", {"hook_event_name": "PostToolUse", "session_id": THREAD, "tool_name": "update_plan",
                                "tool_input": {"plan": [{"step": "Fix the parser", "status": "in_progress"}]},
                                "tool_response": "Plan updated"})
    in_agent_shell(initialised, codex_shell, "session", "log", "Fixed it")
    # another conversation of the same agent, at the same time, in the same worktree
    in_agent_shell(initialised, {"CODEX_THREAD_ID": "01a23b8f-0000-7000-8000-000000000000"}, "session", "log", "Other")
    # and a person at the terminal
    run_git_codex(initialised, "session", "log", "By hand")

    found = {s["agent"] + ":" + s["turns"][0]["summary"]: s for s in sessions(initialised)}
    assert sorted(found) == ["cli:By hand", "codex:Other", "codex:Read the parser"], sorted(found)
    ours = found["codex:Read the parser"]
    assert [t["summary"] for t in ours["turns"]] == ["Read the parser", "Fixed it"]
    tasks = json.loads(run_git_codex(initialised, "tasks", "list", "--json").stdout)["tasks"]
    assert [(t["title"], t["status"], t["metadata"]["plan"]["session"]) for t in tasks] == [
        ("Fix the parser", "in_progress", ours["id"])]


def test_a_refused_plan_call_is_not_mirrored(initialised: Path) -> None:
    hook(initialised, "codex", {"hook_event_name": "PostToolUse", "session_id": THREAD, "tool_name": "update_plan",
                                "tool_input": {"plan": [{"step": "Never", "status": "pending"}]},
                                "tool_response": "failed to parse function arguments: missing field `plan`"})
    assert json.loads(run_git_codex(initialised, "tasks", "list", "--json").stdout)["tasks"] == []


def test_session_end_ends_it_and_a_resume_opens_the_same_session_again(initialised: Path) -> None:
    conversation = "0e64765a-fa1a-4fe4-9f9e-4c4b8012a13a"
    hook(initialised, "claude", {"hook_event_name": "SessionStart", "session_id": conversation, "source": "startup"})
    in_agent_shell(initialised, {"CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": conversation}, "session", "log", "One")
    hook(initialised, "claude", {"hook_event_name": "SessionEnd", "session_id": conversation, "reason": "exit"})
    [ended] = sessions(initialised)
    assert ended["agent"] == "claude" and ended["ended_at"] and ended["summary"] == "One"
    notes = subprocess.run(["git", "log", "--notes=codex", "-1", "--format=%N"], cwd=initialised,
                           capture_output=True, text=True).stdout
    assert ended["id"] in notes  # the digest on the commit, as 'session end' writes it
    hook(initialised, "claude", {"hook_event_name": "SessionStart", "session_id": conversation, "source": "resume"})
    in_agent_shell(initialised, {"CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": conversation}, "session", "log", "Two")
    [resumed] = sessions(initialised)
    assert resumed["id"] == ended["id"] and resumed["ended_at"] is None
    assert [t["summary"] for t in resumed["turns"]] == ["One", "Two"]


def test_gemini_commands_use_the_session_its_hook_opened(initialised: Path) -> None:
    conversation = "c4c4625f-1111-4222-8333-444444444444"
    out = hook(initialised, "gemini", {"hook_event_name": "SessionStart", "session_id": conversation})
    assert json.loads(out.stdout)["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    in_agent_shell(initialised, {"GEMINI_CLI": "1"}, "session", "log", "From Gemini's shell")
    [session] = sessions(initialised)
    assert session["agent"] == "gemini" and session["turns"][0]["summary"] == "From Gemini's shell"
    shown = in_agent_shell(initialised, {"GEMINI_CLI": "1"}, "session", "show", "--json").stdout
    assert json.loads(shown)["session"]["id"] == session["id"]


def recorded_rollouts(repo: Path, tmp_path: Path) -> Path:
    """The Codex rollout recorded in tests/e2e, as if it had run in ``repo``."""
    rollouts = tmp_path / "sessions"
    shutil.copytree(FIXTURES / "codex-0.169.0", rollouts)
    for rollout in rollouts.glob("*.jsonl"):  # the recorded session ran in another temp repository
        lines = [json.loads(line) for line in rollout.read_text().splitlines()]
        for line in lines:
            if line.get("type") in ("session_meta", "turn_context") and "cwd" in line.get("payload", {}):
                line["payload"]["cwd"] = str(repo)
        rollout.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return rollouts


def test_import_joins_the_session_the_hooks_kept(initialised: Path, tmp_path: Path) -> None:
    hook(initialised, "codex", {"hook_event_name": "SessionStart", "session_id": THREAD, "source": "startup"})
    in_agent_shell(initialised, {"CODEX_THREAD_ID": THREAD}, "session", "log", "Logged by the model")
    rollouts = recorded_rollouts(initialised, tmp_path)
    report = json.loads(run_git_codex(initialised, "import", "codex", str(rollouts), "--json").stdout)
    assert report["imported"]["sessions"] == 1 and report["imported"]["turns"] >= 2, report
    [session] = sessions(initialised)
    summaries = [t["summary"].split("\n")[0] for t in session["turns"]]
    assert summaries[0] == "Logged by the model" and "Fix the parser, then update the docs" in summaries
    again = json.loads(run_git_codex(initialised, "import", "codex", str(rollouts), "--json").stdout)
    assert again["imported"]["sessions"] == 0 and again["imported"].get("turns", 0) == 0, again


def test_the_brief_at_session_start_shows_the_last_session_not_the_one_just_opened(initialised: Path) -> None:
    run_git_codex(initialised, "session", "log", "Wrote the lexer")
    run_git_codex(initialised, "session", "end")
    brief = hook(initialised, "claude", {"hook_event_name": "SessionStart", "session_id": "f00d-1"}).stdout
    assert "- cli, ended" in brief and "Wrote the lexer" in brief, brief


def test_the_turn_end_hook_logs_the_conversations_turns_from_its_own_file_only(initialised: Path,
                                                                              tmp_path: Path) -> None:
    rollouts = recorded_rollouts(initialised, tmp_path)
    [rollout] = rollouts.glob("*.jsonl")
    other = rollouts / "rollout-2026-12-03T10-00-00-01a23b8f-0000-7000-8000-000000000000.jsonl"
    other.write_text(rollout.read_text().replace(THREAD, "01a23b8f-0000-7000-8000-000000000000"))
    hook(initialised, "codex", {"hook_event_name": "SessionStart", "session_id": THREAD, "source": "startup"})
    hook(initialised, "codex", {"hook_event_name": "Stop", "session_id": THREAD, "transcript_path": str(rollout)})
    [session] = sessions(initialised)  # the other rollout in the same folder was not read
    assert session["ended_at"] is None  # still running: the turn's import leaves it open
    assert [t["summary"].split("\n")[0] for t in session["turns"]] == [
        "Fix the parser, then update the docs", "Finish the docs", "Anything else?"]
    tip = memory_tip(initialised)
    hook(initialised, "codex", {"hook_event_name": "Stop", "session_id": THREAD, "transcript_path": str(rollout)})
    assert memory_tip(initialised) == tip  # nothing new since: nothing written
    assert not [r for r in subprocess.run(["git", "for-each-ref", "refs/codex/backups"], cwd=initialised,
                                          capture_output=True, text=True).stdout.splitlines()]


def test_a_turn_end_hook_naming_a_file_it_should_not_read_reads_nothing(initialised: Path, tmp_path: Path) -> None:
    rollouts = recorded_rollouts(initialised, tmp_path)
    [rollout] = rollouts.glob("*.jsonl")
    link = rollouts / "rollout-link.jsonl"
    link.symlink_to(rollout)
    renamed = rollouts / "notes.jsonl"
    renamed.write_text(rollout.read_text())
    tip = memory_tip(initialised)
    for path in [str(link), str(renamed), "/etc/passwd", rollout.name, str(rollout) + "\0", ["a"], str(rollouts)]:
        result = hook(initialised, "codex", {"hook_event_name": "Stop", "session_id": THREAD, "transcript_path": path})
        assert result.stdout == ""
    assert memory_tip(initialised) == tip and sessions(initialised) == []
