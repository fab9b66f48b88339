"""Memory from a hostile remote: one structural check on every path that adopts it.

Each case is pushed to a real bare remote on top of its memory (by plumbing, as an attacker
would) and fetched on the fast-forward path (nothing local since) and on the merge path (a
local change since). The refs are compared before and after: a refused ref leaves local
memory, claims and notes untouched, fetch exits 1 naming ``ref:path: why``, and every other
command keeps working.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from test_sync import CLAIMS, MEMORY, NOTES, REMOTE_MEMORY, Team, no_traceback, publish, rev, state, task_ids
from test_sync import team as team  # the fixture

from conftest import Result, git, plant_all

Cli = Callable[..., Result]


def blob(scratch: Path, data: bytes) -> str:
    return subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=scratch, input=data,
                          capture_output=True, check=True).stdout.decode().strip()


def raw_tree(scratch: Path, entries: list[tuple[str, bytes, str]], *, as_given: bool = False) -> str:
    """A tree object written byte for byte (``git mktree`` refuses the names an attacker uses),
    its entries in git's order so that each case is hostile in one way only."""
    if not as_given:
        entries = sorted(entries, key=lambda e: e[1] + (b"/" if e[0] == "40000" else b""))
    body = b"".join(mode.encode() + b" " + name + b"\0" + bytes.fromhex(oid) for mode, name, oid in entries)
    return subprocess.run(["git", "hash-object", "-w", "-t", "tree", "--literally", "--stdin"], cwd=scratch,
                          input=body, capture_output=True, check=True).stdout.decode().strip()


def entries_of(scratch: Path, tree: str) -> list[tuple[str, bytes, str]]:
    out = []
    for line in git(scratch, "ls-tree", tree).splitlines():
        meta, name = line.split("\t")
        mode, _, oid = meta.split()
        out.append((mode, name.encode(), oid))
    return out


def replace(entries: list[tuple[str, bytes, str]], name: bytes, mode: str, oid: str) -> list[tuple[str, bytes, str]]:
    return [e for e in entries if e[1] != name] + [(mode, name, oid)]


def crafted_memory(scratch: Path, good: str, case: str) -> tuple[str, str]:
    """(a commit on top of ``good`` holding ``case``, the text its refusal must name)."""
    root = entries_of(scratch, f"{good}^{{tree}}")
    tasks_tree = next(oid for _, name, oid in root if name == b"tasks")
    fan = entries_of(scratch, tasks_tree)[0]
    first = entries_of(scratch, fan[2])[0]
    meta = git(scratch, "show", f"{good}:meta.toml")
    if case == "tasks-is-a-blob":
        tree, named = raw_tree(scratch, replace(root, b"tasks", "100644", blob(scratch, b"gone\n"))), "tasks: is a file"
    elif case == "wrong-fan-out":
        other = b"z" if fan[1] != b"z" else b"y"  # any directory but the task's own
        moved = raw_tree(scratch, [fan, ("40000", other, raw_tree(scratch, [first]))])
        tree = raw_tree(scratch, replace(root, b"tasks", "40000", moved))
        named = f"tasks/{other.decode()}/{first[1].decode()}: is misplaced"
    elif case == "duplicate-entry":
        twice = raw_tree(scratch, [fan, ("40000", fan[1], raw_tree(scratch, [first]))])
        tree = raw_tree(scratch, replace(root, b"tasks", "40000", twice))
        named = f"tasks/{fan[1].decode()}: appears twice in its tree"
    elif case == "out-of-order":
        reversed_root = sorted(root, key=lambda e: e[1], reverse=True)
        tree = raw_tree(scratch, reversed_root, as_given=True)
        named = f"{reversed_root[1][1].decode()}: is out of git's tree order"
    elif case in ("clock-bomb", "clock-jump"):
        clock = 10**30 if case == "clock-bomb" else 5_000_000
        bumped = blob(scratch, "\n".join(f"clock = {clock}" if line.startswith("clock =") else line
                                         for line in meta.splitlines()).encode() + b"\n")
        tree = raw_tree(scratch, replace(root, b"meta.toml", "100644", bumped))
        named = "meta.toml: Lamport clock"
    elif case == "symlink":
        bad = raw_tree(scratch, [(m, n, o) for m, n, o in entries_of(scratch, fan[2]) if n != first[1]]
                       + [("120000", first[1], first[2])])
        tree = raw_tree(scratch, replace(root, b"tasks", "40000", raw_tree(scratch, replace(
            entries_of(scratch, tasks_tree), fan[1], "40000", bad))))
        named = f"{first[1].decode()}: is a file of mode 120000, not a regular file"
    elif case == "dot-git":
        tree = raw_tree(scratch, [*root, ("40000", b".git", raw_tree(scratch, [("100644", b"config", blob(scratch, b"x"))]))])
        named = ".git: names git's own directory"
    elif case == "dot-dot":
        tree = raw_tree(scratch, [*root, ("100644", b"..", blob(scratch, b"x"))])
        named = "..: not a file name"
    elif case == "escape-name":
        tree = raw_tree(scratch, [*root, ("100644", b"\x1b]0;pwned\x07", blob(scratch, b"x"))])
        named = "\\u001b]0;pwned\\u0007: has a control"
    else:
        assert case == "unknown-file"
        tree = raw_tree(scratch, [*root, ("100755", b"run-me.sh", blob(scratch, b"#!/bin/sh\n"))])
        named = "run-me.sh: is not part of a gitmem memory"
    return git(scratch, "commit-tree", tree, "-p", good, "-m", "crafted").strip(), named


