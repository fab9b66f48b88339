"""Team sharing (issue 5, design §7): real bare remotes, several clones, real ``git``.

Every test builds a bare remote (``git init --bare -b main``) with one code commit, clones
it as often as it needs, and drives ``git codex`` in-process (``cli`` with ``cwd=``) or as
real processes (``run_git_codex``) where processes must race or the transport matters.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Result, git, run_git_codex

MEMORY = "refs/codex/branches/main"
CLAIMS = "refs/codex/claims"
NOTES = "refs/notes/codex"
REMOTE_MEMORY = "refs/codex-remotes/origin/branches/main"

Cli = Callable[..., Result]


# -- building a team ---------------------------------------------------------------------


class Team:
    """A bare remote and its clones in one temporary directory."""

    def __init__(self, root: Path, cli: Cli) -> None:
        self.root = root
        self.cli = cli
        self.remote = root / "remote.git"
        git(root, "init", "-q", "--bare", "-b", "main", str(self.remote))
        seed = root / "seed"
        git(root, "clone", "-q", str(self.remote), str(seed))
        (seed / "README").write_text("hello\n")
        git(seed, "add", "README")
        git(seed, "commit", "-q", "-m", "initial")
        git(seed, "push", "-q", "origin", "main")

    def clone(self, name: str, *, init: bool = True, url: str | None = None, options: tuple[str, ...] = (),
              init_args: tuple[str, ...] = ("--no-hooks",)) -> Path:
        path = self.root / name
        git(self.root, "clone", "-q", *options, url or str(self.remote), str(path))
        if init:
            self.cli("init", *init_args, cwd=path)
        return path

    def __call__(self, clone: Path, *args: str, expect: int | None = 0) -> Result:
        return self.cli(*args, cwd=clone, expect=expect)

    def add(self, clone: Path, title: str, *options: str) -> str:
        return str(self(clone, "tasks", "add", title, *options, "--json").json()["task"]["id"])

    def show(self, clone: Path, task_id: str) -> dict[str, Any]:
        task = self(clone, "tasks", "show", task_id, "--json").json()["task"]
        assert isinstance(task, dict)
        return task

    def sync(self, clone: Path, *args: str) -> Result:
        return self(clone, "sync", *args)


@pytest.fixture
def team(tmp_path: Path, cli: Cli) -> Team:
    return Team(tmp_path, cli)


def rev(clone: Path, name: str) -> str | None:
    out = subprocess.run(["git", "rev-parse", "-q", "--verify", name], cwd=clone, capture_output=True, text=True)
    return out.stdout.strip() or None


def task_ids(clone: Path, ref: str = MEMORY) -> set[str]:
    """Ids of every task blob in the memory tree (tombstones included)."""
    names = git(clone, "ls-tree", "-r", "--name-only", ref, "--", "tasks").split()
    return {os.path.basename(n).removesuffix(".toml") for n in names}


def remote_refs(remote: Path) -> dict[str, str]:
    out = git(remote, "ls-remote", str(remote))
    return {name: oid for oid, name in (line.split("\t") for line in out.splitlines())}


def state(clone: Path) -> tuple[str | None, ...]:
    return tuple(rev(clone, r) for r in (MEMORY, CLAIMS, NOTES))


def trees(clone: Path) -> tuple[str | None, ...]:
    return tuple(rev(clone, f"{r}^{{tree}}") for r in (MEMORY, CLAIMS, NOTES))


def no_traceback(result: Result | subprocess.CompletedProcess[str]) -> None:
    err = result.err if isinstance(result, Result) else result.stderr
    assert "Traceback" not in err and "internal error" not in err, err


# -- the Must-hold scenarios ---------------------------------------------------------------


def test_rename_complete_describe_add_all_survive(team: Team) -> None:
    seed = team.clone("seed-init")
    task = team.add(seed, "Parse the config")
    team(seed, "push")
    a, b = team.clone("a"), team.clone("b")
    assert team.show(a, task)["title"] == "Parse the config"

    team(a, "tasks", "edit", task, "--title", "Parse the TOML config")
    from_a = team.add(a, "Added in A")
    team(b, "tasks", "complete", task)
    team(b, "tasks", "edit", task, "-d", "Written in B")
    from_b = team.add(b, "Added in B")

    team.sync(a)
    team.sync(b)
    team.sync(a)

    for clone in (a, b):
        shown = team.show(clone, task)
        assert shown["title"] == "Parse the TOML config"
        assert shown["status"] == "completed"
        assert shown["description"] == "Written in B"
        assert team.show(clone, from_a)["title"] == "Added in A"
        assert team.show(clone, from_b)["title"] == "Added in B"
    assert rev(a, f"{MEMORY}^{{tree}}") == rev(b, f"{MEMORY}^{{tree}}")
    # Memory merge commits have both parents.
    merges = git(a, "rev-list", "--merges", MEMORY).split()
    assert merges
    assert all(len(git(a, "rev-list", "--parents", "-n1", m).split()) == 3 for m in merges)


def test_same_title_changed_on_both_sides_converges_and_logs_the_loser(team: Team) -> None:
    seed = team.clone("seed-init")
    task = team.add(seed, "Original")
    team(seed, "push")
    a, b = team.clone("a"), team.clone("b")
    team(a, "tasks", "edit", task, "--title", "Title from A")
    team(b, "tasks", "edit", task, "--title", "Title from B")

    team.sync(a)
    team.sync(b)
    team.sync(a)

    shown_a, shown_b = team.show(a, task), team.show(b, task)
    assert shown_a["title"] == shown_b["title"]
    assert shown_a["title"] in ("Title from A", "Title from B")
    loser = "Title from B" if shown_a["title"] == "Title from A" else "Title from A"
    for shown in (shown_a, shown_b):
        log = shown["log"]
        assert isinstance(log, list)
        assert any(loser in entry["text"] for entry in log), log
    # The same entries (ids derived from the inputs alone) in both clones.
    assert shown_a["log"] == shown_b["log"]
    assert [e["id"] for e in shown_a["log"]] == [e["id"] for e in shown_b["log"]]


# -- three clones, random edits, random sync order -----------------------------------------


def random_edit(team: Team, clone: Path, rng: random.Random, known: list[str]) -> None:
    """One random user action (add, rename, complete, reopen, label, dep add, rm, a session
    noted on HEAD, a claim); refusals (a cycle, a reopen of an open task) are fine."""
    live = [t for t in known if t in task_ids(clone)] if known else []
    op = rng.choice(["add", "add", "rename", "complete", "reopen", "label", "dep", "rm", "note", "claim"] if live else ["add"])
    if op == "add":
        known.append(team.add(clone, f"task {rng.randrange(10**6)}"))
        return
    task = rng.choice(live)
    args: list[str]
    if op == "rename":
        args = ["tasks", "edit", task, "--title", f"renamed {rng.randrange(10**6)}"]
    elif op == "complete":
        args = ["tasks", "complete", task]
    elif op == "reopen":
        args = ["tasks", "reopen", task]
    elif op == "label":
        args = ["tasks", "edit", task, "--add-label", rng.choice(["ui", "db", "api"])]
    elif op == "dep":
        args = ["tasks", "dep", "add", task, "--on", rng.choice(live)]
    elif op == "rm":
        args = ["tasks", "rm", task]
    elif op == "claim":
        args = ["tasks", "next", "--claim", "--agent", f"agent-{clone.name}"]
    else:
        team(clone, "session", "log", f"worked on {task}")
        args = ["session", "end", "--summary", f"session {rng.randrange(10**6)}"]
    result = team(clone, *args, expect=None)
    assert result.code in (0, 1), result.err
    no_traceback(result)


@pytest.mark.parametrize("seed", [42, *(pytest.param(s, marks=pytest.mark.slow) for s in (11, 23, 57, 99))])
def test_three_clones_random_edits_converge(team: Team, seed: int) -> None:
    rng = random.Random(seed)
    first = team.clone("seed-init")
    known = [team.add(first, "shared root")]
    team(first, "push")
    clones = [team.clone(name) for name in ("a", "b", "c")]
    for _ in range(5):
        for clone in clones:
            for _ in range(rng.randint(1, 4)):
                random_edit(team, clone, rng, known)
        for clone in rng.sample(clones, k=rng.randint(1, 3)):
            team.sync(clone)
    # Sync in random order until a whole round changes nothing anywhere.
    for _ in range(8):
        before = [state(c) for c in clones]
        for clone in rng.sample(clones, k=3):
            result = team.sync(clone)
            assert "left out" not in result.err, result.err
        if [state(c) for c in clones] == before:
            break
    else:
        pytest.fail("syncs never stopped changing memory")
    assert len({trees(c) for c in clones}) == 1, [trees(c) for c in clones]
    assert trees(clones[0])[0] is not None and trees(clones[0])[2] is not None
    remote = remote_refs(team.remote)
    assert remote[MEMORY] == rev(clones[0], MEMORY)
    # Nothing lost: every task added anywhere is in every clone (removed ones as tombstones).
    for clone in clones:
        assert set(known) <= task_ids(clone)


# -- notes, local-only branches, backups ----------------------------------------------------


def test_session_notes_travel_and_local_branches_stay_local(team: Team) -> None:
    a, b = team.clone("a"), team.clone("b")
    team(a, "session", "log", "Fixed the parser")
    team(a, "session", "end", "--summary", "Parser fixed")
    head = git(a, "rev-parse", "HEAD").strip()

    git(a, "switch", "-q", "-c", "wip")
    local_task = team.add(a, "Only on wip")
    git(a, "update-ref", "refs/codex/backups/20260101T000000Z", MEMORY)
    team(a, "push")
    on_remote = remote_refs(team.remote)
    assert MEMORY in on_remote and NOTES in on_remote
    assert "refs/codex/branches/wip" not in on_remote
    assert not any(name.startswith("refs/codex/backups/") for name in on_remote)

    team(b, "fetch")
    digests = team(b, "session", "show", "--commit", head, "--json").json()["sessions"]
    assert [d["summary"] for d in digests.values()] == ["Parser fixed"]
    assert "Parser fixed" in git(b, "log", "--notes=codex", "-1", head)
    assert rev(b, NOTES) == rev(a, NOTES)

    team(a, "push", "--all")
    on_remote = remote_refs(team.remote)
    assert on_remote["refs/codex/branches/wip"] == rev(a, "refs/codex/branches/wip")
    assert not any(name.startswith("refs/codex/backups/") for name in on_remote)
    assert local_task in task_ids(a, "refs/codex/branches/wip")
    assert local_task not in task_ids(a, MEMORY)


# -- untrusted remote memory -----------------------------------------------------------------


def craft(scratch: Path, base: str | None, blobs: dict[str, bytes], message: str = "crafted") -> str:
    """A commit whose tree is ``base``'s tree with ``blobs`` set (plumbing only)."""
    entries: dict[str, str] = {}
    if base:
        for line in git(scratch, "ls-tree", "-r", base).splitlines():
            meta, path = line.split("\t")
            entries[path] = meta.split()[2]
    for path, data in blobs.items():
        oid = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=scratch, input=data,
                             capture_output=True, check=True).stdout.decode().strip()
        entries[path] = oid
    tree = _mktree(scratch, entries)
    args = ["commit-tree", tree, "-m", message] + (["-p", base] if base else [])
    return git(scratch, *args).strip()


