"""Repeated reads are answered from kept output only while nothing they depend on changed."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import git, run_git_codex
from gitmem.derived import answers


def listed(repo: Path) -> list[str]:
    result = run_git_codex(repo, "tasks", "list", "--json")
    assert result.returncode == 0, result.stderr
    return sorted(t["title"] for t in json.loads(result.stdout)["tasks"])


def test_kept_answers_follow_every_change(initialised: Path) -> None:
    repo = initialised
    run_git_codex(repo, "tasks", "add", "first")
    assert listed(repo) == ["first"]
    assert listed(repo) == ["first"]  # answered from the kept output
    assert list((repo / ".git" / "codex" / "cache" / answers.RESPONSES).iterdir())

    run_git_codex(repo, "tasks", "add", "second")
    assert listed(repo) == ["first", "second"]

    git(repo, "switch", "-q", "-c", "side")
    run_git_codex(repo, "tasks", "add", "side only")
    assert listed(repo) == ["first", "second", "side only"]
    git(repo, "switch", "-q", "main")
    assert listed(repo) == ["first", "second"]

    # A memory ref moved behind gitmem's back (a fetch, another tool) is noticed.
    side = git(repo, "rev-parse", "refs/codex/branches/side").strip()
    git(repo, "update-ref", "refs/codex/branches/main", side)
    assert listed(repo) == ["first", "second", "side only"]

    # Configuration counts too.
    git(repo, "config", "codex.enabled", "false")
    result = run_git_codex(repo, "tasks", "list", "--json")
    assert result.returncode == 1 and "disabled" in result.stderr


def test_a_corrupt_kept_answer_file_is_ignored(initialised: Path) -> None:
    run_git_codex(initialised, "tasks", "add", "only")
    assert listed(initialised) == ["only"]
    for kept in (initialised / ".git" / "codex" / "cache" / answers.RESPONSES).iterdir():
        kept.write_bytes(kept.read_bytes()[:-3] + b"xyz")  # damaged: its seal no longer matches
    assert listed(initialised) == ["only"]
    status = run_git_codex(initialised, "status", "--json")
    assert json.loads(status.stdout)["counts"] == {"pending": 1}


def test_worktrees_packed_refs_and_detached_head(initialised: Path, tmp_path: Path) -> None:
    repo = initialised
    run_git_codex(repo, "tasks", "add", "on main")
    other = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "wt", str(other))
    assert listed(other) == ["on main"]
    run_git_codex(other, "tasks", "add", "in worktree")
    assert listed(other) == ["in worktree", "on main"]
    assert listed(repo) == ["on main"]  # each worktree keeps its own answers
    git(repo, "pack-refs", "--all")
    run_git_codex(repo, "tasks", "add", "after packing")
    git(repo, "pack-refs", "--all")
    assert listed(repo) == ["after packing", "on main"]
    git(repo, "switch", "-q", "--detach", "HEAD")
    assert listed(repo) == ["after packing", "on main"]


def test_a_read_that_moved_the_seen_point_is_not_kept(initialised: Path) -> None:
    repo = initialised
    run_git_codex(repo, "status")
    (repo / "new.txt").write_text("x")
    git(repo, "add", "new.txt")
    git(repo, "commit", "-q", "-m", "ahead")
    first = run_git_codex(repo, "status", "--json")
    assert json.loads(first.stdout)["drift"] == "ahead"
    second = run_git_codex(repo, "status", "--json")
    assert json.loads(second.stdout)["drift"] == "none"
    third = run_git_codex(repo, "status", "--json")
    assert third.stdout == second.stdout


def test_a_kept_answer_is_what_the_full_cli_printed_for_that_very_command_line(initialised: Path) -> None:
    import shutil

    repo = initialised
    first = run_git_codex(repo, "tasks", "add", "first", "-l", "x").stdout.strip()
    run_git_codex(repo, "tasks", "add", "second", "--after", first)
    kept = repo / ".git" / "codex" / "cache" / answers.RESPONSES
    for argv in (["tasks", "next", "-n", "2", "--json"], ["tasks", "next", "--json", "-n", "2"],
                 ["tasks", "list", "--label", "x"], ["tasks", "list", "--status", "pending", "--all", "--json"],
                 ["status"], ["-C", str(repo), "status", "--json"]):
        shutil.rmtree(kept, ignore_errors=True)
        full = run_git_codex(repo, *argv)
        assert full.returncode == 0 and list(kept.iterdir()), argv
        again = run_git_codex(repo, *argv)
        assert (again.returncode, again.stdout, again.stderr) == (0, full.stdout, ""), argv


def test_writes_refusals_and_other_options_are_never_kept(initialised: Path) -> None:
    repo = initialised
    task = run_git_codex(repo, "tasks", "add", "only").stdout.strip()
    kept = repo / ".git" / "codex" / "cache" / answers.RESPONSES
    for argv in (["tasks", "next", "--claim"], ["tasks", "next", "--explain", task], ["tasks", "next", "-n", "0"],
                 ["tasks", "next", "--agent", "a"], ["status", "--dirty"], ["tasks", "list", "extra"], ["status", "-h"]):
        run_git_codex(repo, *argv)
        assert not kept.exists() or not list(kept.iterdir()), argv
    assert answers.request(["tasks", "next", "-n"]) is None
    assert answers.request(["-C", "x", "tasks", "next", "-n", "3"]) == ("x", ("tasks", "next", "-n", "3"))
