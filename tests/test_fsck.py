"""fsck, log, undo and restore on real repositories with memory broken by plumbing."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result, git, memory_tip, plant

Cli = Callable[..., Result]
MEMORY = "refs/codex/branches/main"


def task_file(task_id: str) -> str:
    return f"tasks/{task_id[2]}/{task_id}.toml"


def add(cli: Cli, title: str, *extra: str) -> str:
    return cli("tasks", "add", title, *extra).out.strip()


def tree_of(repo: Path, rev: str) -> str:
    return git(repo, "rev-parse", f"{rev}^{{tree}}").strip()


def content(repo: Path, rev: str) -> str:
    """The memory's records: the tree without meta.toml (whose clock undo keeps at its high-water mark)."""
    return "\n".join(line for line in git(repo, "ls-tree", "-r", rev).splitlines() if not line.endswith("meta.toml"))


def test_fresh_memory_is_clean(initialised: Path, cli: Cli) -> None:
    add(cli, "one")
    result = cli("fsck", "--json")
    doc = result.json()
    assert doc["ok"] is True and doc["problems"] == []
    assert MEMORY in doc["checked"]


def test_broken_blob_on_top_is_named_reported_and_undone(initialised: Path, cli: Cli) -> None:
    repo = initialised
    first = add(cli, "keep me")
    good = memory_tip(repo)
    plant(repo, MEMORY, task_file(first), b'id = "unterminated\n[[[')
    blob = git(repo, "rev-parse", f"{MEMORY}:{task_file(first)}").strip()

    for args in (("tasks", "list"), ("tasks", "show", first), ("status",), ("context",)):
        read = cli(*args, expect=1)
        assert blob[:12] in read.err and task_file(first) in read.err, args
        assert "git codex undo" in read.err and "git codex restore" in read.err and "git codex fsck" in read.err
        assert "Traceback" not in read.err

    found = cli("fsck", expect=1)
    assert f"{MEMORY}:{task_file(first)}" in found.out and "not valid TOML" in found.out
    problems = cli("fsck", "--json", expect=1).json()["problems"]
    assert [(p["ref"], p["path"]) for p in problems] == [(MEMORY, task_file(first))]

    corrupt = memory_tip(repo)
    undone = cli("undo")
    tip = memory_tip(repo)
    assert git(repo, "rev-parse", f"{tip}^").strip() == corrupt  # a new commit: nothing moved backwards
    assert tree_of(repo, tip) == tree_of(repo, good)
    assert "backups" in undone.err
    assert cli("tasks", "list", "--json").json()["tasks"][0]["id"] == first
    cli("fsck")


def test_undo_skips_several_corrupt_commits(initialised: Path, cli: Cli) -> None:
    repo = initialised
    first = add(cli, "first")
    good = memory_tip(repo)
    plant(repo, MEMORY, "meta.toml", b"format = 99\n")
    assert "meta.toml" in cli("tasks", "add", "refused", expect=1).err
    plant(repo, MEMORY, "sessions/s-1.toml", b"id = 1\n")
    plant(repo, MEMORY, task_file(first), b"\xff\xfe not utf-8")
    result = cli("undo")
    assert result.err.count("skipped") == 2
    assert tree_of(repo, memory_tip(repo)) == tree_of(repo, good)


def test_undo_twice_takes_back_two_changes_and_restore_takes_any_rev(initialised: Path, cli: Cli) -> None:
    repo = initialised
    a = add(cli, "a")
    add(cli, "b")
    add(cli, "c")
    first = cli("undo")
    assert "took back" in first.out and "deleted" in first.out and "(c)" in first.out
    titles = sorted(t["title"] for t in cli("tasks", "list", "--json").json()["tasks"])
    assert titles == ["a", "b"]
    second = cli("undo")
    assert "(b)" in second.out
    assert [t["id"] for t in cli("tasks", "list", "--json").json()["tasks"]] == [a]
    cli("restore", f"{MEMORY}~2")  # the commit that added c
    assert len(cli("tasks", "list", "--json").json()["tasks"]) == 3
    log = cli("log", "--json").json()["commits"]
    assert [c["operation"].split(":")[0] for c in log[:3]] == ["restore", "undo", "undo"]
    assert log[3]["operation"].startswith("tasks add ") and log[3]["operation"].endswith(": c")
    assert log[0]["trailers"]["Codex-Restored-From"] and log[1]["trailers"]["Codex-Undo-Of"]
    assert log[0]["author"] and log[0]["date"]
    text = cli("log", "-n", "2").out.splitlines()
    assert len(text) == 2 and "restore" in text[0]
    bad = cli("restore", "no-such-rev", expect=1)
    assert "no commit named" in bad.err
    cli("restore", "--", "-rf", expect=1)
    assert "clock = " in git(repo, "show", f"{MEMORY}:meta.toml")


def test_undo_takes_back_one_field_and_keeps_what_changed_since(initialised: Path, cli: Cli) -> None:
    task = add(cli, "Parser")
    cli("tasks", "edit", task, "--title", "Parser v2", "--priority", "1")
    cli("tasks", "start", task)  # a later change of another field
    cli("tasks", "edit", task, "--title", "Parser v3")
    result = cli("undo")  # takes back the last title only
    assert "title back to 'Parser v2'" in result.out, result.out
    shown = cli("tasks", "show", task, "--json").json()["task"]
    assert (shown["title"], shown["status"], shown["priority"]) == ("Parser v2", "in_progress", 1)
    cli("undo")  # the start
    shown = cli("tasks", "show", task, "--json").json()["task"]
    assert (shown["title"], shown["status"]) == ("Parser v2", "pending")