def _mktree(scratch: Path, entries: dict[str, str]) -> str:
    direct = {k: v for k, v in entries.items() if "/" not in k}
    nested: dict[str, dict[str, str]] = {}
    for path, oid in entries.items():
        if "/" in path:
            head, rest = path.split("/", 1)
            nested.setdefault(head, {})[rest] = oid
    lines = [f"100644 blob {oid}\t{name}" for name, oid in direct.items()]
    lines += [f"040000 tree {_mktree(scratch, sub)}\t{name}" for name, sub in nested.items()]
    return git(scratch, "mktree", input="\n".join(lines) + "\n").strip()


def publish(team: Team, scratch: Path, ref: str, commit: str) -> None:
    git(scratch, "update-ref", ref, commit)
    git(scratch, "push", "-q", "--force", "origin", f"{ref}:{ref}")


BAD_TASK = "t-badbadbad2"


def first_task_path(scratch: Path, commit: str) -> str:
    return git(scratch, "ls-tree", "-r", "--name-only", commit, "--", "tasks").split()[0]


PROBLEMS = {"invalid-toml": "not valid TOML", "schema": "priority", "wrong-id": "id does not match",
            "not-a-commit": "not a commit"}
BAD_PATH = f"tasks/{BAD_TASK[2]}/{BAD_TASK}.toml"


