"""``git codex import codex`` on the real Codex samples (copied, cwd rewritten) and on broken input."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result, git, memory_tip

FORMATS = Path(__file__).resolve().parent / "fixtures" / "formats"
ROLLOUTS = FORMATS / "codex-madshn-localpush" / "2026-02-23" / "raw" / "sessions"
Cli = Callable[..., Result]


def plan_args(*steps: tuple[str, str]) -> str:
    return json.dumps({"plan": [{"step": s, "status": st} for s, st in steps]})


def copy_rollouts(dest: Path, repo: Path, plans: dict[str, str] | None = None) -> list[Path]:
    """The real rollouts with session_meta.cwd set to ``repo``, redacted plan args replaced, and
    the redacted 12-character outputs of update_plan calls put back ("Plan updated")."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for src in sorted(ROLLOUTS.glob("rollout-*.jsonl")):
        lines = src.read_text(encoding="utf-8").splitlines()
        meta = json.loads(lines[0])
        meta["payload"]["cwd"] = str(repo)
        lines[0] = json.dumps(meta)
        for n, line in enumerate(lines):
            if plans and '"update_plan"' in line:
                record = json.loads(line)
                call = record["payload"]["call_id"]
                if call in plans:
                    record["payload"]["arguments"] = plans[call]
                    lines[n] = json.dumps(record)
            elif '"function_call_output"' in line and "[REDACTED_OUTPUT len=12 " in line:
                record = json.loads(line)
                record["payload"]["output"] = "Plan updated"
                lines[n] = json.dumps(record)
        target = dest / src.name
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out.append(target)
    return out


