"""Secrets never reach memory or notes: keys of several providers in every record kind that
holds agent text (turn summaries, actions, follow-ups, approvals, session summaries and their
notes, plan steps, imported prompts, answers, commands and plans), replaced by a marker
naming their kind; ``codex.redact=false`` keeps them; ``stats`` counts them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from test_import_codex import SID, item, meta_line, plan_call

from conftest import Result, git, run_git_codex

Cli = Callable[..., Result]

# Well-known documentation examples and fakes of each provider's shape: never live keys.
SECRETS = {
    "AWS Access Key": "AKIAIOSFODNN7EXAMPLE",
    "GitHub Token": "ghp_" + "a1B2c3D4e5" * 3 + "f6G7h8",
    "Slack Token": "xoxb-" + "123456789012-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx",
    "Stripe Access Key": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "JSON Web Token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
                      "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
}
KEYWORD = ("password: ", "Tr0ub4dor&3horsebattery")  # a password given as a key: value line


def everything(repo: Path) -> str:
    """Every blob of every memory commit and note, as a teammate's clone would hold them."""
    out = git(repo, "log", "-p", "--all", "--format=%B")
    return out + git(repo, "log", "-p", "refs/notes/codex", "--format=%B", check=False)


def assert_redacted(repo: Path) -> None:
    stored = everything(repo)
    for kind, secret in SECRETS.items():
        assert secret not in stored, kind
        assert f"[redacted {kind}]" in stored, kind
    assert KEYWORD[1] not in stored
    assert "[redacted Secret Keyword]" in stored


def leaky(kind: str) -> str:
    return f"used {SECRETS[kind]} here"


def test_session_turns_summaries_and_notes_are_redacted(initialised: Path, cli: Cli) -> None:
    git(initialised, "commit", "-q", "--allow-empty", "-m", "work")
    cli("session", "log", f"Deployed with {SECRETS['AWS Access Key']} and {SECRETS['Stripe Access Key']}",
        "--action", f"curl -H 'Authorization: token {SECRETS['GitHub Token']}' https://api.example.invalid",
        "--follow-up", leaky("Slack Token"), "--approval", leaky("JSON Web Token"))
    cli("session", "end", "--summary", f"done\n{KEYWORD[0]}{KEYWORD[1]}")
    assert_redacted(initialised)
    turn = cli("session", "show", "--json").json()["session"]["turns"][0]
    assert turn["summary"].startswith("Deployed with [redacted AWS Access Key] and [redacted Stripe Access Key]")
    stats = cli("stats", "--json").json()
    assert stats["redactions"] == 6 and stats["redaction_kinds"]["AWS Access Key"] == 1
    assert "redactions:  6" in cli("stats").out


def test_plan_steps_are_redacted(initialised: Path, cli: Cli) -> None:
    steps = [{"step": f"Rotate {kind} {secret}", "status": "pending"} for kind, secret in SECRETS.items()]
    steps.append({"step": f"Set {KEYWORD[0]}{KEYWORD[1]}", "status": "pending"})
    synced = run_git_codex(initialised, "plan", "sync", "--format", "codex", input=json.dumps({"plan": steps}))
    assert synced.returncode == 0, synced.stderr
    titles = [t["title"] for t in cli("tasks", "list", "--json").json()["tasks"]]
    assert "Rotate AWS Access Key [redacted AWS Access Key]" in titles
    assert_redacted(initialised)


def test_imported_prompts_answers_commands_and_plans_are_redacted(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    call = json.dumps({"cmd": f"export STRIPE={SECRETS['Stripe Access Key']}"})
    lines = [
        meta_line(initialised, SID),
        item("event_msg", {"type": "user_message", "message": f"Use {SECRETS['AWS Access Key']}\n{KEYWORD[0]}{KEYWORD[1]}"}),
        item("response_item", {"type": "function_call", "name": "exec_command", "arguments": call, "call_id": "c1"}),
        *plan_call("call_a", (f"Revoke {SECRETS['GitHub Token']}", "pending"), (leaky("Slack Token"), "pending")),
        item("event_msg", {"type": "agent_message", "message": f"Stored {SECRETS['JSON Web Token']} for you."}),
    ]
    (tmp_path / f"rollout-2026-03-01T10-00-00-{SID}.jsonl").write_text("\n".join(lines) + "\n")
    report = cli("import", "codex", str(tmp_path), "--json").json()
    assert report["imported"]["sessions"] == 1
    assert_redacted(initialised)
    assert cli("stats", "--json").json()["redactions"] == 6


def test_redaction_can_be_turned_off_and_ordinary_text_is_untouched(initialised: Path, cli: Cli) -> None:
    ordinary = ("Fixed the auth token refresh in src/auth/keys.py at 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b; "
                "password policy doc updated")
    cli("session", "log", ordinary)
    git(initialised, "config", "codex.redact", "false")
    cli("session", "log", leaky("AWS Access Key"))
    summaries = [t["summary"] for t in cli("session", "show", "--json").json()["session"]["turns"]]
    assert summaries == [ordinary, leaky("AWS Access Key")]
    assert cli("stats", "--json").json()["redactions"] == 0


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_each_kind_is_caught_inside_a_sentence(initialised: Path, cli: Cli, kind: str) -> None:
    result = run_git_codex(initialised, "session", "log", f"({SECRETS[kind]}), then pushed.")
    assert result.returncode == 0, result.stderr
    summary = cli("session", "show", "--json").json()["session"]["turns"][0]["summary"]
    assert summary == f"([redacted {kind}]), then pushed.", summary
