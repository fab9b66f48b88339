"""Hostile input to every command that takes text, odd repositories, and shadow mode.

Every case ends in a clear error (exit 1 or 2, ``error:`` and no traceback) or a faithful
round trip; nothing reaches the terminal raw.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_fsck import MEMORY, plant, task_file

from conftest import Result, git, run_git_codex
from gitmem.git.repo import Repo
from gitmem.store import events

Cli = Callable[..., Result]
BAD_UTF8 = "bad \udcff\udcfe bytes"  # what Python makes of non-UTF-8 argv (surrogateescape)
HOSTILE = ["x" * 10_000, "y" * (2 * 1024 * 1024), "nul\x00byte", "esc \x1b[31mred\x1b[0m", "bell\x07", "\x9bcsi", BAD_UTF8,
           "\u202eevil rtl", ""]


def clean(result: Result) -> None:
    assert result.code in (0, 1, 2), result
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    if result.code == 1:
        assert result.err.startswith("error: ")


@pytest.fixture
def task(initialised: Path, cli: Cli) -> str:
    return cli("tasks", "add", "target").out.strip()


def commands(task: str, text: str) -> list[list[str]]:
    return [
        ["tasks", "add", text], ["tasks", "add", "t", "-d", text], ["tasks", "add", "t", "-l", text],
        ["tasks", "add", "t", "--owner", text], ["tasks", "add", "t", "--adr", text], ["tasks", "add", "t", "--parent", text],
        ["tasks", "edit", task, "--title", text], ["tasks", "edit", task, "--description", text],
        ["tasks", "block", task, "--reason", text], ["tasks", "rm", text], ["tasks", "show", text],
        ["tasks", "list", "--label", text], ["tasks", "dep", "add", task, "--on", text],
        ["session", "start", "--agent", text], ["session", "log", text], ["session", "log", "ok", "--action", text],
        ["session", "log", "ok", "--follow-up", text], ["session", "end", "--summary", text], ["session", "show", text],
        ["merge", text], ["restore", text], ["log", "--branch", text], ["plan", "sync", text], ["import", "tasks", text],
    ]


@pytest.mark.parametrize("text", HOSTILE, ids=["10k-title", "2MB", "nul", "esc", "bell", "c1", "bad-utf8", "rtl", "empty"])
def test_every_text_option_errs_cleanly_or_round_trips(task: str, cli: Cli, text: str) -> None:
    for args in commands(task, text):
        if "\x00" in text and args[:2] == ["import", "tasks"]:
            continue  # click.Path stats the name and raises ValueError; a real argv cannot hold a NUL
        clean(cli(*args, expect=None))
    cli("fsck")
    shown = cli("tasks", "list", "--all").out + cli("tasks", "show", task).out + cli("session", "list").out
    assert "\x1b" not in shown and "\x00" not in shown and "\x07" not in shown


def test_text_round_trips_faithfully(initialised: Path, cli: Cli) -> None:
    title = "Ünïcødé ☃ \u202e tab\there"
    description = "line one\n\tindented\n" + "z" * (64 * 1024 - 30)
    task_id = cli("tasks", "add", title, "-d", description, "-l", "ünï").out.strip()
    doc = cli("tasks", "show", task_id, "--json").json()["task"]
    assert (doc["title"], doc["description"], doc["labels"]) == (title, description, ["ünï"])
    assert "\\t" in cli("tasks", "list").out  # tabs are shown escaped in one-line views


def test_hostile_stored_text_is_escaped_on_output(initialised: Path, cli: Cli) -> None:
    task_id = cli("tasks", "add", "plain").out.strip()
    text = git(initialised, "show", f"{MEMORY}:{task_file(task_id)}")
    hostile = '"\\u001b]0;pwned\\u0007 \\u001b[2J \\u202e"'
    plant(initialised, MEMORY, task_file(task_id), text.replace('"plain"', hostile).encode())
    after = cli("tasks", "add", "waits", "--after", task_id).out.strip()
    outputs = [cli(*args) for args in (
        ("tasks", "list"), ("tasks", "show", task_id), ("context",), ("status",), ("tasks", "next"),
        ("tasks", "graph"), ("tasks", "graph", "--format", "dot"), ("tasks", "graph", "--format", "mermaid"),
        ("tasks", "next", "--explain", after), ("tasks", "start", task_id), ("tasks", "next", "--claim"))]
    for result in outputs:
        shown = result.out + result.err
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown, result
    assert json.loads(cli("tasks", "show", task_id, "--json").out)["task"]["title"].startswith("\x1b]0;")


def test_real_argv_bytes_that_are_not_utf8(initialised: Path) -> None:
    for args in ([b"tasks", b"add", b"\xff\xfe"], [b"tasks", b"add", b"ok", b"-l", b"\xff"], [b"log", b"--branch", b"\xff"]):
        result = subprocess.run([sys.executable, "-m", "gitmem", *args], cwd=initialised, capture_output=True)
        assert result.returncode == 1 and result.stderr.startswith(b"error: "), result.stderr


# -- odd repositories --------------------------------------------------------------------


def test_outside_a_repository(tmp_path: Path, cli: Cli) -> None:
    lone = tmp_path / "lone"
    lone.mkdir()
    for args in (("status",), ("tasks", "list"), ("fsck",), ("log",), ("stats",), ("gc",)):
        err = cli(*args, cwd=lone, expect=1).err
        assert "not a git repository" in err and "hint:" in err


def test_empty_and_bare_repositories(tmp_path: Path, cli: Cli) -> None:
    empty = tmp_path / "empty"
    git(tmp_path, "init", "-q", str(empty))
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    for where in (empty, bare):
        for args in (("init",), ("status",), ("tasks", "add", "x"), ("fsck",), ("undo",)):
            err = cli(*args, cwd=where, expect=1).err
            assert "no commits yet" in err and "hint:" in err


def test_bare_clone_with_memory_reads_and_checks(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    cli("tasks", "add", "shared")
    bare = tmp_path / "mirror.git"
    git(tmp_path, "clone", "-q", "--mirror", str(initialised), str(bare))
    assert [t["title"] for t in cli("tasks", "list", "--json", cwd=bare).json()["tasks"]] == ["shared"]
    cli("fsck", cwd=bare)
    assert cli("log", "--json", cwd=bare).json()["commits"]


def test_linked_worktree_shares_memory_and_locks(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    cli("tasks", "add", "from main")
    linked = tmp_path / "linked"
    git(initialised, "worktree", "add", "-q", "-b", "feature", str(linked))
    assert "from main" in cli("tasks", "list", cwd=linked).out
    cli("tasks", "add", "from the worktree", cwd=linked)
    assert "from the worktree" not in cli("tasks", "list").out  # branch memory: it stays on feature
    lock = initialised / ".git" / "refs" / "codex" / "branches" / "feature.lock"
    lock.write_text("")
    os.utime(lock, (time.time() - 300, time.time() - 300))
    assert "stale lock" in cli("fsck", cwd=linked, expect=1).out
    cli("fsck", "--repair", cwd=linked)
    cli("tasks", "add", "after", cwd=linked)
    assert len(cli("log", "--json", cwd=linked).json()["commits"]) >= 3


def test_shallow_clone(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    cli("tasks", "add", "deep")
    git(initialised, "commit", "-q", "--allow-empty", "-m", "second")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{initialised}", str(shallow))
    assert Repo.discover(str(shallow)).is_shallow
    clean(cli("status", cwd=shallow, expect=None))  # no memory fetched yet: a clear answer
    git(shallow, "fetch", "-q", "origin", "refs/codex/*:refs/codex/*")
    assert "deep" in cli("tasks", "list", cwd=shallow).out
    cli("tasks", "add", "shallow write", cwd=shallow)
    cli("fsck", cwd=shallow)
    cli("undo", cwd=shallow)


# -- shadow mode ---------------------------------------------------------------------------


def test_disabled_memory_says_so_and_hooks_do_nothing(initialised: Path, cli: Cli) -> None:
    repo = initialised
    git(repo, "config", "codex.enabled", "false")
    for args in (("tasks", "add", "x"), ("tasks", "list"), ("undo",), ("gc",)):
        err = cli(*args, expect=1).err
        assert "disabled" in err and "codex.enabled" in err
    result = subprocess.run(["git", "checkout", "-q", "-b", "shadow"], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""
    assert git(repo, "for-each-ref", "refs/codex/branches/shadow") == ""


def test_a_failing_hook_warns_once_records_an_event_and_never_fails_git(initialised: Path) -> None:
    repo = initialised
    blob = git(repo, "hash-object", "-w", "--stdin", input="garbage").strip()
    git(repo, "update-ref", "refs/codex/branches/elsewhere", blob)  # garbage memory: fsck names it
    seen = repo / ".git" / "codex" / "seen.json"  # per-worktree state that cannot be written
    seen.unlink(missing_ok=True)
    seen.mkdir()
    (seen / "x").write_text("")
    for command in (["checkout", "-q", "-b", "next"], ["checkout", "-q", "-b", "third"]):
        result = subprocess.run(["git", *command], cwd=repo, capture_output=True, text=True)
        assert result.returncode == 0
        warned = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(warned) == 1 and warned[0].startswith("gitmem: warning: post-checkout hook failed"), warned
    failures = [e for e in events.read(Repo.discover(str(repo))) if e["kind"] == "hook-failure"]
    assert len(failures) == 2 and failures[0]["hook"] == "post-checkout"
    assert json.loads(run_git_codex(repo, "stats", "--json").stdout)["hook_failures"] == 2
    assert "not a commit" in run_git_codex(repo, "fsck").stdout


def test_error_messages_escape_what_they_quote(initialised: Path, cli: Cli) -> None:
    task_id = cli("tasks", "add", "plain").out.strip()
    err = cli("tasks", "dep", "add", task_id, "--on", "t-\x1b]0;pwned\x07\u202e", expect=1).err
    assert err.startswith("error: ") and "\x1b" not in err and "\u202e" not in err, err
