"""Three days of a two-person team, with gitmem's hooks installed, checked against README.

Ana and Ben each have a clone of one bare remote and an agent. Every step is an ordinary git
move (feature branches, a fast-forward and a --no-ff merge, pull and pull --rebase,
autosquash, reset, a branch deleted and recreated) and each is followed by what README's
"Memory follows the branch" and "Sharing with a team" sections promise a user would see."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import git


class Clone:
    """One person's clone; ``codex`` runs the installed command as that person's agent."""

    def __init__(self, path: Path, agent: str) -> None:
        self.path, self.agent = path, agent

    def codex(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GITMEM_AGENT": self.agent}
        result = subprocess.run([sys.executable, "-m", "gitmem", *args], cwd=self.path, env=env,
                                capture_output=True, text=True)
        if ok:
            assert result.returncode == 0, f"{self.agent}: git codex {' '.join(args)}: {result.stderr}"
        assert "diverged" not in result.stderr or not ok, result.stderr
        return result

    def git(self, *args: str) -> str:
        return git(self.path, *args)

    def commit(self, name: str, message: str | None = None, content: str | None = None) -> str:
        (self.path / name).write_text(content or f"{name}\n")
        self.git("add", name)
        self.git("commit", "-q", "-m", message or f"add {name}")
        return self.git("rev-parse", "HEAD").strip()

    def add(self, title: str) -> str:
        return self.codex("tasks", "add", title).stdout.strip()

    def tasks(self) -> dict[str, dict[str, Any]]:
        found = json.loads(self.codex("tasks", "list", "--all", "--json").stdout)["tasks"]
        return {t["title"]: t for t in found}

    def show(self, task: str) -> dict[str, Any]:
        return json.loads(self.codex("tasks", "show", task, "--json").stdout)["task"]  # type: ignore[no-any-return]

    def evidence(self, task: str) -> list[str]:
        return [e["commit"] for e in self.show(task)["evidence"] if not e.get("orphaned")]

    def drift(self) -> str:
        return json.loads(self.codex("status", "--json").stdout)["drift"]  # type: ignore[no-any-return]


@pytest.fixture
def team(tmp_path: Path) -> tuple[Clone, Clone]:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(remote), str(seed))
    (seed / "README").write_text("hello\n")
    git(seed, "add", "README")
    git(seed, "commit", "-q", "-m", "initial")
    git(seed, "push", "-q", "origin", "main")
    clones = []
    for name in ("ana", "ben"):
        path = tmp_path / name
        git(tmp_path, "clone", "-q", str(remote), str(path))
        git(path, "config", "user.name", name)
        clones.append(Clone(path, f"{name}-agent"))
    return clones[0], clones[1]


def test_three_days_of_a_team(team: tuple[Clone, Clone]) -> None:
    ana, ben = team
    # Day 1. Ana starts the memory and shares it; Ben's first init adopts it.
    ana.codex("init", "--fetch-refspec", "origin")
    docs = ana.add("Write the docs")
    ana.codex("push")
    adopted = ben.codex("init", "--fetch-refspec", "origin")
    assert "adopted memory" in adopted.stderr
    assert "Write the docs" in ben.tasks()

    # A feature branch forks the memory; its work stays there until it is merged.
    ana.git("switch", "-q", "-c", "feat/parser")
    parser = ana.add("Parser")
    ana.codex("tasks", "start", parser)
    ana.commit("parser.py")
    ana.codex("tasks", "complete", parser, "--evidence", "HEAD")
    ana.commit("parser.py", "fixup! add parser.py", "parser, fixed\n")
    ana.git("-c", "sequence.editor=true", "rebase", "-q", "-i", "--autosquash", "main")
    squashed = ana.git("rev-parse", "HEAD").strip()
    assert ana.evidence(parser) == [squashed]  # the fixup folded into the commit the evidence names
    ana.commit("parser.py", "parser: docstring", "parser, fixed\n\"\"\"doc\"\"\"\n")
    ana.git("commit", "-q", "--amend", "-m", "parser: docstring, amended")
    assert ana.evidence(parser) == [squashed]
    ana.git("switch", "-q", "main")
    assert "Parser" not in ana.tasks()
    # A fast-forward merge (git's default) folds the branch's memory back.
    ana.git("merge", "-q", "feat/parser")
    assert ana.git("rev-parse", "HEAD") == ana.git("rev-parse", "feat/parser")
    assert ana.tasks()["Parser"]["status"] == "completed"
    ana.git("push", "-q", "origin", "main")
    ana.codex("push")

    # Ben's fast-forward pull brings the code and the memory with it.
    ben.git("pull", "-q", "--ff-only")
    assert ben.tasks()["Parser"]["status"] == "completed"

    # Day 2. Both agents reach for the same ready task; one claim holds in both clones.
    ana.codex("tasks", "next", "--claim")
    ben.codex("tasks", "next", "--claim")
    ana.codex("sync")
    ben.codex("sync")
    ana.codex("sync")
    # One claim holds, the same in both clones (the earlier one; claims within the same second
    # and clock are ordered by clone id), and the other agent is not offered the task.
    said = {clone.agent: clone.codex("tasks", "next", "--explain", docs).stdout.strip() for clone in (ana, ben)}
    holder = "ana-agent" if said["ana-agent"].endswith("is ready") else "ben-agent"
    other = ben if holder == "ana-agent" else ana
    assert said[holder].endswith("is ready") and f"claimed by {holder}" in said[other.agent], said
    assert docs not in other.codex("tasks", "next").stdout

    # Ben merges a fix with --no-ff; his memory of it is folded on merge.
    ben.git("switch", "-q", "-c", "fix/typo")
    typo = ben.add("Fix the typo")
    ben.commit("typo.txt")
    ben.codex("tasks", "complete", typo, "--evidence", "HEAD")
    ben.git("switch", "-q", "main")
    ben.git("merge", "-q", "--no-ff", "-m", "merge fix/typo", "fix/typo")
    assert ben.tasks()["Fix the typo"]["status"] == "completed"
    ben.git("push", "-q", "origin", "main")
    ben.codex("push")

    # Ana worked on main meanwhile; pull --rebase rewrites her commit and its evidence follows.
    cli = ana.add("Command line")
    ana.commit("cli.py")
    ana.codex("tasks", "complete", cli, "--evidence", "HEAD")
    ana.git("pull", "-q", "--rebase")
    assert (ana.path / "typo.txt").exists()
    assert ana.evidence(cli) == [ana.git("rev-parse", "HEAD").strip()]
    assert ana.drift() in ("none", "rewritten")
    assert ana.tasks()["Fix the typo"]["status"] == "completed"  # the plain fetch brought Ben's memory

    # Day 3. A reset is a divergence until the user says what it means.
    ana.git("switch", "-q", "-c", "spike")
    ana.add("Spike idea")
    ana.commit("spike.txt")
    ana.commit("spike2.txt")
    ana.codex("status")
    ana.git("reset", "-q", "--hard", "HEAD~1")
    assert "reconcile" in ana.codex("status", ok=False).stderr
    ana.codex("cache", "reconcile", "--ignore")
    assert ana.drift() == "none"
    # A branch deleted and recreated from the same commit starts from a fresh fork.
    ana.git("switch", "-q", "main")
    ana.git("branch", "-q", "-D", "spike")
    time.sleep(1.1)  # reflog times are in seconds
    ana.git("switch", "-q", "-c", "spike")
    assert "Spike idea" not in ana.tasks()
    assert ana.git("for-each-ref", "refs/codex/backups").strip()

    # Both clones sync and agree on every task, field by field.
    ana.git("switch", "-q", "main")
    ana.git("push", "-q", "origin", "main")
    for clone in (ana, ben, ana):
        clone.codex("sync")
    ben.git("pull", "-q", "--ff-only")
    mine, theirs = ana.tasks(), ben.tasks()
    assert set(mine) == set(theirs) == {"Write the docs", "Parser", "Fix the typo", "Command line"}
    assert {t: v["status"] for t, v in mine.items()} == {t: v["status"] for t, v in theirs.items()}
