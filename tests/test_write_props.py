"""Nothing gitmem writes fails its own validation, whatever sequence of writes builds it.

Hypothesis draws sequences of the write paths (task edits, dependencies, deletion, session
turns and ends, plan sync, bulk import, an amend and a rebase that drops a commit with the
hooks installed, reconcile, undo and restore) on a real repository. Under the suite,
``GITMEM_TEST_CHECK_WRITES`` checks every commit against the schemas and the structural
check before its ref moves (a refusal is a bug: exit 3, or a hook failure event the suite
fails on); here, every command must also end in 0 or a clear ``error:``, and ``fsck`` must
find nothing at the end.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import examples, git
from gitmem.cli.main import main

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=30)
STATUSES = ("pending", "in_progress", "completed")

KINDS = ("add", "edit", "start", "complete", "reopen", "cancel", "rm", "block", "dep", "log", "end", "plan",
         "import", "commit", "amend", "drop", "reconcile", "undo", "restore")
PLANS = st.lists(st.tuples(TEXT, st.sampled_from(STATUSES)), min_size=1, max_size=3)
steps = st.lists(st.tuples(st.sampled_from(KINDS), st.one_of(TEXT, PLANS)), min_size=3, max_size=8)


START = [("add", "first"), ("complete", None), ("add", "second"), ("complete", None)]


def codex(repo: Path, *args: str, input: str = "") -> str:
    """``git codex ARGS`` in this process (hooks still run the installed shims): its stdout."""
    out, err = io.StringIO(), io.StringIO()
    stdin, sys.stdin = sys.stdin, io.StringIO(input)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["-C", str(repo), *args])
    finally:
        sys.stdin = stdin
    assert code in (0, 1), f"git codex {args} exited {code}: {err.getvalue()}"
    # A refusal is a user error (drift warnings may come first), never a crash.
    assert code == 0 or any(line.startswith("error: ") for line in err.getvalue().splitlines()), err.getvalue()
    return out.getvalue() if code == 0 else ""


def run_step(repo: Path, tasks: list[str], n: int, kind: str, value: object) -> None:
    task = tasks[-1] if tasks else None
    if kind == "plan" and isinstance(value, list):
        plan = {"plan": [{"step": s, "status": st_} for s, st_ in value]}
        codex(repo, "plan", "sync", "--format", "codex", input=json.dumps(plan))
    elif kind == "add":
        if made := codex(repo, "tasks", "add", "--", str(value)).strip():  # "--": a title may start with "-"
            tasks.append(made)
    elif kind == "edit" and task:
        codex(repo, "tasks", "edit", task, "--title", str(value), "--add-label", "x")
    elif kind == "block" and task:
        codex(repo, "tasks", "block", task, "--reason", str(value))
    elif kind in ("start", "complete", "reopen", "cancel", "rm") and task:
        evidence: tuple[str, ...] = ()
        if kind == "complete":  # work for the task: a commit, given as its evidence
            (repo / f"work{n}.txt").write_text(f"{n}\n")
            git(repo, "add", ".")
            git(repo, "commit", "-q", "-m", f"work {n}")
            evidence = ("--evidence", "HEAD")
        codex(repo, "tasks", kind, task, *evidence)
    elif kind == "dep" and task:
        other = codex(repo, "tasks", "add", "prerequisite").strip()
        codex(repo, "tasks", "dep", "add", task, "--on", other)
    elif kind == "log":
        codex(repo, "session", "log", "--action", "pytest", "--follow-up", str(value), "--", str(value))
    elif kind == "end":
        codex(repo, "session", "end", "--summary", str(value))
    elif kind == "import":
        path = repo.parent / f"import-{n}.jsonl"
        path.write_text(json.dumps({"id": f"ext-{n}", "title": str(value), "labels": ["imported"]}) + "\n")
        codex(repo, "import", "tasks", str(path))
    elif kind == "commit":
        (repo / f"file{n}.txt").write_text(f"{n}\n")
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", f"commit {n}")
    elif kind == "amend":
        git(repo, "commit", "-q", "--amend", "--allow-empty", "-m", f"amended {n}")
    elif kind == "drop" and int(git(repo, "rev-list", "--count", "HEAD")) >= 3:
        # An interactive rebase drops HEAD~ (often a task's evidence) and rewrites HEAD: the
        # post-rewrite hook remaps HEAD's evidence and marks the dropped commit's orphaned.
        env = {**os.environ, "GIT_SEQUENCE_EDITOR": "sed -i -e '1s/^pick/drop/'", "GIT_EDITOR": "true"}
        done = subprocess.run(["git", "rebase", "-q", "-i", "HEAD~2"], cwd=repo, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    elif kind == "reconcile":
        codex(repo, "cache", "reconcile", "--rebuild")
    elif kind == "undo":
        codex(repo, "undo")
    elif kind == "restore":
        codex(repo, "restore", "refs/codex/branches/main~1")


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_every_write_sequence_leaves_memory_that_passes_its_own_checks(tmp_path_factory: object, sequence: list) -> None:
    root = tmp_path_factory.mktemp("writes")  # type: ignore[attr-defined]
    repo = root / "repo"
    git(root, "init", "-q", "-b", "main", str(repo))
    git(repo, "commit", "-q", "--allow-empty", "-m", "initial")
    codex(repo, "init")
    tasks: list[str] = []
    # Two tasks completed with commits as evidence: every rewrite below has evidence to remap.
    for n, (kind, value) in enumerate([*START, *sequence]):
        run_step(repo, tasks, n, kind, value)
    assert main(["-C", str(repo), "fsck"]) == 0
    events = repo / ".git" / "codex" / "events.jsonl"
    failures = [line for line in events.read_text().splitlines() if "hook-failure" in line] if events.exists() else []
    assert not failures, failures[0]