CASES = ["tasks-is-a-blob", "wrong-fan-out", "duplicate-entry", "out-of-order", "clock-bomb", "clock-jump",
         "symlink", "dot-git", "dot-dot",
         "escape-name", "unknown-file"]


def publish_case(team: Team, case: str) -> str:
    scratch = team.clone("scratch", init=False)
    git(scratch, "fetch", "-q", "origin", f"{MEMORY}:{MEMORY}")
    bad, named = crafted_memory(scratch, git(scratch, "rev-parse", MEMORY).strip(), case)
    publish(team, scratch, MEMORY, bad)
    return named


@pytest.mark.parametrize("path", ["fast-forward", "merge"])
@pytest.mark.parametrize("case", CASES)
def test_a_hostile_memory_commit_is_left_out_on_every_path(team: Team, case: str, path: str) -> None:
    a = team.clone("a")
    team.add(a, "Local work")
    team(a, "push")
    named = publish_case(team, case)
    if path == "merge":
        team.add(a, "Made since")
    before, tasks_before = state(a), task_ids(a)

    result = team(a, "fetch", expect=1)
    no_traceback(result)
    assert f"left out (invalid): {REMOTE_MEMORY}:" in result.err and named in result.err, result.err
    assert "\x1b" not in result.err and "\x07" not in result.err
    assert state(a) == before and task_ids(a) == tasks_before
    assert_only_the_remote_copy_is_bad(team, a)
    listed = team(a, "tasks", "list")
    assert "Local work" in listed.out
    team.add(a, "Still works")
    sync = team(a, "sync", expect=1)  # pushes what it can, says what it left out
    assert named in sync.err
    assert rev(a, MEMORY) != remote_tip(team)

    fresh = team.clone("fresh")  # init adopts what passes the checks, and names the rest
    # (a jump is measured from a local clock: a fresh clone has none, and may adopt it)
    assert (rev(fresh, MEMORY) == remote_tip(team)) == (case == "clock-jump")
    assert_only_the_remote_copy_is_bad(team, fresh)
    team(fresh, "tasks", "list")


def assert_only_the_remote_copy_is_bad(team: Team, clone: Path) -> None:
    """fsck names at most the fetched copy (kept as fetched, outside refs/codex/), nothing local
    (a clock jump is relative to the local clock, so fsck alone does not see one)."""
    found = team(clone, "fsck", expect=None).out.splitlines()
    assert all(line.startswith("refs/codex-remotes/origin/") for line in found if line.strip()), found


def remote_tip(team: Team) -> str:
    return git(team.remote, "rev-parse", MEMORY).strip()


