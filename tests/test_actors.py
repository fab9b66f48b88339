"""Actors per clone and per memory ref: stamps of one actor form one chain."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Result, git
from gitmem.core.errors import InvalidInput
from gitmem.core.models import Stamp
from gitmem.engine.workspace import Workspace
from gitmem.git.repo import Repo
from gitmem.services import editor
from gitmem.store import local, schema
from gitmem.store.records import task_document

Cli = Callable[..., Result]


def _actor_pattern() -> str:
    pattern: str = schema.load_schema("task")["$defs"]["actor"]["pattern"]
    return pattern


def test_actor_per_ref_is_stable_and_renewed_on_request(repo: Path) -> None:
    r = Repo.discover(str(repo))
    clone = local.actor_id(r)
    main = local.actor_for(r, "refs/codex/branches/main")
    assert main.startswith(clone + local.ACTOR_SEPARATOR)
    assert re.fullmatch(_actor_pattern(), main)
    assert local.actor_for(r, "refs/codex/branches/main") == main
    other = local.actor_for(r, "refs/codex/branches/feature")
    assert other != main and other.startswith(clone)
    fresh = local.new_actor_for(r, "refs/codex/branches/main")
    assert fresh != main
    assert local.actor_for(r, "refs/codex/branches/main") == fresh
    assert local.actor_for(r, "refs/codex/branches/feature") == other
    table: dict[str, Any] = local.read_json(local.actors_path(r)) or {}
    assert main.rsplit("-", 1)[1] in table["refs/codex/branches/main"]["retired"]


def _stored(repo: Path, task_id: str, branch: str = "main") -> dict[str, Any]:
    path = f"tasks/{task_id[2]}/{task_id}.toml"
    return tomllib.loads(git(repo, "show", f"refs/codex/branches/{branch}:{path}"))


def test_stamps_use_the_ref_actor_and_claims_the_clone_id(initialised: Path, cli: Cli) -> None:
    ws = Workspace.open(str(initialised))
    task = cli("tasks", "add", "First", "--json").json()["task"]["id"]
    doc = _stored(initialised, task)
    assert doc["created_by"] == local.actor_for(ws.repo, "refs/codex/branches/main")
    assert doc["created_by"] != ws.actor_id
    assert all(Stamp.parse(s).actor == doc["created_by"] for s in doc["clock"]["title"])
    cli("tasks", "next", "--claim")
    claims = git(initialised, "log", "-p", "refs/codex/claims")
    assert f'actor = "{ws.actor_id}"' in claims


def test_a_new_branch_memory_gets_a_new_actor(initialised: Path, cli: Cli) -> None:
    task = cli("tasks", "add", "First", "--json").json()["task"]["id"]
    main_actor = _stored(initialised, task)["created_by"]
    git(initialised, "switch", "-q", "-c", "feature")
    cli("tasks", "edit", task, "--title", "On feature")
    doc = _stored(initialised, task, "feature")
    writer = Stamp.parse(doc["clock"]["title"][0]).actor
    assert writer != main_actor
    assert writer.split("-")[0] == main_actor.split("-")[0]
    # The feature write saw main's title write: its vector covers it.
    assert any(Stamp.parse(s) >= Stamp(1, main_actor) and Stamp.parse(s).actor == main_actor
               for s in doc["clock"]["title"][1:])


def test_restore_retires_the_actor_of_the_ref(initialised: Path, cli: Cli) -> None:
    """After the tree goes back, this clone's next writes must not continue the dropped chain."""
    cli("tasks", "add", "First")
    earlier = git(initialised, "rev-parse", "refs/codex/branches/main").strip()
    before = cli("tasks", "add", "Second", "--json").json()["task"]["id"]
    actor = _stored(initialised, before)["created_by"]
    cli("restore", earlier)
    after = cli("tasks", "add", "Third", "--json").json()["task"]["id"]
    assert _stored(initialised, after)["created_by"] not in (actor, "")


def test_editor_refuses_a_fractional_priority() -> None:
    from gitmem.core.edits import new_task

    task = new_task("t-abcdefghij", "x", stamp=Stamp(1, "a"), now="2024-05-01T12:00:00Z")
    for text in ('title = "x"\npriority = 2.0\n', 'title = "x"\npriority = true\n'):
        with pytest.raises(InvalidInput, match="priority"):
            editor.parse(text, task)
    assert editor.parse('title = "x"\npriority = 3\n', task) == {"priority": 3}
    assert schema.errors("task", {**task_document(task), "priority": 2.0})
