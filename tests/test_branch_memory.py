"""Memory follows the branch: real checkouts, amends, rebases and merges with hooks installed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from conftest import git, run_git_codex


def codex(repo: Path, *args: str, ok: bool = True) -> str:
    result = run_git_codex(repo, *args)
    if ok:
        assert result.returncode == 0, f"git codex {args}: {result.stderr}"
    return result.stdout


def titles(repo: Path) -> list[str]:
    return sorted(t["title"] for t in json.loads(codex(repo, "tasks", "list", "--all", "--json"))["tasks"])


def commit(repo: Path, name: str, content: str = "x\n") -> str:
    (repo / name).write_text(content)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"change {name}")
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def project(repo: Path) -> Path:
    codex(repo, "init")
    codex(repo, "tasks", "add", "Roadmap task")
    return repo


def test_switch_forks_from_the_start_point(project: Path) -> None:
    git(project, "switch", "-q", "-c", "feature")
    assert git(project, "rev-parse", "refs/codex/branches/feature") == git(project, "rev-parse", "refs/codex/branches/main")
    codex(project, "tasks", "add", "Feature task")
    git(project, "switch", "-q", "main")
    git(project, "checkout", "-q", "-b", "f3", "feature")
    assert titles(project) == ["Feature task", "Roadmap task"]
    git(project, "switch", "-q", "main")
    assert titles(project) == ["Roadmap task"]


def test_amend_and_rebase_remap_evidence_and_notes(project: Path) -> None:
    git(project, "switch", "-q", "-c", "feature")
    task = codex(project, "tasks", "add", "Parser").strip()
    first = commit(project, "parser.py")
    codex(project, "tasks", "complete", task, "--evidence", "HEAD")
    codex(project, "session", "log", "Wrote the parser")
    codex(project, "session", "end", "--summary", "Parser done")
    git(project, "commit", "-q", "--amend", "-m", "parser, amended")
    amended = git(project, "rev-parse", "HEAD").strip()
    assert amended != first
    evidence = json.loads(codex(project, "tasks", "show", task, "--json"))["task"]["evidence"]
    assert [e["commit"] for e in evidence] == [amended]
    assert "Parser done" in git(project, "log", "--notes=codex", "-1")

    git(project, "switch", "-q", "main")
    commit(project, "main.txt")
    codex(project, "tasks", "add", "Added on main later")
    git(project, "switch", "-q", "feature")
    git(project, "rebase", "-q", "main")
    rebased = git(project, "rev-parse", "HEAD").strip()
    assert rebased != amended
    evidence = json.loads(codex(project, "tasks", "show", task, "--json"))["task"]["evidence"]
    assert [e["commit"] for e in evidence] == [rebased]
    assert "Parser done" in git(project, "log", "--notes=codex", "-1")
    assert "Added on main later" in titles(project)
    # The old commit keeps its note too (a teammate may still have it).
    assert "Parser done" in git(project, "notes", "--ref=codex", "show", amended)


def test_merge_folds_branch_memory_into_the_roadmap(project: Path) -> None:
    git(project, "switch", "-q", "-c", "feature")
    task = codex(project, "tasks", "add", "Feature task").strip()
    commit(project, "feature.txt")
    codex(project, "tasks", "complete", task)
    git(project, "switch", "-q", "main")
    commit(project, "main.txt")
    git(project, "merge", "-q", "--no-edit", "feature")
    shown = json.loads(codex(project, "tasks", "show", task, "--json"))["task"]
    assert shown["status"] == "completed"


def test_merge_that_stopped_on_a_conflict_folds_back_when_committed(project: Path) -> None:
    commit(project, "shared.txt", "base\n")
    git(project, "switch", "-q", "-c", "feature")
    task = codex(project, "tasks", "add", "Conflicting work").strip()
    commit(project, "shared.txt", "feature\n")
    git(project, "switch", "-q", "main")
    commit(project, "shared.txt", "main\n")
    result = git(project, "merge", "feature", check=False)
    assert "CONFLICT" in result
    (project / "shared.txt").write_text("resolved\n")
    git(project, "add", "shared.txt")
    git(project, "commit", "-q", "--no-edit")
    assert task in codex(project, "tasks", "list", "--json")


def test_squash_merge_needs_codex_merge(project: Path) -> None:
    git(project, "switch", "-q", "-c", "feature")
    codex(project, "tasks", "add", "Squashed work")
    commit(project, "feature.txt")
    git(project, "switch", "-q", "main")
    git(project, "merge", "-q", "--squash", "feature")
    git(project, "commit", "-q", "-m", "squashed feature")
    assert "Squashed work" not in titles(project)
    status = json.loads(codex(project, "status", "--json"))
    assert status["unmerged_memories"] == ["feature"]  # noticed while the branch still exists
    out = codex(project, "merge", "feature")
    assert "merged" in out or "fast-forward" in out
    assert "Squashed work" in titles(project)


def test_existing_hooks_keep_running_and_uninstall_restores_them(repo: Path, tmp_path: Path) -> None:
    hooks = repo / ".git" / "hooks"
    log = tmp_path / "hook.log"
    checkout = f"#!/bin/sh\necho \"checkout $*\" >> '{log}'\n"
    rewrite = f"#!/bin/sh\necho \"rewrite $1\" >> '{log}'\ncat >> '{log}'\nexit 0\n"
    (hooks / "post-checkout").write_text(checkout)
    (hooks / "post-rewrite").write_text(rewrite)
    (hooks / "post-checkout").chmod(0o755)
    (hooks / "post-rewrite").chmod(0o755)
    codex(repo, "init")
    codex(repo, "hooks", "install")  # twice is a no-op
    status = json.loads(codex(repo, "hooks", "status", "--json"))["hooks"]
    assert {h["hook"]: (h["state"], h["chained"]) for h in status}["post-rewrite"] == ("installed", True)

    git(repo, "switch", "-q", "-c", "other")
    old = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "commit", "-q", "--amend", "-m", "amended")
    new = git(repo, "rev-parse", "HEAD").strip()
    text = log.read_text()
    assert "checkout " in text
    assert f"rewrite amend\n{old} {new}" in text

    codex(repo, "hooks", "uninstall")
    assert (hooks / "post-checkout").read_text() == checkout
    assert (hooks / "post-rewrite").read_text() == rewrite
    assert not (hooks / "post-merge").exists()


def test_a_checkout_runs_gitmem_only_for_a_branch_without_memory(project: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The post-checkout shim answers a switch to a branch that has memory in shell: with one
    git call when the memory ref is a loose file (also from a linked worktree), a second when
    it is packed. Only a branch with no memory yet starts Python (to fork it)."""
    import re

    calls, log = tmp_path / "python-calls", tmp_path / "git-trace"
    spy = tmp_path / "spy-python"
    spy.write_text(f"#!/bin/sh\necho \"$*\" >> '{calls}'\n")
    spy.chmod(0o755)
    hook = project / ".git" / "hooks" / "post-checkout"
    hook.write_text(re.sub(r"^GITMEM_PYTHON=.*$", f"GITMEM_PYTHON='{spy}'", hook.read_text(), flags=re.M))
    git(project, "branch", "with/memory%")
    codex(project, "--branch", "with/memory%", "tasks", "add", "Has memory")
    monkeypatch.setenv("GIT_TRACE", str(log))  # every git command, the hook's included

    def verifies() -> int:
        lines = log.read_text().splitlines() if log.exists() else []
        return sum("git rev-parse -q --verify" in line and "refs/codex/branches/" in line for line in lines)

    assert (project / ".git" / "refs" / "codex" / "branches" / "with%2Fmemory%25").is_file()
    git(project, "switch", "-q", "with/memory%")
    git(project, "switch", "-q", "main")
    other = tmp_path / "wt"
    git(project, "worktree", "add", "-q", "--detach", str(other))
    git(other, "switch", "-q", "with/memory%")
    assert verifies() == 0
    git(other, "switch", "-q", "--detach")
    git(project, "pack-refs", "--all")
    assert not (project / ".git" / "refs" / "codex" / "branches" / "with%2Fmemory%25").exists()
    git(project, "switch", "-q", "with/memory%")
    assert verifies() == 1
    assert not calls.exists()
    git(project, "switch", "-q", "-c", "fresh")
    assert calls.read_text().split()[:5] == ["-I", "-m", "gitmem", "hook", "post-checkout"]
    assert len(calls.read_text().splitlines()) == 1


