"""gitmem under the hook managers people use, driven for real: husky and lefthook from npm,
the pre-commit framework from PyPI, and a core.hooksPath shared with other repositories.

Through each manager's recipe (``git codex hooks recipe MANAGER``) memory must follow the
branch as with gitmem's own shims: a new branch forks at once, an amend that changes content
and a rebase remap evidence at once, a merge folds; ``init`` refuses before writing
anything where it cannot install, and ``hooks status`` says who runs what."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import git, npm_tool, run_git_codex

HUSKY = ("husky", "9.1.7")
LEFTHOOK = ("lefthook", "2.2.2")


@pytest.fixture(autouse=True)
def installed_gitmem_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Managers run ``git codex`` from PATH, as a user's shell would find it."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def codex(repo: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = run_git_codex(repo, *args)
    if ok:
        assert result.returncode == 0, f"git codex {args}: {result.stderr}"
    return result


def states(repo: Path) -> dict[str, dict[str, str]]:
    hooks = json.loads(codex(repo, "hooks", "status", "--json").stdout)["hooks"]
    return {h["hook"]: h for h in hooks}


def evidence(repo: Path, task: str) -> list[str]:
    result = codex(repo, "tasks", "show", task, "--json")
    assert "reconcile" not in result.stderr, result.stderr
    return [e["commit"] for e in json.loads(result.stdout)["task"]["evidence"]]


def follows_the_branch(repo: Path) -> None:
    """What gitmem's own shims promise, checked with no gitmem command in between."""
    git(repo, "switch", "-q", "-c", "feature")
    assert git(repo, "rev-parse", "refs/codex/branches/feature") == git(repo, "rev-parse", "refs/codex/branches/main")
    task = codex(repo, "tasks", "add", "Parser").stdout.strip()
    (repo / "parser.py").write_text("one\n")
    git(repo, "add", "parser.py")
    git(repo, "commit", "-q", "-m", "parser")
    codex(repo, "tasks", "complete", task, "--evidence", "HEAD")
    (repo / "parser.py").write_text("one, then changed\n")  # a new patch id: only the hook can tell
    git(repo, "commit", "-q", "-a", "--amend", "-m", "parser, amended")
    assert evidence(repo, task) == [git(repo, "rev-parse", "HEAD").strip()]
    (repo / "more.py").write_text("more\n")
    git(repo, "add", "more.py")
    git(repo, "commit", "-q", "-m", "more")
    reword = {**os.environ, "GIT_SEQUENCE_EDITOR": "sed -i 1s/^pick/reword/", "GIT_EDITOR": "sed -i 1s/$/!/"}
    subprocess.run(["git", "rebase", "-q", "-i", "HEAD~2"], cwd=repo, env=reword, check=True, capture_output=True)
    assert evidence(repo, task) == [git(repo, "rev-parse", "HEAD~1").strip()]
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    titles = [t["title"] for t in json.loads(codex(repo, "tasks", "list", "--all", "--json").stdout)["tasks"]]
    assert "Parser" in titles


def test_husky_init_refuses_before_writing_then_its_recipe_keeps_every_promise(repo: Path) -> None:
    husky = npm_tool(*HUSKY, "husky")
    subprocess.run([str(husky)], cwd=repo, check=True, capture_output=True)
    assert git(repo, "config", "core.hooksPath").strip() == ".husky/_"

    refused = codex(repo, "init", ok=False)
    assert refused.returncode == 1
    assert "husky owns the hooks in" in refused.stderr and ".husky/_" in refused.stderr
    assert "git codex hooks recipe husky" in refused.stderr and "--no-hooks" in refused.stderr
    assert git(repo, "config", "--get", "codex.enabled", check=False) == ""
    assert git(repo, "for-each-ref", "refs/codex") == ""
    post_checkout = states(repo)["post-checkout"]
    assert post_checkout["state"] == "foreign" and post_checkout["manager"] == "husky"

    subprocess.run(["sh"], cwd=repo, input=codex(repo, "hooks", "recipe", "husky").stdout, text=True, check=True)
    done = codex(repo, "init")
    assert "husky runs gitmem's part (.husky/post-checkout)" in done.stderr
    assert {h: s["state"] for h, s in states(repo).items()} == dict.fromkeys(states(repo), "wrapped")
    follows_the_branch(repo)


def test_lefthook_that_put_the_shim_aside_is_named_and_its_recipe_keeps_every_promise(repo: Path) -> None:
    lefthook = npm_tool(*LEFTHOOK, "lefthook")
    codex(repo, "init")
    (repo / "lefthook.yml").write_text("post-checkout:\n  commands:\n    hello:\n      run: echo hello\n")
    subprocess.run([str(lefthook), "install"], cwd=repo, check=True, capture_output=True)
    assert (repo / ".git" / "hooks" / "post-checkout.old").exists()  # lefthook never runs it

    post_checkout = states(repo)["post-checkout"]
    assert post_checkout["state"] == "foreign" and post_checkout["manager"] == "lefthook"
    assert "post-checkout.old" in post_checkout["detail"] and "git codex hooks recipe lefthook" in post_checkout["detail"]
    before = sorted(os.listdir(repo / ".git" / "hooks"))
    refused = codex(repo, "hooks", "install", ok=False)
    assert refused.returncode == 1 and "lefthook owns the hooks" in refused.stderr
    assert sorted(os.listdir(repo / ".git" / "hooks")) == before

    codex(repo, "hooks", "uninstall")
    (repo / "lefthook.yml").write_text(codex(repo, "hooks", "recipe", "lefthook").stdout)
    subprocess.run([str(lefthook), "install"], cwd=repo, check=True, capture_output=True)
    assert {h: s["state"] for h, s in states(repo).items()} == dict.fromkeys(states(repo), "wrapped")
    follows_the_branch(repo)