def test_restore_refuses_a_corrupt_rev_and_undo_at_the_root(initialised: Path, cli: Cli) -> None:
    repo = initialised
    err = cli("undo", expect=1).err
    assert "no change of this clone's left to undo" in err
    corrupt = plant(repo, MEMORY, "meta.toml", b"not toml [")
    err = cli("restore", corrupt, expect=1).err
    assert "not a good memory commit" in err and "meta.toml" in err
    assert "has no memory of its own" in cli("log", "--branch", "nope", expect=1).err


def test_graph_problems_ref_kinds_and_claims(initialised: Path, cli: Cli) -> None:
    repo = initialised
    a = add(cli, "a")
    b = add(cli, "b", "--after", a)
    text_a = git(repo, "show", f"{MEMORY}:{task_file(a)}")
    text_b = git(repo, "show", f"{MEMORY}:{task_file(b)}")
    # a cycle (a depends on b), a dangling dependency, a duplicate id, a non-commit ref, a bad claim
    cycle = text_a + f'\n[sets.depends_on]\n{b} = {{ add = "9@abcdefghij" }}\nt-zzzzzzzzzz = {{ add = "9@abcdefghij" }}\n'
    plant(repo, MEMORY, task_file(a), cycle.encode())
    plant(repo, MEMORY, "tasks/zz/" + os.path.basename(task_file(b)), text_b.encode())
    git(repo, "update-ref", "refs/codex/branches/broken", tree_of(repo, MEMORY))
    git(repo, "update-ref", "refs/codex/claims", memory_tip(repo))  # exists, but holds no claims dir
    claim = b'task = "t-aaaaaaaaaa"\nevents = [1]\n'
    plant(repo, "refs/codex/claims", "claims/t-aaaaaaaaaa.toml", claim)
    doc = cli("fsck", "--json", expect=1).json()
    text = "\n".join(f"{p['ref']} {p['path']} {p['problem']}" for p in doc["problems"])
    assert "dependency cycle" in text
    assert "missing task t-zzzzzzzzzz" in text
    assert "duplicate task id" in text or "misplaced" in text
    assert "refs/codex/branches/broken" in text and "not a commit" in text
    assert "refs/codex/claims claims/t-aaaaaaaaaa.toml" in text


def test_stale_lock_is_named_by_writers_and_cleared_by_repair(initialised: Path, cli: Cli) -> None:
    repo = initialised
    lock = repo / ".git" / "refs" / "codex" / "branches" / "main.lock"
    lock.write_text("")
    assert "held right now" in cli("fsck").err  # a fresh lock: a writer may be busy
    old = time.time() - 120
    os.utime(lock, (old, old))
    err = cli("tasks", "add", "blocked", expect=1).err
    assert str(lock) in err and "git codex fsck --repair" in err
    found = cli("fsck", expect=1)
    assert "stale lock" in found.out
    fixed = cli("fsck", "--repair")
    assert "removed the stale lock" in fixed.err and not lock.exists()
    add(cli, "after repair")
    cli("fsck")
    kinds = [e for e in cli("stats", "--json").json()["kinds"]]
    assert "cas-retry" in kinds


def test_orphan_notes_are_reported_and_dropped_after_a_backup(initialised: Path, cli: Cli) -> None:
    repo = initialised
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "notes", "--ref", "refs/notes/codex", "add", "-m", '[sessions.s1]\nsummary = "x"', head)
    missing = "ab" * 20
    note_blob = git(repo, "hash-object", "-w", "--stdin", input='[sessions.s2]\nsummary = "y"\n').strip()
    git(repo, "notes", "--ref", "refs/notes/codex", "add", "-C", note_blob, head, check=False)
    plant(repo, "refs/notes/codex", missing, b'[sessions.s2]\nsummary = "y"\n')
    found = cli("fsck", "--json", expect=1).json()
    assert [(p["path"], p["repair"]) for p in found["problems"]] == [(missing, "orphan-note")]
    fixed = cli("fsck", "--repair", "--json").json()
    assert fixed["ok"] and fixed["backups"] and "dropped 1 orphan" in fixed["repaired"][0]
    assert git(repo, "notes", "--ref", "refs/notes/codex", "list").split()[1] == head
    cli("fsck")


@pytest.mark.parametrize("how", ["missing", "blob"])
@pytest.mark.parametrize("way_back", ["undo", "fsck --repair"])
def test_a_tip_that_is_not_a_commit_is_recovered_with_gitmem_commands(initialised: Path, cli: Cli, how: str,
                                                                       way_back: str) -> None:
    """A ``gc --prune=now`` race or a bad ``update-ref``: the reflog (or a backup) is the way back."""
    repo = initialised
    add(cli, "one")
    good = memory_tip(repo)
    if how == "missing":
        git(repo, "pack-refs", "--all")
        (repo / ".git" / "refs" / "codex" / "branches").mkdir(parents=True, exist_ok=True)
        (repo / ".git" / "refs" / "codex" / "branches" / "main").write_text("0123456789abcdef0123456789abcdef01234567\n")
    else:
        git(repo, "update-ref", MEMORY, git(repo, "hash-object", "-w", "--stdin", input="junk\n").strip())
    found = cli("fsck", expect=1)
    assert MEMORY in found.out and "not a commit" in found.out
    assert "git codex undo" in found.err and "fsck --repair" in found.err
    read = cli("tasks", "list", expect=1)
    assert "Traceback" not in read.err and MEMORY in read.err
    cli(*way_back.split())
    assert content(repo, memory_tip(repo)) == content(repo, good)
    assert [t["title"] for t in cli("tasks", "list", "--json").json()["tasks"]] == ["one"]
    cli("tasks", "add", "two")
    cli("fsck")
