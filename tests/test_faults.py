"""Faults of the machine are errors, not bugs: a full disk, a read-only ``.git`` (as inside an
agent's sandbox), a read-only ``.git/codex``. Real mounts (a small tmpfs, read-only bind
mounts) where the test may make them; skipped where it may not."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import git, memory_tip, run_git_codex


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here: {result.stderr.strip()}")


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    _mount("--bind", str(path), str(path))
    try:
        _mount("-o", "remount,ro,bind", str(path))
        yield
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def codex(repo: Path, *args: str, expect: int = 0, input: str | None = None) -> subprocess.CompletedProcess[str]:
    result = run_git_codex(repo, *args, input=input)
    assert result.returncode == expect, f"git codex {args}: {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    return result


def project(path: Path) -> Path:
    git(path, "init", "-q", "-b", "main", str(path / "repo"))
    repo = path / "repo"
    git(repo, "commit", "-q", "--allow-empty", "-m", "initial")
    codex(repo, "init", "--no-hooks")
    codex(repo, "tasks", "add", "Before the fault")
    return repo


def titles(repo: Path) -> list[str]:
    return [t["title"] for t in json.loads(codex(repo, "tasks", "list", "--json").stdout)["tasks"]]


def test_a_full_disk_is_an_error_naming_the_path_and_reads_still_work(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "4m") as disk:
        repo = project(disk)
        codex(repo, "session", "log", "a turn before the disk filled")
        before = memory_tip(repo)
        with contextlib.suppress(OSError), open(disk / "filler", "wb") as fh:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        failed = codex(repo, "tasks", "add", "After the fault", expect=1)
        assert failed.stderr.startswith("error: cannot write ") and "No space left on device" in failed.stderr
        assert str(repo) in failed.stderr and "hint: free some space" in failed.stderr
        assert memory_tip(repo) == before
        codex(repo, "session", "log", "a turn on a full disk", expect=1)
        assert titles(repo) == ["Before the fault"]  # reads work on a full disk
        for args in (("status",), ("context",), ("tasks", "next"), ("session", "show"), ("fsck",)):
            codex(repo, *args)
        (disk / "filler").unlink()
        codex(repo, "tasks", "add", "After the fault")
        assert titles(repo) == ["Before the fault", "After the fault"]


def test_a_read_only_git_dir_says_so_with_the_sandbox_hint(tmp_path: Path) -> None:
    repo = project(tmp_path)
    before = memory_tip(repo)
    with read_only(repo / ".git"):
        for args in (("tasks", "add", "x"), ("session", "log", "a turn")):
            failed = codex(repo, *args, expect=1)
            assert "Read-only file system" in failed.stderr and ".git" in failed.stderr, failed.stderr
            assert "sandbox" in failed.stderr and "git codex import" in failed.stderr
        assert titles(repo) == ["Before the fault"]
        codex(repo, "status")
        codex(repo, "context")
    assert memory_tip(repo) == before


def test_bookkeeping_after_a_landed_commit_never_turns_success_into_failure(tmp_path: Path) -> None:
    """A read-only ``.git/codex`` (caches, session state, events): the memory commit lands, the
    command says so with exit 0, and a retry is never needed (so never duplicates a turn)."""
    repo = project(tmp_path)
    opened = codex(repo, "session", "start", "--agent", "codex").stdout.strip()
    with read_only(repo / ".git" / "codex"):
        codex(repo, "session", "log", "the one turn", "--agent", "codex")
        plan = json.dumps({"plan": [{"step": "Write the parser", "status": "in_progress"}]})
        codex(repo, "plan", "sync", "--format", "codex", "--agent", "codex", input=plan)
        codex(repo, "tasks", "add", "Added while read-only")
    turns = [t["summary"] for t in json.loads(codex(repo, "session", "show", opened, "--json").stdout)["session"]["turns"]]
    assert turns == ["the one turn"]
    assert "Write the parser" in titles(repo) and "Added while read-only" in titles(repo)
    codex(repo, "fsck")


DEEP_JSON = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("case", ["plan-sync", "editor-nesting", "editor-deletes-its-file", "gc-expire",
                                  "undecodable-branch", "taskmaster", "import-tasks", "beads"])
def test_hostile_inputs_are_errors_that_write_nothing(initialised: Path, tmp_path: Path, case: str) -> None:
    repo = initialised
    task = codex(repo, "tasks", "add", "Victim").stdout.strip()
    refs = git(repo, "for-each-ref")
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP_JSON)
    toml = tmp_path / "deep.toml"
    toml.write_text("a = " + DEEP_JSON + "\n")
    env_editor = {"editor-nesting": f"cp {toml}", "editor-deletes-its-file": "rm"}
    if case == "plan-sync":
        failed = codex(repo, "plan", "sync", "--format", "codex", input=DEEP_JSON, expect=1)
    elif case in env_editor:
        result = subprocess.run([sys.executable, "-m", "gitmem", "tasks", "edit", task], cwd=repo, text=True,
                                capture_output=True, env={**os.environ, "GIT_EDITOR": env_editor[case]})
        assert result.returncode == 1, result
        failed = result
    elif case == "gc-expire":
        failed = codex(repo, "gc", "--expire", "99999999999999999", expect=1)
    elif case == "undecodable-branch":
        failed = subprocess.run([sys.executable, "-m", "gitmem", b"--branch", b"x\xff", "tasks", "add", "y"],
                                cwd=repo, capture_output=True, text=True, errors="replace")
        assert failed.returncode == 1, failed
    else:
        lines = tmp_path / "in.jsonl"
        lines.write_text(DEEP_JSON + "\n")
        target = {"taskmaster": deep, "import-tasks": lines, "beads": lines}[case]
        failed = run_git_codex(repo, "import", case.removeprefix("import-"), str(target))
        assert failed.returncode in (0, 1), failed
    assert "Traceback" not in failed.stderr and "internal error" not in failed.stderr, failed.stderr
    assert failed.returncode == 0 or failed.stderr.startswith("error: "), failed.stderr
    if failed.returncode == 0:  # an import that skips the unreadable line, saying so
        assert "skipped" in failed.stderr, failed.stderr
    else:
        assert git(repo, "for-each-ref") == refs  # nothing written
