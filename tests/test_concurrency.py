"""Many writers at once: real processes racing on the same memory and claims refs."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result, git, memory_tip

MEMORY = "refs/codex/branches/main"
WRITERS = 8

pytestmark = pytest.mark.slow  # stress: concurrent writers and claimers
Cli = Callable[..., Result]

# Runs `python -m gitmem ARGS` once BARRIER exists; imports are paid before, so every
# process reaches the write at (nearly) the same moment.
LAUNCHER = """
import os, runpy, sys, time
ready, barrier = sys.argv[1], sys.argv[2]
sys.argv = ["gitmem", *sys.argv[3:]]
import pygit2, click, gitmem.cli.main, gitmem.cli.commands.tasks, gitmem.services.tasks
open(ready, "w").close()
deadline = time.monotonic() + 30
while not os.path.exists(barrier) and time.monotonic() < deadline:
    time.sleep(0.001)
runpy.run_module("gitmem", run_name="__main__", alter_sys=True)
"""


def race(tmp_path: Path, commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Start one process per command, release them together, wait for all of them."""
    gate = tmp_path / "gate"
    gate.mkdir()
    barrier = gate / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(gate / f"ready-{i}"), str(barrier), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i, args in enumerate(commands)
    ]
    deadline = time.monotonic() + 30
    while len(list(gate.glob("ready-*"))) < len(procs) and time.monotonic() < deadline:
        time.sleep(0.01)
    barrier.touch()
    results = []
    for args, proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=60)
        results.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return results


def commit_count(repo: Path, ref: str = MEMORY) -> int:
    return int(git(repo, "rev-list", "--count", ref))


def test_concurrent_adds_all_land_one_commit_each(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    repo = initialised
    before = commit_count(repo)

    results = race(tmp_path, [["-C", str(repo), "tasks", "add", f"task {i}"] for i in range(WRITERS)])

    for result in results:
        assert result.returncode == 0, result.stderr
    printed = {r.stdout.strip() for r in results}
    tasks = cli("tasks", "list", "--json").json()["tasks"]
    assert {t["id"] for t in tasks} == printed
    assert sorted(t["title"] for t in tasks) == sorted(f"task {i}" for i in range(WRITERS))
    assert commit_count(repo) == before + WRITERS
    assert git(repo, "rev-list", "--merges", MEMORY) == ""
    assert git(repo, "status", "--porcelain") == ""


def test_concurrent_claims_give_each_task_to_one_agent(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    repo = initialised
    ready = {cli("tasks", "add", f"ready {i}").out.strip() for i in range(3)}
    waiting = cli("tasks", "add", "waits", "--after", sorted(ready)[0]).out.strip()
    before = commit_count(repo)

    results = race(
        tmp_path,
        [["-C", str(repo), "tasks", "next", "--claim", "--agent", f"a{i}", "--json"] for i in range(WRITERS)],
    )

    winners: dict[str, str] = {}
    losers = []
    for i, result in enumerate(results):
        assert result.returncode == 0, result.stderr
        doc = json.loads(result.stdout)
        assert doc["kind"] == "claim" and doc["agent"] == f"a{i}"
        if doc["task"] is None:
            losers.append(doc["agent"])
        else:
            assert doc["task"]["id"] not in winners, "a task was claimed twice"
            winners[doc["task"]["id"]] = doc["agent"]
    assert set(winners) == ready
    assert len(losers) == WRITERS - 3

    tasks = {t["id"]: t for t in cli("tasks", "list", "--json").json()["tasks"]}
    for task_id, agent in winners.items():
        assert tasks[task_id]["status"] == "in_progress"
        assert tasks[task_id]["owner"] == agent
    assert tasks[waiting]["status"] == "pending" and tasks[waiting]["owner"] is None
    claim_files = git(repo, "ls-tree", "-r", "--name-only", "refs/codex/claims").split()
    assert sorted(claim_files) == sorted(f"claims/{t}.toml" for t in ready)
    assert commit_count(repo) == before + 3
    assert git(repo, "status", "--porcelain") == ""


def test_losers_are_told_nothing_is_ready(initialised: Path, cli: Cli) -> None:
    task_id = cli("tasks", "add", "only one").out.strip()
    assert cli("tasks", "next", "--claim", "--agent", "first").out.startswith(task_id)
    result = cli("tasks", "next", "--claim", "--agent", "second")
    assert result.out == ""
    assert "nothing ready" in result.err
    # The holder asking again gets its own task back, and nothing is written.
    tip = memory_tip(initialised)
    assert cli("tasks", "next", "--claim", "--agent", "first").out.startswith(task_id)
    assert memory_tip(initialised) == tip


def test_a_claim_is_one_memory_commit_and_completion_releases_it(initialised: Path, cli: Cli) -> None:
    repo = initialised
    task_id = cli("tasks", "add", "claim me").out.strip()
    before = commit_count(repo)

    cli("tasks", "next", "--claim", "--agent", "ana")

    assert commit_count(repo) == before + 1
    assert cli("tasks", "next", "--explain", task_id, "--agent", "bob").out.count("claimed by ana") == 1
    cli("tasks", "complete", task_id)
    cli("tasks", "reopen", task_id)
    # Completion released the claim (a release event in the claim's history): bob may take it.
    assert cli("tasks", "next", "--explain", task_id, "--agent", "bob").out.strip() == f"{task_id} is ready"
    assert "release = true" in git(repo, "show", f"refs/codex/claims:claims/{task_id}.toml")


def test_a_held_lock_is_waited_out(initialised: Path, cli: Cli) -> None:
    lock = initialised / ".git" / "refs" / "codex" / "branches" / "main.lock"
    assert (lock.parent / "main").is_file()  # a loose ref, so the lock file is what git checks
    before = commit_count(initialised)
    lock.write_text("")
    released = threading.Event()

    def release() -> None:
        time.sleep(0.3)
        lock.unlink()
        released.set()

    thread = threading.Thread(target=release)
    thread.start()
    started = time.monotonic()
    try:
        task_id = cli("tasks", "add", "written after the lock").out.strip()
        waited = time.monotonic() - started
    finally:
        thread.join()

    assert released.is_set()
    assert waited >= 0.25  # it retried until the lock went away instead of failing
    assert not lock.exists()
    assert commit_count(initialised) == before + 1
    assert cli("tasks", "show", task_id, "--json").json()["task"]["title"] == "written after the lock"