def publish_bad_memory(team: Team, problem: str) -> None:
    """Push, on top of the remote's memory, a commit (or not a commit) holding ``problem``."""
    scratch = team.clone("scratch", init=False)
    git(scratch, "fetch", "-q", "origin", f"{MEMORY}:{MEMORY}")
    good = git(scratch, "rev-parse", MEMORY).strip()
    if problem == "invalid-toml":
        bad = craft(scratch, good, {BAD_PATH: f"id = '{BAD_TASK}\ntitle = [unclosed\n".encode()})
    elif problem == "schema":
        text = git(scratch, "show", f"{good}:{first_task_path(scratch, good)}")
        bad_text = re.sub(r'^id = "[^"]*"', f'id = "{BAD_TASK}"', text, count=1, flags=re.M)
        bad_text = re.sub(r"^priority = \d+", 'priority = "urgent"', bad_text, count=1, flags=re.M)
        assert BAD_TASK in bad_text and '"urgent"' in bad_text
        bad = craft(scratch, good, {BAD_PATH: bad_text.encode()})
    elif problem == "wrong-id":
        # A valid task's blob (already known locally) copied under another id's path.
        text = git(scratch, "show", f"{good}:{first_task_path(scratch, good)}")
        bad = craft(scratch, good, {BAD_PATH: text.encode()})
    else:
        bad = git(scratch, "hash-object", "-w", "--stdin", input="not a commit\n").strip()
    publish(team, scratch, MEMORY, bad)


