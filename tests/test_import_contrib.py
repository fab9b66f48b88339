"""contrib/: the Codex notify script drives a real repository (Claude Code: git codex setup claude)."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result

CONTRIB = Path(__file__).resolve().parents[1] / "contrib"
Cli = Callable[..., Result]


@pytest.fixture
def path_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    bindir = Path(sys.executable).parent
    if not (bindir / "git-codex").exists():
        pytest.skip("git-codex is not installed beside this Python (pip install -e .)")
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return dict(os.environ)


def test_codex_notify_logs_turn_and_syncs_plan(initialised: Path, cli: Cli, tmp_path: Path, path_env: dict[str, str]) -> None:
    created = int(datetime.datetime(2026, 3, 1, 10).timestamp() * 1000)  # a UUIDv7 starts with its time
    thread = f"{created:012x}"[:8] + "-" + f"{created:012x}"[8:] + "-7000-8000-00000000abcd"
    day = tmp_path / "codex" / "sessions" / "2026" / "03" / "01"
    day.mkdir(parents=True)
    (tmp_path / "codex" / "sessions" / "2026" / "02" / "28").mkdir(parents=True)
    def call(n: int, step: str) -> dict[str, object]:
        return {"type": "function_call", "name": "update_plan", "call_id": f"c{n}",
                "arguments": json.dumps({"plan": [{"step": step, "status": "pending"}]})}
    lines = [call(1, "Ship it"), {"type": "function_call_output", "call_id": "c1", "output": "Plan updated"},
             call(2, "Refused step"), {"type": "function_call_output", "call_id": "c2",
                                       "output": "unsupported call: update_plan"}]
    (day / f"rollout-2026-03-01T10-00-00-{thread}.jsonl").write_text("".join(
        json.dumps({"timestamp": "2026-03-01T10:00:00.000Z", "type": "response_item", "payload": p}) + "\n"
        for p in lines))
    event = {"type": "agent-turn-complete", "thread-id": thread, "turn-id": "1", "cwd": str(initialised),
             "input-messages": ["ship the release"], "last-assistant-message": "Released."}
    env = {**path_env, "CODEX_HOME": str(tmp_path / "codex")}
    done = subprocess.run([sys.executable, str(CONTRIB / "codex" / "notify.py"), json.dumps(event)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert [t["title"] for t in cli("tasks", "list", "--json").json()["tasks"]] == ["Ship it"]
    sessions = cli("session", "list", "--json").json()["sessions"]
    assert any(t["summary"] == "ship the release\n→ Released." for s in sessions for t in s["turns"])


def test_completions_are_generated_scripts() -> None:
    for shell in ("bash", "zsh", "fish"):
        text = (CONTRIB / "completions" / f"git-codex.{shell}").read_text()
        assert "_GIT_CODEX_COMPLETE" in text
    assert shutil.which("sh")
