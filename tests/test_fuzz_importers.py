"""Every importer reads random bytes and near-valid JSON lines without a traceback.

Only gitmem's own errors (GitmemError: a clear exit 1) may come out; anything else would
reach a user as a crash. Nothing here touches git: importers are files in, records out.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import examples
from gitmem.core.errors import GitmemError
from gitmem.importers import beads, claude, codex, jsonl_tasks, taskmaster
from gitmem.importers.records import Tally

pytestmark = pytest.mark.slow  # fuzz

READERS: dict[str, Callable[[Path, Tally], Any]] = {
    "codex": codex.read_rollout,
    "claude": claude.read_transcript,
    "beads": beads.read,
    "tasks": jsonl_tasks.read,
    "taskmaster": taskmaster.read,
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "payload", "id", "title", "status", "plan", "todos", "message", "content", "name",
                         "arguments", "input", "tasks", "dependencies", "subtasks", "priority", "cwd", "timestamp",
                         "session_meta", "response_item", "depends_on", "labels", "master", "call_id"])
        | st.text(max_size=8), inner, max_size=5),
    max_leaves=20,
)


def run(name: str, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / f"input-{name}.jsonl"
    path.write_bytes(data)
    with contextlib.suppress(GitmemError):  # a clear error is fine; anything else is a crash
        READERS[name](path, Tally())


@pytest.mark.parametrize("name", sorted(READERS))
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_random_bytes(name: str, tmp_path: Path, data: bytes) -> None:
    run(name, tmp_path, data)


@pytest.mark.parametrize("name", sorted(READERS))
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(json_values, max_size=6), cut=st.integers(0, 50))
def test_near_valid_json_lines(name: str, tmp_path: Path, lines: list[Any], cut: int) -> None:
    text = "\n".join(json.dumps(line) for line in lines)
    run(name, tmp_path, (text[: len(text) - cut] if cut else text).encode())
    if name == "taskmaster" and lines:
        run(name, tmp_path, json.dumps(lines[0]).encode())