def assert_reported(err: str, problem: str) -> None:
    """ref, path, why."""
    assert f"left out (invalid): {REMOTE_MEMORY}" in err, err
    if problem != "not-a-commit":
        assert f"{REMOTE_MEMORY}:{BAD_PATH}" in err, err
    assert PROBLEMS[problem] in err, err


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_bad_remote_memory_is_reported_and_left_out(team: Team, problem: str) -> None:
    """Exit status 1, as git fetch when it rejects a ref: the rest of the fetch (claims,
    notes, other refs) still merges, and the report (ref, path, why) is on stderr."""
    a = team.clone("a")
    team.add(a, "Local work")
    team(a, "push")
    publish_bad_memory(team, problem)

    before = (rev(a, MEMORY), rev(a, CLAIMS), rev(a, NOTES))
    result = team(a, "fetch", expect=1)
    no_traceback(result)
    assert_reported(result.err, problem)
    assert (rev(a, MEMORY), rev(a, CLAIMS), rev(a, NOTES)) == before
    assert BAD_TASK not in task_ids(a)
    # Commands keep working, and report the bad ref again rather than merging it.
    new = team.add(a, "Still works")
    assert team.show(a, new)["title"] == "Still works"
    listed = team(a, "tasks", "list")
    assert "Local work" in listed.out and "Still works" in listed.out
    again = team(a, "fetch", expect=1)
    assert BAD_TASK not in task_ids(a)
    no_traceback(again)
    # A fresh clone's init leaves it out as well and still starts.
    fresh = team.clone("fresh")
    assert BAD_TASK not in task_ids(fresh)
    team(fresh, "tasks", "list")


@pytest.mark.parametrize("problem", ["invalid-toml", "not-a-commit"])
def test_bad_memory_brought_by_a_plain_git_fetch_is_left_out(team: Team, problem: str) -> None:
    a = team.clone("a", init_args=("--no-hooks", "--fetch-refspec", "origin"))
    team.add(a, "Local work")
    team(a, "push")
    publish_bad_memory(team, problem)
    before = rev(a, MEMORY)
    git(a, "fetch", "-q")
    assert rev(a, REMOTE_MEMORY) is not None
    result = team(a, "tasks", "list")
    no_traceback(result)
    assert "Local work" in result.out
    assert_reported(result.err, problem)
    assert rev(a, MEMORY) == before
    team.add(a, "Still works")
    assert BAD_TASK not in task_ids(a)


def test_garbage_claims_and_notes_refs_are_reported_and_left_out(team: Team) -> None:
    a = team.clone("a")
    task = team.add(a, "Claimable")
    team(a, "tasks", "next", "--claim", "--agent", "alice")
    team(a, "session", "log", "some work")
    team(a, "session", "end", "--summary", "A's session")
    team(a, "push")
    scratch = team.clone("scratch", init=False)
    head = git(scratch, "rev-parse", "HEAD").strip()
    claims = craft(scratch, None, {f"claims/{task}.toml": b"task = \nevents = {{{"})
    publish(team, scratch, CLAIMS, claims)
    garbage_note = craft(scratch, None, {head: b"[[[ not toml"})
    publish(team, scratch, NOTES, garbage_note)

    before = trees(a)
    claims_before = rev(a, CLAIMS)
    result = team(a, "fetch", expect=1)
    no_traceback(result)
    assert f"claims/{task}.toml" in result.err, result.err
    assert "refs/notes/codex-remotes/origin" in result.err and head in result.err, result.err
    assert trees(a) == before
    assert rev(a, CLAIMS) == claims_before
    digests = team(a, "session", "show", "--commit", head, "--json").json()["sessions"]
    assert [d["summary"] for d in digests.values()] == ["A's session"]
    ready = team(a, "tasks", "next", "--agent", "alice", "--json").json()["tasks"]
    assert [t["id"] for t in ready] == [task]
    team.add(a, "Still works")