def test_real_rollouts_one_session_each_and_last_plan_tasks(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    plans = {
        "call_1fojfiJmNKR4CDRKVRKlvVOS": plan_args(("Read the uploader", "in_progress"), ("Add retries", "pending")),
        "call_nO8VChp58H9LoAvHBcM6Qktz": plan_args(
            ("Read the uploader", "completed"), ("Add retries", "in_progress"), ("Write tests", "pending")
        ),
    }
    copy_rollouts(tmp_path / "sessions", initialised, plans)
    before = memory_tip(initialised)
    report = cli("import", "codex", str(tmp_path / "sessions"), "--json").json()
    assert report["imported"]["sessions"] == len(list(ROLLOUTS.glob("rollout-*.jsonl"))) == 6
    assert report["imported"]["tasks"] == 3
    assert report["skipped"]["unreadable update_plan call"] == 4  # the other rollouts' redacted plans
    assert git(initialised, "rev-list", "--count", f"{before}..refs/codex/branches/main").strip() == "1"
    assert report["backups"] and git(initialised, "rev-parse", report["backups"][0]).strip() == before
    titles = {t["title"]: t["status"] for t in cli("tasks", "list", "--all", "--json").json()["tasks"]}
    assert titles == {"Read the uploader": "completed", "Add retries": "in_progress", "Write tests": "pending"}
    sessions = cli("session", "list", "--json").json()["sessions"]
    assert len(sessions) == 6 and all(s["agent"] == "codex" for s in sessions)
    first = cli("session", "show", sessions[-1]["id"], "--json").json()["session"]
    assert len(first["turns"]) == 5 and first["turns"][0]["actions"]
    tip = memory_tip(initialised)
    again = cli("import", "codex", str(tmp_path / "sessions"), "--json").json()
    assert again["imported"] == {"sessions": 0, "turns": 0, "tasks": 0, "updated": 0}
    assert again["skipped"]["session already imported"] == 6
    assert memory_tip(initialised) == tip and not again["backups"]


def test_rollouts_of_other_repositories_are_left_out(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    for src in ROLLOUTS.glob("rollout-*.jsonl"):
        shutil.copy(src, tmp_path / src.name)
    before = memory_tip(initialised)
    report = cli("import", "codex", str(tmp_path), "--json").json()
    assert report["imported"]["sessions"] == 0 and report["skipped"]["session of another repository"] == 6
    assert memory_tip(initialised) == before


def test_schema_fixture_with_unknown_types_does_not_fail(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    lines = (FORMATS / "codex-jazzyalex-agent-sessions" / "small.jsonl").read_text().splitlines()
    fixed = []
    for line in lines:
        record = json.loads(line)
        if record.get("type") == "session_meta" and isinstance(record.get("payload"), dict):
            record["payload"]["cwd"] = str(initialised)
        fixed.append(json.dumps(record))
    (tmp_path / "rollout-2026-08-01T10-00-00-00000000-0000-0000-0000-000000000000.jsonl").write_text("\n".join(fixed) + "\n")
    result = cli("import", "codex", str(tmp_path), "--json")
    assert result.json()["imported"]["sessions"] == 1


def meta_line(repo: Path, sid: str, **extra: object) -> str:
    payload = {"id": sid, "timestamp": "2026-03-01T10:00:00.000Z", "cwd": str(repo), "cli_version": "0.110.0", **extra}
    return json.dumps({"timestamp": "2026-03-01T10:00:00.100Z", "type": "session_meta", "payload": payload})


def item(kind: str, payload: dict[str, object], at: str = "2026-03-01T10:00:05.000Z") -> str:
    return json.dumps({"timestamp": at, "type": kind, "payload": payload})


def plan_call(call: str, *steps: tuple[str, str]) -> list[str]:
    return [
        item("response_item", {"type": "function_call", "name": "update_plan", "arguments": plan_args(*steps), "call_id": call}),
        item("response_item", {"type": "function_call_output", "call_id": call, "output": "Plan updated"}),
    ]


SID = "019c0000-0000-7000-8000-000000000001"


def test_broken_input_imports_what_it_can(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    good = [
        meta_line(initialised, SID),
        item("event_msg", {"type": "user_message", "message": "Fix the parser"}),
        item(
            "response_item",
            {"type": "function_call", "name": "exec_command", "arguments": '{"cmd":"pytest -q"}', "call_id": "c1"},
        ),
        item("security_risk_score", {"score": 1}),
        "not json at all",
        *plan_call("call_a", ("Fix parser", "in_progress")),
        item("event_msg", {"type": "agent_message", "message": "Parser fixed."}),
    ]
    (tmp_path / f"rollout-2026-03-01T10-00-00-{SID}.jsonl").write_text("\n".join(good) + '\n{"timestamp":"2026-03-01T1')
    (tmp_path / "rollout-2026-03-01T11-00-00-019c0000-0000-7000-8000-000000000002.jsonl").write_bytes(
        b"\x00\xff\xfe garbage \x81\n\xc3\x28\n"
    )
    before = memory_tip(initialised)
    result = cli("import", "codex", str(tmp_path))
    assert "Traceback" not in result.err
    report = cli("import", "codex", str(tmp_path), "--json").json()
    assert report["imported"]["sessions"] == 0  # the first run imported it
    assert "unreadable line" in report["skipped"] and "truncated last line" in report["skipped"]
    assert report["skipped"]["unknown record type"] == 1 and report["skipped"]["empty rollout"] == 1
    assert git(initialised, "rev-list", "--count", f"{before}..refs/codex/branches/main").strip() == "1"
    session = cli("session", "list", "--json").json()["sessions"][0]
    turn = cli("session", "show", session["id"], "--json").json()["session"]["turns"][0]
    assert turn["summary"].startswith("Fix the parser") and "Parser fixed." in turn["summary"]
    assert turn["actions"] == ["pytest -q"]
    assert [t["title"] for t in cli("tasks", "list", "--json").json()["tasks"]] == ["Fix parser"]


def test_directory_without_rollouts_is_a_clear_error(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    result = cli("import", "codex", str(tmp_path), expect=1)
    assert result.err.startswith("error: no codex sessions") and "hint:" in result.err
    assert cli("import", "codex", str(tmp_path / "missing"), expect=1).err.startswith("error: no such directory")


def test_legacy_layout_matched_by_remote_and_forks_deduplicated(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    git(initialised, "remote", "add", "origin", "https://github.com/me/proj.git")
    legacy = [
        json.dumps(
            {
                "id": SID,
                "timestamp": "2025-08-20T17:24:21.123Z",
                "instructions": None,
                "git": {"branch": "main", "repository_url": "git@github.com:me/proj.git"},
            }
        ),
        json.dumps({"type": "message", "role": "user", "content": [{"type": "input_text", "text": "add a CLI flag"}]}),
        json.dumps(
            {
                "type": "function_call",
                "name": "update_plan",
                "arguments": plan_args(("Read code", "in_progress")),
                "call_id": "call_1",
            }
        ),
        json.dumps({"type": "function_call_output", "call_id": "call_1", "output": "Plan updated"}),
        json.dumps({"record_type": "state"}),
    ]
    (tmp_path / f"rollout-2025-08-20-{SID}.jsonl").write_text("\n".join(legacy) + "\n")
    child = "019c0000-0000-7000-8000-000000000003"
    fork = [
        meta_line(tmp_path / "elsewhere", child, forked_from_id=SID, git={"repository_url": "https://github.com/me/proj"}),
        *plan_call("call_1", ("Read code", "in_progress")),
        item("event_msg", {"type": "user_message", "message": "continue"}),
    ]
    (tmp_path / f"rollout-2026-03-01T10-00-00-{child}.jsonl").write_text("\n".join(fork) + "\n")
    report = cli("import", "codex", str(tmp_path), "--json").json()
    assert report["imported"] == {"sessions": 2, "turns": 0, "tasks": 1, "updated": 0}
    legacy_session = [s for s in cli("session", "list", "--json").json()["sessions"] if s["started_at"].startswith("2025")]
    assert legacy_session and len(legacy_session[0]["turns"]) == 1


def test_sessions_land_in_the_recorded_branch_memory(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    git(initialised, "checkout", "-q", "-b", "feature")
    cli("status")
    git(initialised, "checkout", "-q", "main")
    lines = [
        meta_line(initialised, SID, git={"branch": "feature"}),
        item("event_msg", {"type": "user_message", "message": "work on the feature"}),
    ]
    (tmp_path / f"rollout-2026-03-01T10-00-00-{SID}.jsonl").write_text("\n".join(lines) + "\n")
    main_before = memory_tip(initialised)
    cli("import", "codex", str(tmp_path))
    assert memory_tip(initialised) == main_before
    assert cli("session", "list", "--json", cwd=initialised).json()["sessions"] == []
    git(initialised, "checkout", "-q", "feature")
    assert len(cli("session", "list", "--json").json()["sessions"]) == 1


def test_help_has_examples(cli: Cli) -> None:
    for args in (("import", "-h"), ("import", "codex", "-h"), ("import", "tasks", "-h"), ("mcp", "-h")):
        assert "Example" in cli(*args).out


@pytest.mark.parametrize("refusal", ["unsupported call: update_plan", "failed to parse function arguments: EOF",
                                     "update_plan is a TODO/checklist tool and is not allowed in Plan mode"])
def test_an_update_plan_call_codex_rejected_is_not_mirrored(initialised: Path, cli: Cli, tmp_path: Path,
                                                            refusal: str) -> None:
    lines = [
        meta_line(initialised, SID),
        item("event_msg", {"type": "user_message", "message": "Plan the work"}),
        *plan_call("call_ok", ("Read the code", "in_progress")),
        item("response_item", {"type": "function_call", "name": "update_plan", "call_id": "call_no",
                               "arguments": plan_args(("Read the code", "completed"), ("Rejected step", "pending"))}),
        item("response_item", {"type": "function_call_output", "call_id": "call_no", "output": refusal}),
    ]
    (tmp_path / f"rollout-2026-03-01T10-00-00-{SID}.jsonl").write_text("\n".join(lines) + "\n")
    report = cli("import", "codex", str(tmp_path), "--json").json()
    assert report["skipped"]["update_plan calls Codex refused"] == 1 and report["problems"] == []
    tasks = {t["title"]: t["status"] for t in cli("tasks", "list", "--all", "--json").json()["tasks"]}
    assert tasks == {"Read the code": "in_progress"}


CAPTURED = Path(__file__).resolve().parent / "fixtures" / "agents" / "codex-0.169.0"


def captured_rollout(dest: Path, repo: Path, *, lines: int | None = None, captured: Path = CAPTURED) -> Path:
    """The rollout the real Codex CLI 0.169 wrote in tests/e2e (a session, resumed twice), with
    its recorded work tree replaced by ``repo``; ``lines``: only the first so many lines."""
    src = next(captured.glob("rollout-*.jsonl"))
    text = src.read_text(encoding="utf-8")
    recorded = json.loads(text.splitlines()[0])["payload"]["cwd"]
    kept = text.replace(recorded, str(repo)).splitlines()[:lines]
    dest.mkdir(parents=True, exist_ok=True)
    (dest / src.name).write_text("\n".join(kept) + "\n", encoding="utf-8")
    return dest / src.name


def _first_prompts(cli: Cli) -> list[str]:
    session = cli("session", "list", "--json").json()["sessions"][0]
    return [t["summary"].split("\n")[0] for t in session["turns"]]


def test_a_current_codex_rollout_imports_each_prompt_once_and_nothing_as_a_problem(initialised: Path, cli: Cli,
                                                                                  tmp_path: Path) -> None:
    captured_rollout(tmp_path / "sessions", initialised)
    report = cli("import", "codex", str(tmp_path / "sessions"), "--json").json()
    assert report["problems"] == [] and report["skipped"] == {}, report
    assert _first_prompts(cli) == ["Fix the parser, then update the docs", "Finish the docs", "Anything else?"]
    tasks = sorted((t["title"], t["status"]) for t in cli("tasks", "list", "--all", "--json").json()["tasks"])
    assert tasks == [("Fix the parser", "completed"), ("Read the parser", "completed"), ("Update the docs", "completed")]


def test_a_resumed_rollout_reimports_only_what_it_added(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    path = captured_rollout(tmp_path / "sessions", initialised)
    lines = path.read_text().splitlines()
    resumed_at = next(n for n, line in enumerate(lines) if "Finish the docs" in line)
    first_turn_end = max(n for n, line in enumerate(lines[:resumed_at]) if '"task_complete"' in line) + 1
    captured_rollout(tmp_path / "sessions", initialised, lines=first_turn_end)
    cli("import", "codex", str(tmp_path / "sessions"))
    assert _first_prompts(cli) == ["Fix the parser, then update the docs"]
    assert {t["title"]: t["status"] for t in cli("tasks", "list", "--all", "--json").json()["tasks"]}[
        "Update the docs"] == "in_progress"

    captured_rollout(tmp_path / "sessions", initialised)
    again = cli("import", "codex", str(tmp_path / "sessions"), "--json").json()
    assert again["imported"] == {"sessions": 0, "turns": 2, "tasks": 0, "updated": 0}, again
    assert _first_prompts(cli) == ["Fix the parser, then update the docs", "Finish the docs", "Anything else?"]
    assert {t["title"]: t["status"] for t in cli("tasks", "list", "--all", "--json").json()["tasks"]}[
        "Update the docs"] == "completed"
    tip = memory_tip(initialised)
    third = cli("import", "codex", str(tmp_path / "sessions"), "--json").json()
    assert third["skipped"] == {"session already imported": 1} and memory_tip(initialised) == tip


def test_a_rollout_with_gitmems_hooks_imports_the_prompts_not_the_brief(initialised: Path, cli: Cli,
                                                                       tmp_path: Path) -> None:
    """Recorded after ``git codex setup codex``: the SessionStart brief is a developer message in
    the rollout, the model ran git codex itself; neither is a prompt."""
    captured_rollout(tmp_path / "sessions", initialised, captured=CAPTURED.with_name(CAPTURED.name + "-hooked"))
    report = cli("import", "codex", str(tmp_path / "sessions"), "--json").json()
    assert report["problems"] == [] and report["skipped"] == {}, report
    assert _first_prompts(cli) == ["Fix the parser, then update the docs", "Finish the docs", "Anything else?"]
    tasks = sorted((t["title"], t["status"]) for t in cli("tasks", "list", "--all", "--json").json()["tasks"])
    assert tasks == [("Fix the parser", "completed"), ("Read the parser", "completed"), ("Update the docs", "completed")]