@pytest.mark.parametrize("case", ["tasks-is-a-blob", "clock-bomb", "wrong-fan-out"])
def test_a_plain_git_fetch_of_a_hostile_commit_never_fails_a_command(team: Team, case: str) -> None:
    a = team.clone("a", init_args=("--no-hooks", "--fetch-refspec", "origin"))
    team.add(a, "Local work")
    team(a, "push")
    named = publish_case(team, case)
    before = state(a)
    git(a, "fetch", "-q")
    first = team(a, "tasks", "list")
    assert "Local work" in first.out and named in first.err, first.err
    for command in (("status",), ("tasks", "next"), ("context",), ("tasks", "list")):
        no_traceback(team(a, *command))
    assert state(a) == before
    assert team(a, "tasks", "list").err == ""  # said once per fetched tip, not on every command


def claims_commit(scratch: Path, base: str, task: str, event: str, name: str | None = None) -> str:
    current = git(scratch, "show", f"{base}:claims/{task}.toml")
    record = current + event
    inner = raw_tree(scratch, [("100644", (name or f"{task}.toml").encode(), blob(scratch, record.encode()))])
    tree = raw_tree(scratch, [("40000", b"claims", inner)])
    return git(scratch, "commit-tree", tree, "-p", base, "-m", "claim").strip()


FORGED = '\n[[events]]\nagent = "mallory"\nactor = "zzzz"\nbranch = "main"\nat = "2020-01-01T00:00:00Z"\nstamp = "0@aaaa"\n'


@pytest.mark.parametrize("path", ["fast-forward", "merge"])
def test_a_forged_early_claim_does_not_take_the_task(team: Team, path: str) -> None:
    a = team.clone("a")
    first, second = team.add(a, "One"), team.add(a, "Another")
    task = team(a, "tasks", "next", "--claim", "--agent", "alice", "--json").json()["task"]["id"]
    other = second if task == first else first
    team(a, "push")
    scratch = team.clone("scratch", init=False)
    git(scratch, "fetch", "-q", "origin", f"{CLAIMS}:{CLAIMS}")
    publish(team, scratch, CLAIMS, claims_commit(scratch, git(scratch, "rev-parse", CLAIMS).strip(), task, FORGED))
    if path == "merge":
        team(a, "tasks", "next", "--claim", "--agent", "bob")
    before = state(a)
    result = team(a, "fetch", expect=1)
    assert f"refs/codex-remotes/origin/claims:claims/{task}.toml" in result.err and "forged" in result.err
    assert state(a) == before
    holders = {t["id"]: t.get("owner") for t in team(a, "tasks", "list", "--json").json()["tasks"]}
    assert holders[task] == "alice"
    assert other in holders


def test_a_claim_record_with_a_path_for_a_task_is_refused_without_a_crash(team: Team) -> None:
    a = team.clone("a")
    team.add(a, "Claimed")
    task = team(a, "tasks", "next", "--claim", "--agent", "alice", "--json").json()["task"]["id"]
    team(a, "push")
    scratch = team.clone("scratch", init=False)
    git(scratch, "fetch", "-q", "origin", f"{CLAIMS}:{CLAIMS}")
    base = git(scratch, "rev-parse", CLAIMS).strip()
    text = git(scratch, "show", f"{base}:claims/{task}.toml").replace(f'task = "{task}"', 'task = "../../x"')
    inner = raw_tree(scratch, [("100644", f"{task}.toml".encode(), blob(scratch, text.encode()))])
    publish(team, scratch, CLAIMS, git(scratch, "commit-tree", raw_tree(scratch, [("40000", b"claims", inner)]),
                                       "-p", base, "-m", "x").strip())
    before = state(a)
    result = team(a, "fetch", expect=1)
    no_traceback(result)
    assert f"claims/{task}.toml" in result.err
    assert state(a) == before
    assert not (a.parent / "x").exists() and not (a / "x").exists()


