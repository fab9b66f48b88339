"""Claims as a team uses them: released by hand or by lease, ordered by time the same way in
every clone, and held by whoever starts a task."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from conftest import Result
from gitmem.core.models import Claim, Stamp
from gitmem.store import claims as claim_store

Cli = Callable[..., Result]


def ready_for(cli: Cli, agent: str) -> list[str]:
    return [t["id"] for t in cli("tasks", "next", "-n", "9", "--agent", agent, "--json").json()["tasks"]]


def test_a_claim_can_be_released_by_hand(initialised: Path, cli: Cli) -> None:
    task = cli("tasks", "add", "Crashed agent's task").out.strip()
    cli("tasks", "next", "--claim", "--agent", "crashed")
    assert task not in ready_for(cli, "bob")
    released = cli("tasks", "release", task, "--json").json()
    assert released["released"] == {"task": task, "agent": "crashed"}
    assert task in ready_for(cli, "bob")
    assert "nothing to release" in cli("tasks", "release", task).err


def test_block_and_reopen_give_the_task_back(initialised: Path, cli: Cli) -> None:
    task = cli("tasks", "add", "Blocked for a while").out.strip()
    cli("tasks", "next", "--claim", "--agent", "ana")
    cli("tasks", "block", task, "--reason", "waiting for the API")
    cli("tasks", "reopen", task)
    assert task in ready_for(cli, "bob")


def test_a_claim_expires_after_its_lease(initialised: Path, cli: Cli) -> None:
    from conftest import git

    task = cli("tasks", "add", "Leased").out.strip()
    git(initialised, "config", "codex.claimLease", "1s")
    cli("tasks", "next", "--claim", "--agent", "ana")
    assert task not in ready_for(cli, "bob")
    time.sleep(2.1)
    assert task in ready_for(cli, "bob")
    assert cli("tasks", "next", "--claim", "--agent", "bob").out.startswith(task)
    git(initialised, "config", "codex.claimLease", "soon")
    assert "codex.claimLease" in cli("tasks", "next", expect=1).err


def test_concurrent_claims_are_ordered_by_time_whatever_the_actor_ids() -> None:
    """A total order: the Lamport stamp, then the time, then the actor, then the agent."""
    early = Claim("t-aaaaaaaaaa", "zed", "zzzzzz", "main", "2026-12-01T10:00:00Z", Stamp(5, "zzzzzz"))
    late = Claim("t-aaaaaaaaaa", "amy", "aaaaaa", "main", "2026-12-01T10:00:05Z", Stamp(5, "aaaaaa"))
    for events in ([early, late], [late, early]):
        assert claim_store.holder(events, now=None, lease=None) == early
    tie = late._replace(at=early.at)
    assert claim_store.holder([early, tie], now=None, lease=None) == tie  # same time and stamp: actor decides


def test_starting_a_task_holds_it(initialised: Path, cli: Cli) -> None:
    task = cli("tasks", "add", "Started by a person").out.strip()
    cli("tasks", "start", task, "--agent", "pat")
    assert task not in ready_for(cli, "robot")
    assert cli("tasks", "next", "--claim", "--agent", "robot").err.startswith("nothing ready")
    taken = cli("tasks", "start", task, "--agent", "robot", expect=1)
    assert "claimed by pat" in taken.err and "git codex tasks release" in taken.err
