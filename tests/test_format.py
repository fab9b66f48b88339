"""Memory formats: a format 1 memory (tasks fanned out by two id characters) written by an
earlier gitmem is read as it is, and its first write here moves it to format 2 in that
same commit, losing nothing; merges bring format 1 memories in; newer formats are refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Result, git, memory_tip, plant, plant_all

Cli = Callable[..., Result]
MEMORY = "refs/codex/branches/main"


def task_blobs(repo: Path, rev: str) -> dict[str, tuple[str, str]]:
    """task id -> (path, blob id) of every task in the memory commit ``rev``."""
    out = {}
    for line in git(repo, "ls-tree", "-r", rev, "--", "tasks").splitlines():
        meta, path = line.split("\t")
        out[path.rsplit("/", 1)[-1].removesuffix(".toml")] = (path, meta.split()[2])
    return out


def as_format_1(repo: Path, ref: str) -> str:
    """Rewrite the memory at ``ref`` as an earlier gitmem wrote it (a new commit on top):
    tasks at ``tasks/<two id characters>/``, ``format = 1`` in meta.toml."""
    tip = git(repo, "rev-parse", ref).strip()
    changes: dict[str, bytes | None] = {}
    for task_id, (path, _) in task_blobs(repo, tip).items():
        changes[path] = None
        changes[f"tasks/{task_id[2:4]}/{task_id}.toml"] = git(repo, "show", f"{tip}:{path}").encode()
    meta = git(repo, "show", f"{tip}:meta.toml").replace("format = 2\n", "format = 1\n")
    assert "format = 1\n" in meta
    changes["meta.toml"] = meta.encode()
    return plant_all(repo, ref, changes, "written by gitmem with format 1")


def listed(cli: Cli) -> dict[str, str]:
    return {t["id"]: t["status"] for t in cli("tasks", "list", "--all", "--json").json()["tasks"]}


def test_a_format_1_memory_is_read_and_moved_by_its_first_write(initialised: Path, cli: Cli) -> None:
    ids = [cli("tasks", "add", f"task {n}").out.strip() for n in range(12)]
    cli("tasks", "dep", "add", ids[1], "--on", ids[0])
    cli("tasks", "complete", ids[2])
    before = listed(cli)
    old = as_format_1(initialised, MEMORY)
    assert {p.split("/")[1] for p, _ in task_blobs(initialised, old).values()} == {i[2:4] for i in ids}

    # Read as it is, every way a task is found: all of them, by full id, by prefix, next.
    assert listed(cli) == before
    assert cli("tasks", "show", ids[1], "--json").json()["task"]["depends_on"] == [ids[0]]
    assert cli("tasks", "show", ids[3][:7]).out.startswith(ids[3])
    assert ids[1] not in cli("tasks", "next", "--json").out
    assert cli("fsck", "--json").json()["problems"] == []
    assert memory_tip(initialised) == old  # reading wrote nothing

    cli("tasks", "start", ids[0])
    new = memory_tip(initialised)
    assert git(initialised, "rev-parse", f"{new}^").strip() == old  # one commit: the write itself
    assert "format = 2\n" in git(initialised, "show", f"{new}:meta.toml")
    moved, kept = task_blobs(initialised, new), task_blobs(initialised, old)
    assert set(moved) == set(ids)
    assert all(path == f"tasks/{i[2]}/{i}.toml" for i, (path, _) in moved.items())
    assert all(moved[i][1] == kept[i][1] for i in ids if i != ids[0])  # the records themselves untouched
    assert listed(cli) == {**before, ids[0]: "in_progress"}
    assert cli("fsck", "--json").json()["problems"] == []

    # The parsed cache of the format 1 tree was carried to the moved one: a deletion shows.
    cli("tasks", "rm", ids[5])
    assert ids[5] not in listed(cli)
    assert len(listed(cli)) == len(ids) - 1


def test_a_branch_memory_of_format_1_merges_into_format_2(initialised: Path, cli: Cli) -> None:
    on_main = cli("tasks", "add", "on main").out.strip()
    git(initialised, "switch", "-q", "-c", "feature")
    on_feature = cli("tasks", "add", "on feature").out.strip()
    as_format_1(initialised, "refs/codex/branches/feature")
    git(initialised, "switch", "-q", "main")
    cli("tasks", "edit", on_main, "--title", "edited on main")
    cli("merge", "feature")
    merged = memory_tip(initialised)
    assert "format = 2\n" in git(initialised, "show", f"{merged}:meta.toml")
    paths = {i: p for i, (p, _) in task_blobs(initialised, merged).items()}
    assert paths == {on_main: f"tasks/{on_main[2]}/{on_main}.toml", on_feature: f"tasks/{on_feature[2]}/{on_feature}.toml"}
    assert cli("tasks", "show", on_feature, "--json").json()["task"]["title"] == "on feature"
    assert cli("fsck", "--json").json()["problems"] == []


def test_a_format_1_memory_merges_a_format_2_branch_and_is_moved(initialised: Path, cli: Cli) -> None:
    on_main = cli("tasks", "add", "on main").out.strip()
    git(initialised, "switch", "-q", "-c", "feature")
    on_feature = cli("tasks", "add", "on feature").out.strip()
    git(initialised, "switch", "-q", "main")
    cli("tasks", "edit", on_main, "--title", "edited on main")
    as_format_1(initialised, MEMORY)
    cli("merge", "feature")
    merged = memory_tip(initialised)
    assert "format = 2\n" in git(initialised, "show", f"{merged}:meta.toml")
    assert sorted(p for p, _ in task_blobs(initialised, merged).values()) == sorted(
        f"tasks/{i[2]}/{i}.toml" for i in (on_main, on_feature))
    assert cli("tasks", "show", on_main, "--json").json()["task"]["title"] == "edited on main"


def test_a_newer_format_is_refused_with_a_hint(initialised: Path, cli: Cli) -> None:
    cli("tasks", "add", "kept")
    tip = as_format_1(initialised, MEMORY)
    meta = git(initialised, "show", f"{tip}:meta.toml").replace("format = 1\n", "format = 3\n")
    newer = plant(initialised, MEMORY, "meta.toml", meta.encode(), "a newer gitmem")
    for args in (("tasks", "list"), ("tasks", "add", "refused")):
        err = cli(*args, expect=1).err
        assert "memory format 3" in err and "upgrade gitmem" in err
    assert memory_tip(initialised) == newer
