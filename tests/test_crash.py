"""Crash consistency: writers SIGKILLed at random instants, several at once.

Afterwards every memory ref points at a valid memory commit, fsck is clean (after
``--repair`` of locks the killed writers left), and every write that reported success
(exit 0 and an id on stdout) is in memory with its title.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result, git

pytestmark = pytest.mark.slow  # SIGKILL stress: hundreds of killed writers
Cli = Callable[..., Result]
WRITERS = 3
MIN_KILLS = 50
DEADLINE = 45.0

# Imports are paid before READY is written, so the kill delay after it lands inside the
# command itself (drift check, tree and commit writes, the CAS) rather than in start-up.
LAUNCHER = """
import sys
ready = sys.argv[1]
sys.argv = ["gitmem", *sys.argv[2:]]
import pygit2, click, gitmem.cli.main, gitmem.cli.commands.tasks, gitmem.services.tasks
open(ready, "w").close()
sys.exit(gitmem.cli.main.main())
"""


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kills = 0
        self.kills_in_command = 0
        self.successes: dict[str, str] = {}
        self.failures: list[str] = []


def writer(n: int, repo: Path, gate: Path, tally: Tally, rng: random.Random) -> None:
    started = time.monotonic()
    i = 0
    while time.monotonic() - started < DEADLINE:
        with tally.lock:
            if tally.kills >= MIN_KILLS and i >= 8:
                return
        title = f"writer {n} task {i}"
        ready = gate / f"ready-{n}-{i}"
        proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(ready), "-C", str(repo), "tasks", "add", title],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        spawn = time.monotonic()
        # Every fourth write is left to finish, so that writes that land are checked on a slow
        # machine too (where a write can take longer than any kill delay).
        delay = rng.uniform(0.0, 0.3) if i % 4 != 3 else float("inf")
        # Half the kills count from the spawn (any instant, start-up included), half from
        # the moment the command starts (instants inside the write).
        from_ready = i % 2 == 1
        while from_ready and not ready.exists() and proc.poll() is None and time.monotonic() - spawn < 10:
            time.sleep(0.002)
        base = time.monotonic() if from_ready else spawn
        while proc.poll() is None and time.monotonic() - base < delay:
            time.sleep(0.001)
        if proc.poll() is None:
            in_command = ready.exists()
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            with tally.lock:
                tally.kills += 1
                tally.kills_in_command += in_command
        else:
            out, err = proc.communicate()
            with tally.lock:
                if proc.returncode == 0 and out.strip().startswith("t-"):
                    tally.successes[out.strip()] = title
                else:
                    tally.failures.append(err.strip().splitlines()[0] if err.strip() else f"exit {proc.returncode}")
        i += 1


def test_sigkilled_writers_leave_valid_memory(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    repo = initialised
    gate = tmp_path / "gate"
    gate.mkdir()
    tally = Tally()
    threads = [threading.Thread(target=writer, args=(n, repo, gate, tally, random.Random(n))) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    summary = (f"kills={tally.kills} (in the command: {tally.kills_in_command}) successes={len(tally.successes)} "
               f"failures={len(tally.failures)} {tally.failures[:3]}")
    if os.environ.get("CRASH_TALLY"):  # where to write the numbers for a report
        Path(os.environ["CRASH_TALLY"]).write_text(summary + "\n")
    assert tally.kills >= MIN_KILLS
    assert tally.kills_in_command >= 10
    assert tally.successes

    # A killed writer may leave a ref lock; pretend a minute passed, then repair.
    for lock in (repo / ".git" / "refs").rglob("*.lock"):
        os.utime(lock, (time.time() - 120, time.time() - 120))
    cli("fsck", "--repair")
    doc = cli("fsck", "--json").json()
    assert doc["ok"], doc["problems"]
    assert "refs/codex/branches/main" in doc["checked"]
    assert subprocess.run(["git", "fsck", "--no-dangling"], cwd=repo, capture_output=True).returncode == 0

    tasks = {t["id"]: t["title"] for t in cli("tasks", "list", "--all", "--json").json()["tasks"]}
    for task_id, title in tally.successes.items():
        assert tasks.get(task_id) == title, f"{task_id} ({title}) reported success but is missing"
    # Still writable afterwards, and the history is a single chain of complete commits.
    cli("tasks", "add", "after the storm")
    assert git(repo, "rev-list", "--merges", "refs/codex/branches/main") == ""