# -- racing pushes ----------------------------------------------------------------------------

PUSH_LOOP = """
set -e
for i in $(seq 1 {count}); do
    "{python}" -m gitmem tasks add "{name} $i" >> "{ids}" 2>> "{log}" || {{ echo "add $i failed" >> "{log}"; exit 1; }}
    "{python}" -m gitmem push >/dev/null 2>> "{log}" || {{ echo "push $i failed" >> "{log}"; exit 1; }}
done
"""


@pytest.mark.slow
def test_twenty_pushes_racing_from_two_clones_lose_nothing(team: Team, tmp_path: Path) -> None:
    a, b = team.clone("a"), team.clone("b")
    procs = []
    for clone in (a, b):
        script = PUSH_LOOP.format(count=10, python=sys.executable, name=clone.name,
                                  ids=tmp_path / f"{clone.name}.ids", log=tmp_path / f"{clone.name}.log")
        procs.append(subprocess.Popen(["bash", "-c", script], cwd=clone))
    codes = [p.wait(timeout=120) for p in procs]
    logs = {c.name: (tmp_path / f"{c.name}.log").read_text() if (tmp_path / f"{c.name}.log").exists() else ""
            for c in (a, b)}
    assert codes == [0, 0], logs
    added = set()
    for clone in (a, b):
        ids = (tmp_path / f"{clone.name}.ids").read_text().split()
        assert len(ids) == 10
        added |= set(ids)
    assert len(added) == 20
    team.sync(a)
    team.sync(b)
    team.sync(a)
    for clone in (a, b):
        assert added <= task_ids(clone)
    assert added <= task_ids(team.remote)
    assert rev(a, MEMORY) == rev(b, MEMORY) == remote_refs(team.remote)[MEMORY]


# -- claims ------------------------------------------------------------------------------------


def test_concurrent_claims_converge_to_one_holder_and_the_loser_is_told(team: Team) -> None:
    seed = team.clone("seed-init")
    task = team.add(seed, "The only task")
    team(seed, "push")
    a, b = team.clone("a"), team.clone("b")
    agents = {a: "alice", b: "bob"}
    for clone, agent in agents.items():
        claimed = team(clone, "tasks", "next", "--claim", "--agent", agent, "--json").json()
        assert claimed["task"]["id"] == task

    outputs: dict[Path, list[str]] = {a: [], b: []}
    for clone in (a, b, a, b):
        outputs[clone].append(team.sync(clone, "--json").out)
    assert rev(a, CLAIMS) == rev(b, CLAIMS) == remote_refs(team.remote)[CLAIMS]
    assert rev(a, MEMORY) == rev(b, MEMORY)

    holders = set()
    for clone in (a, b):
        for agent in agents.values():
            ready = team(clone, "tasks", "next", "--agent", agent, "--json").json()["tasks"]
            if [t["id"] for t in ready] == [task]:
                holders.add((clone, agent))
    # In each clone exactly one agent may take it, and it is the same agent in both.
    assert len(holders) == 2 and len({agent for _, agent in holders}) == 1, holders
    (winner,) = {agent for _, agent in holders}
    loser_clone = b if winner == "alice" else a
    winner_clone = a if loser_clone == b else b
    lost = [line for out in outputs[loser_clone] for line in json.loads(out)["lost_claims"]]
    assert len(lost) == 1 and task in lost[0] and agents[loser_clone] in lost[0], outputs
    assert not any(json.loads(out)["lost_claims"] for out in outputs[winner_clone])
    # The task record agrees with the claims: its owner is the winner in both clones.
    assert team.show(a, task)["owner"] == team.show(b, task)["owner"] == winner
    # Nobody can claim it again while the winner holds it.
    for clone in (a, b):
        again = team(clone, "tasks", "next", "--claim", "--agent", agents[loser_clone], "--json").json()
        assert again["task"] is None