def test_a_failing_user_hook_keeps_its_exit_status(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "post-commit"
    hook.write_text("#!/bin/sh\nexit 7\n")
    hook.chmod(0o755)
    codex(repo, "init")
    result = run_git_codex(repo, "hooks", "status")
    assert result.returncode == 0
    (repo / "a").write_text("a")
    git(repo, "add", "a")
    # post-commit's status does not fail a commit, but the shim must pass it through.
    shim = repo / ".git" / "hooks" / "post-commit"
    import subprocess

    assert subprocess.run([str(shim)], cwd=repo).returncode == 7


def test_hooks_path_inside_work_tree_is_refused(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", ".husky")
    result = run_git_codex(repo, "init")
    assert result.returncode == 1
    assert "core.hooksPath" in result.stderr and "hint:" in result.stderr
    assert git(repo, "for-each-ref", "refs/codex") == ""


def test_garbage_memory_never_breaks_checkout(project: Path) -> None:
    blob = git(project, "hash-object", "-w", "--stdin", input="not a commit").strip()
    git(project, "switch", "-q", "-c", "side")
    git(project, "update-ref", "refs/codex/branches/main", blob)
    git(project, "update-ref", "-d", "refs/codex/branches/side")
    result = subprocess_run(project, "git", "switch", "main")
    assert result.returncode == 0
    result = subprocess_run(project, "git", "switch", "-c", "third")
    assert result.returncode == 0
    assert len([line for line in result.stderr.splitlines() if line.startswith("gitmem")]) <= 1


def subprocess_run(cwd: Path, *args: str):
    import subprocess

    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True)


@pytest.mark.parametrize("name", ["quote'd", 'dq"x', "$(touch${IFS}pwned)", "`touch${IFS}pwned2`", "semi;colon", "ünï/cødé",
                                  "a/b/c", "100%/x"])
def test_hostile_branch_names(project: Path, name: str) -> None:
    git(project, "switch", "-q", "-c", name)
    codex(project, "tasks", "add", f"Task on {name}")
    assert f"Task on {name}" in titles(project)
    git(project, "switch", "-q", "main")
    assert f"Task on {name}" not in titles(project)
    assert not (project / "pwned").exists() and not (project / "pwned2").exists()
    git(project, "switch", "-q", name)
    assert f"Task on {name}" in titles(project)


def test_reset_hard_is_drift_and_branch_rename_keeps_memory(project: Path) -> None:
    commit(project, "one.txt")
    commit(project, "two.txt")
    codex(project, "status")
    git(project, "reset", "-q", "--hard", "HEAD~1")
    status = run_git_codex(project, "status")
    assert "reconcile" in status.stderr
    assert json.loads(codex(project, "cache", "show", "--json"))["drift"] == "diverged"
    codex(project, "cache", "reconcile", "--ignore")
    assert json.loads(codex(project, "cache", "show", "--json"))["drift"] == "none"

    git(project, "switch", "-q", "-c", "old-name")
    codex(project, "tasks", "add", "Travels with the rename")
    git(project, "branch", "-m", "old-name", "new-name")
    assert "Travels with the rename" in titles(project)
    refs = git(project, "for-each-ref", "--format=%(refname)", "refs/codex/branches")
    assert "refs/codex/branches/new-name" in refs and "old-name" not in refs


def test_disabled_gitmem_creates_no_memory_on_checkout(project: Path) -> None:
    git(project, "config", "codex.enabled", "false")
    git(project, "switch", "-q", "-c", "quiet")
    assert "quiet" not in git(project, "for-each-ref", "refs/codex")
    result = run_git_codex(project, "tasks", "list")
    assert result.returncode == 1 and "disabled" in result.stderr


def test_worktree_uses_its_own_branch_memory(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "wt"
    git(project, "worktree", "add", "-q", "-b", "wt-branch", str(other))
    codex(other, "tasks", "add", "Worktree task")
    assert "Worktree task" in titles(other)
    assert "Worktree task" not in titles(project)


def test_interactive_squash_merges_digests(project: Path) -> None:
    git(project, "switch", "-q", "-c", "feature")
    for n in (1, 2):
        commit(project, f"step{n}.txt")
        codex(project, "session", "log", f"step {n}", "--agent", f"agent{n}")
        codex(project, "session", "end", "--summary", f"summary {n}", "--agent", f"agent{n}")
    import os
    import subprocess

    env = {**os.environ, "GIT_SEQUENCE_EDITOR": "sed -i -e '2s/^pick/squash/'", "GIT_EDITOR": "true"}
    result = subprocess.run(["git", "rebase", "-q", "-i", "HEAD~2"], cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    note = git(project, "notes", "--ref=codex", "show", "HEAD")
    assert "summary 1" in note and "summary 2" in note


def test_detached_head_uses_the_last_branch_memory(project: Path) -> None:
    git(project, "switch", "-q", "-c", "feature")
    codex(project, "tasks", "add", "Feature only")
    git(project, "switch", "-q", "--detach", "HEAD")
    result = run_git_codex(project, "tasks", "list")
    assert result.returncode == 0 and "Feature only" in result.stdout
    assert "detached" in result.stderr


def test_one_shared_memory_when_branch_memory_is_off(project: Path) -> None:
    git(project, "config", "codex.branchMemory", "false")
    git(project, "switch", "-q", "-c", "feature")
    codex(project, "tasks", "add", "Shared everywhere")
    git(project, "switch", "-q", "main")
    assert "Shared everywhere" in titles(project)
    assert "feature" not in git(project, "for-each-ref", "refs/codex")


def test_recreated_branch_is_forked_again(project: Path) -> None:
    git(project, "switch", "-q", "-c", "topic")
    codex(project, "tasks", "add", "Old topic work")
    commit(project, "topic.txt")
    git(project, "switch", "-q", "main")
    git(project, "branch", "-q", "-D", "topic")
    commit(project, "unrelated.txt")
    git(project, "switch", "-q", "-c", "topic")
    assert "Old topic work" not in titles(project)
    assert "refs/codex/backups/" in git(project, "for-each-ref", "--format=%(refname)", "refs/codex/backups")


def test_status_suggests_merging_a_deleted_branch_memory_and_prune_archives_it(project: Path) -> None:
    git(project, "switch", "-q", "-c", "gone")
    codex(project, "tasks", "add", "Work on a deleted branch")
    commit(project, "gone.txt")
    git(project, "switch", "-q", "main")
    git(project, "branch", "-q", "-D", "gone")
    status = json.loads(codex(project, "status", "--json"))
    assert status["unmerged_memories"] == ["gone"]
    assert "git codex merge gone" in codex(project, "status")
    assert "has work the roadmap lacks" in codex(project, "prune")
    codex(project, "prune", "--yes")
    assert "refs/codex/branches/gone" in git(project, "for-each-ref", "--format=%(refname)", "refs/codex/branches")
    codex(project, "prune", "--merge", "--yes")
    assert "Work on a deleted branch" in titles(project)
    assert "gone" not in git(project, "for-each-ref", "--format=%(refname)", "refs/codex/branches")


def test_fresh_detached_checkout_reads_the_roadmap_but_does_not_write_it(project: Path, tmp_path: Path) -> None:
    clone = tmp_path / "ci"
    git(project.parent, "clone", "-q", str(project), str(clone))
    for ref in ("refs/codex/branches/main",):
        git(clone, "fetch", "-q", "origin", f"+{ref}:{ref}")
    git(clone, "config", "codex.defaultBranch", "main")
    git(clone, "switch", "-q", "--detach", "HEAD")
    assert "Roadmap task" in codex(clone, "tasks", "list")
    refused = run_git_codex(clone, "tasks", "add", "From CI")
    assert refused.returncode == 1 and "read-only" in refused.stderr and "--branch" in refused.stderr
    codex(clone, "--branch", "main", "tasks", "add", "From CI")
    assert "From CI" in codex(clone, "tasks", "list")
    bad = run_git_codex(clone, "--branch", "a..b", "tasks", "list")
    assert bad.returncode == 1 and "not a valid branch name" in bad.stderr


def test_git_dash_c_settings_reach_gitmem(project: Path) -> None:
    import subprocess

    result = subprocess.run(["git", "-c", "codex.enabled=false", "codex", "tasks", "add", "nope"], cwd=project,
                            capture_output=True, text=True)
    if "is not a git command" in result.stderr:
        pytest.skip("git-codex is not on PATH in this environment")
    assert result.returncode == 1 and "disabled" in result.stderr
    assert "nope" not in titles(project)


def test_rebase_that_drops_a_commit_marks_its_evidence_orphaned_within_the_schema(project: Path) -> None:
    """``rebase -i --autosquash`` folds the fixup in; the commit dropped by the todo list keeps
    its evidence, marked orphaned, in a record fsck and a teammate accept."""
    git(project, "switch", "-q", "-c", "feature")
    task = codex(project, "tasks", "add", "Parser").strip()
    kept = commit(project, "parser.py")
    (project / "parser.py").write_text("fixed\n")
    git(project, "commit", "-q", "-a", "--fixup", kept)
    dropped = commit(project, "scratch.txt")
    codex(project, "tasks", "complete", task, "--evidence", kept, "--evidence", dropped)
    import os
    import subprocess

    env = {**os.environ, "GIT_SEQUENCE_EDITOR": "sed -i -e '/change scratch.txt/s/^pick/drop/'", "GIT_EDITOR": "true"}
    result = subprocess.run(["git", "rebase", "-q", "-i", "--autosquash", "main"], cwd=project, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert git(project, "log", "--format=%s", "main..HEAD").split("\n")[0] == "change parser.py"
    evidence = json.loads(codex(project, "tasks", "show", task, "--json"))["task"]["evidence"]
    squashed = git(project, "rev-parse", "HEAD").strip()
    assert sorted((e["commit"], e.get("orphaned", False)) for e in evidence) == sorted([(squashed, False), (dropped, True)])
    fsck = run_git_codex(project, "fsck")
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr


def test_rebase_i_never_orphans_evidence_on_commits_it_kept(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``rebase -i`` leaves the picks before the first edited commit as they are (post-rewrite
    does not list them): their evidence stays live, through this rebase and the next, and
    only the commit the todo list dropped is orphaned."""
    import os
    import subprocess

    # One committer date throughout: a rebase that recreates a commit unchanged gives it its
    # own id back, so post-rewrite lists it with itself (as within the same second).
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-12-01T10:00:00Z")
    git(project, "switch", "-q", "-c", "feature")
    task = codex(project, "tasks", "add", "Three commits").strip()
    first, second = commit(project, "one.txt"), commit(project, "two.txt")
    third = commit(project, "three.txt")
    codex(project, "tasks", "complete", task, "--evidence", first, "--evidence", second, "--evidence", third)

    def rebase(*args: str, drop: str | None = None) -> None:
        editor = f"sed -i -e '/change {drop}/s/^pick/drop/'" if drop else "true"
        env = {**os.environ, "GIT_SEQUENCE_EDITOR": editor, "GIT_EDITOR": "true"}
        done = subprocess.run(["git", "rebase", "-q", "-i", *args], cwd=project, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    def evidence() -> dict[str, bool]:
        shown = json.loads(codex(project, "tasks", "show", task, "--json"))["task"]["evidence"]
        return {e["commit"]: bool(e.get("orphaned")) for e in shown}

    rebase("main", drop="two.txt")  # one.txt's commit is kept as it is; three.txt's is rewritten
    assert git(project, "rev-parse", "HEAD~1").strip() == first
    rewritten = git(project, "rev-parse", "HEAD").strip()
    assert evidence() == {first: False, second: True, rewritten: False}
    rebase("--force-rebase", "main")  # every commit "rewritten" as itself: nothing is lost or flagged
    live = git(project, "rev-list", "main..HEAD").split()
    found = evidence()
    assert found.pop(second) is True
    assert found == dict.fromkeys(live, False)


@pytest.mark.parametrize("hooks", ["hooks", "lazily"])
def test_fast_forward_merge_folds_branch_memory_into_the_target(project: Path, hooks: str) -> None:
    """git's default merge (and what a fast-forward pull does) folds the branch's memory too."""
    git(project, "switch", "-q", "-c", "feature")
    task = codex(project, "tasks", "add", "Feature task").strip()
    commit(project, "feature.txt")
    codex(project, "tasks", "complete", task)
    git(project, "switch", "-q", "main")
    assert "Feature task" not in titles(project)
    no_hooks = ("-c", "core.hooksPath=/dev/null") if hooks == "lazily" else ()
    git(project, *no_hooks, "merge", "-q", "feature")
    assert git(project, "rev-parse", "HEAD") == git(project, "rev-parse", "feature")  # a fast-forward
    folded = f"tasks/{task[2]}/{task}.toml" in git(project, "ls-tree", "-r", "--name-only", "refs/codex/branches/main")
    assert folded == (hooks == "hooks")  # by the post-merge hook itself; else by the next command
    shown = json.loads(codex(project, "tasks", "show", task, "--json"))["task"]
    assert shown["status"] == "completed"
    assert "Feature task" in titles(project)


def test_branch_recreated_from_the_same_commit_is_forked_again(project: Path) -> None:
    git(project, "switch", "-q", "-c", "topic")
    codex(project, "tasks", "add", "Old topic work")
    git(project, "switch", "-q", "main")
    git(project, "branch", "-q", "-D", "topic")
    time.sleep(1.1)  # a reflog entry's time is in seconds: the new branch's first entry differs only by it
    git(project, "switch", "-q", "-c", "topic")
    assert "Old topic work" not in titles(project)
    assert "refs/codex/backups/" in git(project, "for-each-ref", "--format=%(refname)", "refs/codex/backups")


def test_an_orphaned_flag_on_a_commit_back_in_the_history_is_cleared_by_the_next_remap() -> None:
    """Memory written before the flag was fixed may hold it on live commits: a remap clears it."""
    from gitmem.core import edits
    from gitmem.core.models import Stamp
    from gitmem.engine.rewrite import remap_task

    live, gone = "a" * 40, "b" * 40
    task = edits.new_task("t-aaaaaaaaaa", "Flagged", stamp=Stamp(1, "x"), now="2026-12-03T00:00:00Z")
    for commit in (live, gone):
        task = edits.add_element(task, "evidence", commit, stamp=Stamp(2, "x"), now="2026-12-03T00:00:00Z",
                                 value={"commit": commit, "orphaned": True})
    remapped = remap_task(task, {}, set(), stamp=Stamp(3, "x"), now="2026-12-03T00:00:01Z", live=lambda c: c == live)
    flags = {k: bool(remapped.sets["evidence"][k].value.get("orphaned")) for k in remapped.members("evidence")}
    assert flags == {live: False, gone: True}


def test_a_new_branch_without_commits_is_not_offered_for_merging(project: Path) -> None:
    """Its work is unfinished and its code is not in the roadmap's branch: no hint to fold it."""
    git(project, "switch", "-q", "-c", "idea")
    codex(project, "tasks", "add", "Half an idea")
    git(project, "switch", "-q", "main")
    status = json.loads(codex(project, "status", "--json"))
    assert status["unmerged_memories"] == []
    assert "hint" not in codex(project, "status")


def test_branch_option_on_a_read_leaves_the_worktree_seen_point_alone(project: Path) -> None:
    """``--branch NAME`` reads NAME's memory; the next plain command reports no switch."""
    git(project, "switch", "-q", "-c", "other")
    codex(project, "tasks", "add", "Other's task")
    git(project, "switch", "-q", "main")
    assert json.loads(codex(project, "status", "--json"))["drift"] in ("none", "branch-switch")
    assert json.loads(codex(project, "status", "--json"))["drift"] == "none"
    assert "Other's task" in json.dumps(json.loads(codex(project, "--branch", "other", "tasks", "list", "--json")))
    after = run_git_codex(project, "status", "--json")
    assert json.loads(after.stdout)["drift"] == "none", after.stderr
    assert "switch" not in after.stderr


def test_a_rewrite_unseen_while_away_is_a_divergence_that_reconcile_relinks(project: Path) -> None:
    """Memory last saw feature at X, then main; feature is rebased with no hook running. Back
    on feature that is no plain branch switch: it warns, and reconcile re-links X by patch id
    from the head it had seen on feature."""
    no_hooks = ("-c", "core.hooksPath=/dev/null")
    git(project, "switch", "-q", "-c", "feature")
    task = codex(project, "tasks", "add", "Feature work").strip()
    old = commit(project, "feature.txt")
    codex(project, "tasks", "complete", task, "--evidence", old)
    git(project, "switch", "-q", "main")
    codex(project, "status")
    commit(project, "main.txt")
    codex(project, "status")
    git(project, *no_hooks, "rebase", "-q", "main", "feature")  # checks out feature, rewritten
    new = git(project, "rev-parse", "HEAD").strip()
    assert new != old
    for _ in range(2):
        warned = run_git_codex(project, "status", "--json")
        assert json.loads(warned.stdout)["drift"] == "diverged" and "changed while away" in warned.stderr, warned.stderr
    codex(project, "cache", "reconcile", "--rebuild")
    evidence = json.loads(codex(project, "tasks", "show", task, "--json"))["task"]["evidence"]
    assert [(e["commit"], bool(e.get("orphaned"))) for e in evidence] == [(new, False)]
    assert json.loads(codex(project, "status", "--json"))["drift"] == "none"