def test_pre_commit_framework_recipe_keeps_every_promise_without_post_rewrite_stdin(repo: Path, tmp_path: Path,
                                                                                      monkeypatch: pytest.MonkeyPatch
                                                                                      ) -> None:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    (repo / ".pre-commit-config.yaml").write_text(codex(repo, "hooks", "recipe", "pre-commit").stdout)
    pre_commit = [sys.executable, "-m", "pre_commit"]
    subprocess.run([*pre_commit, "install", "-t", "post-checkout", "-t", "post-merge", "-t", "post-rewrite",
                    "-t", "post-commit"], cwd=repo, check=True, capture_output=True)
    done = codex(repo, "init")
    assert "pre-commit runs gitmem's part (.pre-commit-config.yaml)" in done.stderr
    assert "File generated by pre-commit" in (repo / ".git" / "hooks" / "post-rewrite").read_text()
    assert {h: s["state"] for h, s in states(repo).items()} == dict.fromkeys(states(repo), "wrapped")
    follows_the_branch(repo)


def test_without_any_hook_rebuild_follows_an_amend_that_changed_the_patch(repo: Path) -> None:
    codex(repo, "init", "--no-hooks")
    task = codex(repo, "tasks", "add", "Parser").stdout.strip()
    (repo / "parser.py").write_text("one\n")
    git(repo, "add", "parser.py")
    git(repo, "commit", "-q", "-m", "parser")
    codex(repo, "tasks", "complete", task, "--evidence", "HEAD")
    (repo / "parser.py").write_text("one, then changed\n")
    git(repo, "commit", "-q", "-a", "--amend", "-m", "parser, amended")
    assert "reconcile" in codex(repo, "status").stderr
    assert "re-linked 1 commits" in codex(repo, "cache", "reconcile", "--rebuild").stdout
    assert evidence(repo, task) == [git(repo, "rev-parse", "HEAD").strip()]


def test_a_shared_hooks_path_is_refused_unless_asked_for(repo: Path, tmp_path: Path) -> None:
    shared = tmp_path / "team-hooks"
    git(repo, "config", "--global", "core.hooksPath", str(shared))
    refused = codex(repo, "init", ok=False)
    assert refused.returncode == 1
    assert str(shared) in refused.stderr and ".gitconfig" in refused.stderr
    assert "every repository that uses it" in refused.stderr and "--no-hooks" in refused.stderr
    assert git(repo, "config", "--get", "codex.enabled", check=False) == "" and not shared.exists()

    done = codex(repo, "init", "--shared-hooks")
    assert "which other repositories use too" in done.stderr
    assert (shared / "post-checkout").exists()
    git(repo, "switch", "-q", "-c", "feature")
    assert git(repo, "rev-parse", "refs/codex/branches/feature")
    other = tmp_path / "other"
    git(tmp_path, "init", "-q", "-b", "main", str(other))
    git(other, "commit", "-q", "--allow-empty", "-m", "one")
    switched = subprocess.run(["git", "switch", "-c", "topic"], cwd=other, capture_output=True, text=True)
    assert switched.returncode == 0 and "gitmem" not in switched.stderr
    assert git(other, "for-each-ref", "refs/codex") == "" and not (other / ".git" / "codex").exists()


GEMINI_SHELL_GIT = {  # what Gemini CLI 0.61's shell tool puts in its commands' environment (tests/e2e saw it)
    "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_COUNT": "3",
    "GIT_CONFIG_KEY_0": "credential.helper", "GIT_CONFIG_VALUE_0": "",
    "GIT_CONFIG_KEY_1": "core.fsmonitor", "GIT_CONFIG_VALUE_1": "",
    "GIT_CONFIG_KEY_2": "core.hooksPath", "GIT_CONFIG_VALUE_2": "",
}


def test_where_the_environment_turns_hooks_off_status_says_so_and_memory_still_follows(initialised: Path) -> None:
    shell = {**os.environ, **GEMINI_SHELL_GIT}
    assert json.loads(run_git_codex(initialised, "hooks", "status", "--json").stdout)["hooks"][0]["state"] == "installed"
    status = subprocess.run([sys.executable, "-m", "gitmem", "hooks", "status", "--json"], cwd=initialised, env=shell,
                            capture_output=True, text=True, check=True)
    hooks = json.loads(status.stdout)["hooks"]
    assert {h["state"] for h in hooks} == {"not run"} and "core.hooksPath to ''" in hooks[0]["detail"]
    subprocess.run(["git", "checkout", "-q", "-b", "from-gemini"], cwd=initialised, env=shell, check=True)
    assert git(initialised, "for-each-ref", "refs/codex/branches/from-gemini") == ""  # no hook ran
    subprocess.run([sys.executable, "-m", "gitmem", "tasks", "add", "Made in Gemini's shell"], cwd=initialised,
                   env=shell, check=True, capture_output=True)
    assert git(initialised, "for-each-ref", "--format=%(refname)", "refs/codex/branches/from-gemini").strip() == \
        "refs/codex/branches/from-gemini"  # forked lazily by the next git codex command