# -- adopting and following remote memory ----------------------------------------------------------


def test_fresh_clone_init_adopts_the_remote_memory(team: Team) -> None:
    a = team.clone("a")
    tasks = {team.add(a, f"Remote task {i}") for i in range(3)}
    team(a, "push")
    fresh = team.clone("fresh")
    assert tasks <= task_ids(fresh)
    assert rev(fresh, MEMORY) == remote_refs(team.remote)[MEMORY] == rev(a, MEMORY)
    listed = team(fresh, "tasks", "list").out
    assert all(f"Remote task {i}" in listed for i in range(3))
    # Nothing to merge afterwards: the histories are one.
    team.sync(fresh)
    assert rev(fresh, MEMORY) == rev(a, MEMORY)


def test_fetch_refspec_lets_a_plain_git_fetch_bring_memory(team: Team) -> None:
    a = team.clone("a", init_args=("--no-hooks", "--fetch-refspec", "origin"))
    fetch_specs = git(a, "config", "--get-all", "remote.origin.fetch").split()
    assert any("refs/codex/branches/*" in s for s in fetch_specs)
    assert git(a, "config", "--get-all", "remote.origin.push", check=False) == ""
    b = team.clone("b")
    from_b = team.add(b, "Made in B")
    team(b, "push")
    mine = team.add(a, "Made in A")

    git(a, "fetch", "-q")
    assert rev(a, REMOTE_MEMORY) == rev(b, MEMORY)
    assert from_b not in task_ids(a)
    team(a, "status")
    assert {from_b, mine} <= task_ids(a)
    assert team.show(a, from_b)["title"] == "Made in B"


@pytest.mark.parametrize("mode", ["--no-rebase", "--rebase"])
def test_git_pull_brings_the_upstream_memory(team: Team, mode: str) -> None:
    hooked = ("--fetch-refspec", "origin")
    a = team.clone("a", init_args=hooked)
    b = team.clone("b")
    (b / "b.txt").write_text("b\n")
    git(b, "add", "b.txt")
    git(b, "commit", "-q", "-m", "work in B")
    from_b = team.add(b, "Made in B")
    git(b, "push", "-q", "origin", "main")
    team(b, "push")

    (a / "a.txt").write_text("a\n")
    git(a, "add", "a.txt")
    git(a, "commit", "-q", "-m", "work in A")
    mine = team.add(a, "Made in A")
    git(a, "pull", "-q", mode, "--no-edit")
    assert (a / "b.txt").exists()
    status = team(a, "status", "--json").json()
    assert {from_b, mine} <= task_ids(a), status
    assert team.show(a, from_b)["title"] == "Made in B"
    assert status["drift"] in ("none", "ahead", "rewritten"), status


@pytest.mark.parametrize("hooks", [True, False], ids=["hooks", "no-hooks"])
def test_pull_merge_then_pull_rebase_is_a_rewrite_not_a_divergence(team: Team, hooks: bool) -> None:
    """``pull --rebase`` after a merging ``pull`` drops the merge commit memory last saw: its
    parents are an upstream commit and rewritten local ones, so with the hooks that is a
    rewrite; without them (no post-rewrite list) it is a divergence that the suggested
    ``cache reconcile --rebase`` resolves on the default branch too."""
    a = team.clone("a", init_args=("--fetch-refspec", "origin") if hooks else ("--no-hooks", "--fetch-refspec", "origin"))
    b = team.clone("b")

    def upstream_commit(name: str) -> None:
        (b / name).write_text(name)
        git(b, "add", name)
        git(b, "commit", "-q", "-m", f"upstream {name}")
        git(b, "push", "-q", "origin", "main")

    upstream_commit("one.txt")
    (a / "mine.txt").write_text("mine\n")
    git(a, "add", "mine.txt")
    git(a, "commit", "-q", "-m", "local work")
    task = team.add(a, "Local task")
    team(a, "tasks", "complete", task, "--evidence", "HEAD")
    git(a, "pull", "-q", "--no-rebase", "--no-edit")
    team(a, "status")  # memory sees the merge commit
    upstream_commit("two.txt")
    git(a, "pull", "-q", "--rebase")
    if not hooks:
        diverged = team(a, "status", "--json")
        assert diverged.json()["drift"] == "diverged" and "--fork" not in diverged.err, diverged.err
        assert "nothing to fork" in team(a, "cache", "reconcile", "--fork", expect=1).err
        team(a, "cache", "reconcile", "--rebase")
    for _ in range(2):
        result = team(a, "status", "--json")
        assert result.json()["drift"] in ("none", "rewritten"), result.err
        assert "diverged" not in result.err and "history changed" not in result.err
    evidence = [e["commit"] for e in team.show(a, task)["evidence"]]
    assert evidence == [git(a, "rev-parse", "HEAD").strip()]


