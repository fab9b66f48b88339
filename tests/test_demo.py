"""The demo tour runs end to end in a throwaway repository and leaves the current one alone."""

from __future__ import annotations

from pathlib import Path

from conftest import git, run_git_codex


def test_demo_runs_and_touches_nothing_here(repo: Path) -> None:
    before = git(repo, "for-each-ref")
    result = run_git_codex(repo, "demo")
    assert result.returncode == 0, result.stdout + result.stderr
    for expected in ("$ git codex init", "$ git codex tasks next", "$ git codex plan sync plan.json",
                     "$ git codex context", "memory forked from main", "remapped 1 commits",
                     "merged the memory of feature", "Feature-only work"):
        assert expected in result.stdout, expected
    assert git(repo, "for-each-ref") == before
    assert git(repo, "status", "--porcelain") == ""
