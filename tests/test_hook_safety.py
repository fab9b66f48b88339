"""The hook shims run installed gitmem only: a checked-out branch's files never run."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import git, run_git_codex

PAYLOAD = "import pathlib\npathlib.Path({marker!r}).write_text({name!r})\n"


def plant_hostile_files(repo: Path, marker: Path) -> None:
    """A branch's commit carrying a ``gitmem`` package and stdlib-named modules that would write
    ``marker`` if Python ever imported them from the work tree."""
    (repo / "gitmem").mkdir()
    for name in ("gitmem/__init__.py", "gitmem/__main__.py", "json.py", "os.py", "sitecustomize.py"):
        (repo / name).write_text(PAYLOAD.format(marker=str(marker), name=name))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a colleague's branch")


@pytest.fixture
def hostile(repo: Path, tmp_path: Path) -> tuple[Path, Path]:
    assert run_git_codex(repo, "init").returncode == 0
    marker = tmp_path / "ran-from-the-work-tree"
    git(repo, "switch", "-q", "-c", "review-me")
    plant_hostile_files(repo, marker)
    git(repo, "switch", "-q", "main")
    return repo, marker


def test_checkout_commit_merge_and_rebase_of_a_hostile_branch_run_none_of_its_files(hostile: tuple[Path, Path]) -> None:
    repo, marker = hostile
    # No memory for the branch yet, so post-checkout starts Python to fork it.
    git(repo, "update-ref", "-d", "refs/codex/branches/review-me")
    git(repo, "switch", "-q", "review-me")
    assert not marker.exists(), f"{marker.read_text()} ran from the work tree during git switch"
    assert git(repo, "rev-parse", "-q", "--verify", "refs/codex/branches/review-me", check=False).strip(), \
        "the hook did not run gitmem at all"
    git(repo, "commit", "-q", "--amend", "-m", "amended")  # post-rewrite starts Python
    (repo / "more").write_text("x\n")
    git(repo, "add", "more")
    git(repo, "commit", "-q", "-m", "more")  # post-commit
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge it", "review-me")  # post-merge of a merge commit
    git(repo, "switch", "-q", "-c", "rebased", "review-me")
    git(repo, "rebase", "-q", "--force-rebase", "main~1")
    assert not marker.exists(), f"{marker.read_text()} ran from the work tree during a git command"


def test_the_shim_names_an_isolated_interpreter(hostile: tuple[Path, Path]) -> None:
    repo, _ = hostile
    text = (repo / ".git" / "hooks" / "post-checkout").read_text()
    assert re.search(r"^GITMEM_FLAGS='-I'$", text, flags=re.M)
    assert '"$GITMEM_PYTHON" $GITMEM_FLAGS -m gitmem hook' in text


def hook_states(repo: Path) -> dict[str, str]:
    result = run_git_codex(repo, "hooks", "status", "--json")
    assert result.returncode == 0, result.stderr
    return {h["hook"]: h["state"] for h in json.loads(result.stdout)["hooks"]}


def test_hooks_status_says_broken_when_the_python_is_gone_and_outdated_when_rendered_by_another_gitmem(
        repo: Path, tmp_path: Path) -> None:
    assert run_git_codex(repo, "init").returncode == 0
    assert set(hook_states(repo).values()) == {"installed"}
    hook = repo / ".git" / "hooks" / "post-checkout"
    gone = tmp_path / "deleted-venv" / "bin" / "python"
    hook.write_text(re.sub(r"^GITMEM_PYTHON=.*$", f"GITMEM_PYTHON='{gone}'", hook.read_text(), flags=re.M))
    assert hook_states(repo)["post-checkout"] == "broken"
    assert git(repo, "switch", "-q", "-c", "still-works") == ""  # a broken shim never fails git

    # A shim from before the isolated interpreter: the next hook event rewrites it.
    merge = repo / ".git" / "hooks" / "post-merge"
    merge.write_text(merge.read_text().replace("$GITMEM_FLAGS ", ""))
    assert hook_states(repo)["post-merge"] == "outdated"
    assert run_git_codex(repo, "hook", "post-merge", "0").returncode == 0
    assert hook_states(repo)["post-merge"] == "installed"
    assert run_git_codex(repo, "hooks", "install").returncode == 0
    assert set(hook_states(repo).values()) == {"installed"}


def test_the_alias_and_the_agent_hooks_run_installed_gitmem_only(hostile: tuple[Path, Path]) -> None:
    """init's alias.codex (the git codex of shells without git-codex on PATH) and the hook
    command setup claude writes start gitmem the same isolated way, from the work tree."""
    repo, marker = hostile
    git(repo, "switch", "-q", "review-me")
    bare = {"HOME": os.environ["HOME"], "PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1"}
    listed = subprocess.run(["git", "codex", "tasks", "list", "--all"], cwd=repo, env=bare, capture_output=True,
                            text=True)
    assert listed.returncode == 0, listed.stderr
    # (run_git_codex is "python -m gitmem" from the work tree: it would import the branch's gitmem)
    assert subprocess.run([sys.executable, "-I", "-m", "gitmem", "setup", "claude"], cwd=repo).returncode == 0
    settings = json.loads((Path(os.environ["HOME"]) / ".claude" / "settings.json").read_text())
    command = settings["hooks"]["SessionStart"][0]["hooks"][0]["command"]
    answered = subprocess.run(shlex.split(command), cwd=repo, input='{"hook_event_name": "SessionStart"}',
                              capture_output=True, text=True)
    assert answered.returncode == 0 and "# " in answered.stdout  # the brief
    assert not marker.exists(), f"{marker.read_text()} ran from the work tree"
