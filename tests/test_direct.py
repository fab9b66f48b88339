"""The hot reads run without click, answer exactly as the click commands do, and fail the same way."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result, git, run_git_codex
from gitmem import direct

Cli = Callable[..., Result]


@pytest.mark.parametrize("args", [
    ["status"], ["status", "--json"], ["tasks", "next"], ["tasks", "next", "--json"],
    ["tasks", "list", "--all", "--json"], ["context"], ["-C", "elsewhere", "context", "--json"],
])
def test_plain_spellings_are_taken(args: list[str]) -> None:
    assert direct.parse(args) is not None


@pytest.mark.parametrize("args", [
    ["status", "--dirty"], ["status", "-h"], ["tasks", "--json", "next"], ["tasks", "next", "-n", "2"],
    ["tasks", "next", "--claim"], ["tasks", "list", "--status", "pending"], ["context", "--budget", "10"],
    ["--branch", "main", "status"], ["tasks"], ["status", "extra"], ["context", "--all"], ["tasks", "add", "x"],
])
def test_everything_else_goes_to_click(args: list[str]) -> None:
    assert direct.parse(args) is None


def test_shell_completion_goes_to_click(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_GIT_CODEX_COMPLETE", "bash_complete")
    assert direct.parse(["status"]) is None


def test_direct_answers_match_click(initialised: Path, cli: Cli) -> None:
    first = cli("tasks", "add", "Parse the config", "-p", "1").out.strip()
    cli("tasks", "add", "Wire the CLI", "--after", first)
    cli("session", "log", "Looked around", "--follow-up", "Write docs")
    # The same reads by the direct path and, spelt so that click takes them, by click.
    assert cli("tasks", "next", "--json").json() == cli("tasks", "next", "-n", "1", "--json").json()
    open_statuses = [a for s in ("pending", "in_progress", "blocked") for a in ("--status", s)]
    assert cli("tasks", "list", "--json").json() == cli("tasks", "list", *open_statuses, "--json").json()
    assert cli("status", "--json").json() | {"dirty": None} == cli("status", "--dirty", "--json").json() | {"dirty": None}
    assert cli("context").out == cli("context", "--budget", "6000").out
    assert cli("tasks", "list").out == cli("--branch", "main", "tasks", "list").out


def test_direct_reads_do_not_import_click(initialised: Path, cli: Cli) -> None:
    cli("tasks", "add", "only")
    probe = (
        "import sys\n"
        "from gitmem.main import main\n"
        f"for args in (['status'], ['tasks', 'next', '--json'], ['tasks', 'list'], ['context']):\n"
        f"    assert main(['-C', {str(initialised)!r}, *args]) == 0\n"
        "heavy = [m for m in ('click', 'tomlkit', 'jsonschema', 'subprocess', 'secrets') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"


def test_direct_errors_are_the_clis(repo: Path, tmp_path: Path) -> None:
    missing = run_git_codex(repo, "-C", str(tmp_path / "nowhere"), "status")
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: cannot change to")
    not_set_up = run_git_codex(repo, "tasks", "next", "--json")
    assert not_set_up.returncode == 1
    assert "error:" in not_set_up.stderr and "hint:" in not_set_up.stderr
    assert not_set_up.stdout == ""


def test_direct_reads_follow_drift(initialised: Path) -> None:
    run_git_codex(initialised, "tasks", "add", "on main")
    git(initialised, "switch", "-q", "-c", "feature")
    run_git_codex(initialised, "tasks", "add", "on feature")
    git(initialised, "switch", "-q", "main")
    listed = run_git_codex(initialised, "tasks", "list", "--json")
    assert [t["title"] for t in json.loads(listed.stdout)["tasks"]] == ["on main"]
    status = json.loads(run_git_codex(initialised, "status", "--json").stdout)
    assert status["branch"] == "main" and status["counts"] == {"pending": 1}


def test_kept_task_documents_follow_the_blob(initialised: Path, cli: Cli) -> None:
    """``tasks next`` reuses parsed documents by blob id: a changed task is parsed afresh,
    a damaged cache is ignored."""
    task = cli("tasks", "add", "Parse the config").out.strip()
    first = cli("tasks", "next", "--json").json()
    kept = initialised / ".git" / "codex" / "cache" / "task-documents-v5.marshal"
    assert kept.exists()
    cli("tasks", "start", task)
    cli("tasks", "edit", task, "--title", "Parse the whole config")
    changed = cli("tasks", "next", "--json").json()["tasks"][0]
    assert changed["title"] == "Parse the whole config" and changed["status"] == "in_progress"
    kept.write_bytes(b"\0" * 40)
    assert cli("tasks", "next", "--json").json()["tasks"][0] == changed
    assert first["tasks"][0]["title"] == "Parse the config"


def test_writes_keep_the_documents_of_the_tasks_they_wrote(initialised: Path, cli: Cli) -> None:
    import marshal
    import tomllib

    task = cli("tasks", "add", "Seeded", "-l", "x", "-d", 'quotes " and \\ backslashes\nand lines').out.strip()
    cli("tasks", "start", task)
    tree = git(initialised, "rev-parse", "refs/codex/branches/main^{tree}").strip()
    blob = git(initialised, "rev-parse", f"{tree}:tasks/{task[2:4]}/{task}.toml").strip()
    kept = marshal.loads((initialised / ".git" / "codex" / "cache" / "task-documents-v5.marshal").read_bytes()[20:])
    assert kept[blob][0] == tomllib.loads(git(initialised, "cat-file", "-p", blob))
    assert cli("tasks", "complete", task, "--json").json()["task"]["status"] == "completed"