# -- transports --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def daemon(team: Team) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", f"--base-path={team.root}", "--export-all", "--enable=receive-pack",
         "--listen=127.0.0.1", f"--port={port}", str(team.root)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("git daemon did not start")
                time.sleep(0.05)
        yield f"git://127.0.0.1:{port}/remote.git"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_sync_through_git_daemon(team: Team, daemon: str) -> None:
    a = team.clone("a", url=daemon)
    b = team.clone("b", url=daemon)
    task = team.add(a, "Over git://")
    result = run_git_codex(a, "sync")
    assert result.returncode == 0, result.stderr
    result = run_git_codex(b, "sync", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["merged"]
    team(b, "tasks", "edit", task, "--title", "Over git:// (edited in B)")
    assert run_git_codex(b, "sync").returncode == 0
    assert run_git_codex(a, "sync").returncode == 0
    assert team.show(a, task)["title"] == "Over git:// (edited in B)"
    assert rev(a, MEMORY) == rev(b, MEMORY) == remote_refs(team.remote)[MEMORY]


@pytest.mark.parametrize("command", ["fetch", "push", "sync"])
def test_unreachable_remotes_fail_clearly(team: Team, command: str) -> None:
    a = team.clone("a")
    git(a, "remote", "add", "gone", str(team.root / "does-not-exist.git"))
    git(a, "remote", "add", "closed", f"git://127.0.0.1:{free_port()}/x.git")
    for remote in ("gone", "closed"):
        result = run_git_codex(a, command, remote)
        assert result.returncode == 1, (remote, result.stderr)
        assert "error:" in result.stderr and "hint:" in result.stderr, result.stderr
        assert remote in result.stderr
        no_traceback(result)
    unknown = run_git_codex(a, command, "nosuchremote")
    assert unknown.returncode == 1, unknown.stderr
    assert "error:" in unknown.stderr and "nosuchremote" in unknown.stderr
    no_traceback(unknown)


def test_partial_clone_reads_missing_memory_objects(team: Team) -> None:
    git(team.remote, "config", "uploadpack.allowFilter", "true")
    git(team.remote, "config", "uploadpack.allowAnySHA1InWant", "true")
    a = team.clone("a")
    tasks = {team.add(a, f"Task {i}", "-d", f"description {i}") for i in range(3)}
    team(a, "push")
    partial = team.clone("partial", url=f"file://{team.remote}", options=("--filter=blob:none",), init=False)
    assert git(partial, "config", "remote.origin.promisor").strip() == "true"
    result = team(partial, "init", "--no-hooks")
    assert "left out" not in result.err and "missing" not in result.err, result.err
    listed = team(partial, "tasks", "list")
    assert all(f"Task {i}" in listed.out for i in range(3)), listed.out
    assert tasks <= task_ids(partial)
    for task in tasks:
        assert team.show(partial, task)["description"].startswith("description")
    # And later fetches of new memory work the same way.
    later = team.add(a, "Later", "-d", "after the partial clone")
    team(a, "push")
    fetched = team(partial, "sync")
    assert "left out" not in fetched.err, fetched.err
    assert team.show(partial, later)["description"] == "after the partial clone"


def test_undo_after_a_sync_takes_back_only_this_clones_change(team: Team) -> None:
    a, b = team.clone("a"), team.clone("b")
    team.add(a, "A's first")
    team.sync(a)
    team.sync(b)
    team.add(b, "B's work")
    team.sync(b)
    team.add(a, "A's second")
    team.sync(a)  # a merge commit: A's second and B's work
    undone = team(a, "undo")
    assert "took back" in undone.out and "A's second" in undone.out, undone.out
    team.sync(a)
    team.sync(b)
    for clone in (a, b):
        titles = sorted(t["title"] for t in team(clone, "tasks", "list", "--json").json()["tasks"])
        assert titles == ["A's first", "B's work"], (clone.name, titles)
    assert "B's work" not in team(a, "undo").out  # the next undo takes back A's first, never B's