def test_a_huge_note_is_refused_and_never_becomes_a_parent_of_local_notes(team: Team) -> None:
    a = team.clone("a")
    team(a, "session", "log", "work")
    team(a, "session", "end", "--summary", "A's session")
    team(a, "push")
    scratch = team.clone("scratch", init=False)
    git(scratch, "fetch", "-q", "origin", f"{NOTES}:{NOTES}")
    base = git(scratch, "rev-parse", NOTES).strip()
    head = git(scratch, "rev-parse", "HEAD").strip()
    (scratch / "two").write_text("2\n")
    git(scratch, "add", "two")
    git(scratch, "commit", "-q", "-m", "two")
    second = git(scratch, "rev-parse", "HEAD").strip()
    git(scratch, "push", "-q", "origin", "HEAD:main")
    huge = b'[sessions.s-20260101t000000000000-aaaaaa]\nsummary = "' + b"x" * (50 * 1024 * 1024) + b'"\n'
    valid = (b'[sessions.s-20260101t000000000000-bbbbbb]\nagent = "bob"\nbranch = "main"\n'
             b'started_at = "2026-01-01T00:00:00Z"\nended_at = "2026-01-01T01:00:00Z"\nsummary = "B\'s session"\nturns = 1\n')
    entries = [e for e in entries_of(scratch, f"{base}^{{tree}}") if e[1].decode() != head]
    entries += [("100644", head.encode(), blob(scratch, huge)), ("100644", second.encode(), blob(scratch, valid))]
    publish(team, scratch, NOTES, git(scratch, "commit-tree", raw_tree(scratch, entries), "-p", base, "-m", "n").strip())

    git(a, "pull", "-q", "--no-rebase", "origin", "main")
    notes_before = rev(a, NOTES)
    result = team(a, "fetch", expect=1)
    assert f"refs/notes/codex-remotes/origin:{head}" in result.err and "over the" in result.err, result.err
    notes_now = rev(a, NOTES)
    remote_notes = rev(a, "refs/notes/codex-remotes/origin")
    assert notes_now != notes_before  # the valid note was merged ...
    ancestor = subprocess.run(["git", "merge-base", "--is-ancestor", str(remote_notes), str(notes_now)], cwd=a)
    assert ancestor.returncode == 1  # ... but the refused commit is not its ancestor
    digests = team(a, "session", "show", "--commit", head, "--json").json()["sessions"]
    assert [d["summary"] for d in digests.values()] == ["A's session"]


def test_a_misplaced_task_in_local_memory_is_still_read_and_fsck_names_it(initialised: Path, cli: Cli) -> None:
    task = cli("tasks", "add", "Misplaced", "--json").json()["task"]["id"]
    tip = git(initialised, "rev-parse", MEMORY).strip()
    path = f"tasks/{task[2]}/{task}.toml"
    data = subprocess.run(["git", "cat-file", "blob", f"{tip}:{path}"], cwd=initialised, capture_output=True,
                          check=True).stdout
    wrong = "q" if task[2] != "q" else "r"
    plant_all(initialised, MEMORY, {path: None, f"tasks/{wrong}/{task}.toml": data})
    assert cli("tasks", "show", task[:6]).out.splitlines()[1] == "title: Misplaced"
    assert "Misplaced" in cli("tasks", "list").out
    assert "misplaced" in cli("fsck", expect=1).out


# -- and what goes out ------------------------------------------------------------------------


def test_push_leaves_out_local_memory_that_fails_fsck_and_names_it(team: Team) -> None:
    a = team.clone("a")
    task = team.add(a, "Shared")
    team.sync(a)
    sent = rev(team.remote, MEMORY)
    tip = git(a, "rev-parse", MEMORY).strip()
    path = f"tasks/{task[2]}/{task}.toml"
    data = subprocess.run(["git", "cat-file", "blob", f"{tip}:{path}"], cwd=a, capture_output=True, check=True).stdout
    plant_all(a, MEMORY, {path: data.replace(b'status = "pending"', b'status = "bogus"')})
    team(a, "session", "log", "A turn that is fine to share")
    team(a, "session", "end", "--summary", "Shared with the team")
    result = team(a, "push", expect=1)
    no_traceback(result)
    assert f"not pushed (fails fsck): {MEMORY}:{path}: status" in result.err, result.err
    assert "fsck" in result.err and "were not pushed" in result.err
    assert rev(team.remote, MEMORY) == sent  # the bad memory stayed here ...
    assert rev(a, NOTES) is not None and rev(team.remote, NOTES) == rev(a, NOTES)  # ... and the rest went
    assert path in team(a, "fsck", expect=1).out
