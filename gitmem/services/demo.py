"""``demo``: a guided tour that runs the real CLI in a throwaway repository.

The tour is a list of steps. Each runs ``git codex …`` (or ``git …``) in a new process,
exactly as a user would, so what it prints is what a user sees. Later features add a
section function to ``SECTIONS``; nothing else needs to change.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from gitmem.core.errors import GitmemError
from gitmem.services.hook_install import python_flags

# Variables that would point a git process at another repository (e.g. inside a hook).
_REPO_ENV = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_PREFIX",
)
# Hooks and signing from the user's global config must not interfere with the sandbox.
_GIT_SAFE = ("-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false")


@dataclass(frozen=True, slots=True)
class Step:
    """One command of the tour; ``{name}`` arguments are replaced by saved outputs."""

    args: tuple[str, ...]
    say: str = ""
    """A line of narration printed before the command (empty: none)."""
    program: str = "codex"
    """``codex`` runs ``git codex ARGS``; ``git`` runs ``git ARGS``; ``file`` writes ARGS[1] to ARGS[0]."""
    save: str | None = None
    """Keep the command's output (stripped) under this name for later ``{name}`` arguments."""


@dataclass(frozen=True, slots=True)
class Shown:
    """A step as it ran: the command line a user would type and what it printed."""

    step: Step
    command: str
    output: str
    code: int


def output_of(name: str) -> str:
    """A placeholder argument for a saved output."""
    return "{" + name + "}"


def _setup() -> list[Step]:
    return [
        Step(("init",), say="Enable gitmem: memory lives under refs/codex/, never in the working tree."),
    ]


def _tasks() -> list[Step]:
    return [
        Step(("tasks", "add", "Design the parser", "-p", "1", "-l", "parser"), save="design",
             say="Add three tasks; each waits for the one before. 'add' prints the new id."),
        Step(("tasks", "add", "Write the parser", "--after", output_of("design")), save="write"),
        Step(("tasks", "add", "Ship it", "--after", output_of("write")), save="ship"),
        Step(("tasks", "next",), say="What can be worked on now? Only the task with no open dependency."),
        Step(("tasks", "next", "--explain", output_of("ship")), say="Why is a task not ready?"),
        Step(("tasks", "start", output_of("design")), say="Record progress; every change is one memory commit."),
        Step(("tasks", "complete", output_of("design"), "--evidence", "HEAD"),
             say="Complete it, pointing at the commit that shows the work."),
        Step(("tasks", "next",), say="The next task is unblocked."),
    ]


def _inspect() -> list[Step]:
    return [
        Step(("tasks", "graph"), say="The dependency graph, as text ..."),
        Step(("tasks", "graph", "--format", "mermaid"), say="... or as Mermaid (or Graphviz dot) for docs."),
        Step(("status",), say="Which memory this branch uses, and what it holds."),
        Step(("log", "--oneline", "refs/codex/branches/main"), program="git",
             say="Memory is plain git history: the memory ref's log is the audit log."),
        Step(("log", "-1", "--format=%B", "refs/codex/branches/main"), program="git",
             say="Each memory commit names its operation and records the context in trailers."),
    ]


_PLAN = ('{"explanation": "Parser first", "plan": [{"step": "Tokenise the input", "status": "completed"}, '
         '{"step": "Build the syntax tree", "status": "in_progress"}, {"step": "Report errors", "status": "pending"}]}')


def _agents() -> list[Step]:
    return [
        Step(("session", "log", "Sketched the grammar", "--action", "pytest -q", "--follow-up", "Handle unicode identifiers",
              "--agent", "codex"),
             say="An agent logs each turn: a summary, what it ran, what is left to do."),
        Step(("plan.json", _PLAN), program="file", say="An agent's plan (Codex update_plan; Claude TodoWrite works too) ..."),
        Step(("plan", "sync", "plan.json", "--agent", "codex"),
             say="... mirrored into tasks. Sending the same plan again writes nothing."),
        Step(("plan", "sync", "plan.json", "--agent", "codex")),
        Step(("context", "--budget", "1200", "--agent", "codex"),
             say="The brief an agent reads at the start of its next session."),
        Step(("session", "end", "--summary", "Grammar sketched; tree builder under way", "--agent", "codex"),
             say="Ending the session notes its digest on the commit it produced."),
        Step(("log", "--notes=codex", "-1", "--format=%h %s%n%N"), program="git"),
    ]


def _branches() -> list[Step]:
    return [
        Step(("switch", "-c", "feature"), program="git",
             say="Memory follows the branch: a new branch forks the memory it started from."),
        Step(("tasks", "add", "Feature-only work"), save="feature",
             say="A task added on the branch stays on the branch ..."),
        Step(("notes.txt", "feature work\n"), program="file"),
        Step(("add", "notes.txt"), program="git"),
        Step(("commit", "-q", "-m", "feature work"), program="git"),
        Step(("tasks", "complete", output_of("feature"), "--evidence", "HEAD")),
        Step(("commit", "-q", "--amend", "-m", "feature work, amended"), program="git",
             say="Amend (or rebase): the hooks remap the evidence to the new commit."),
        Step(("tasks", "show", output_of("feature"))),
        Step(("switch", "main"), program="git"),
        Step(("tasks", "list", "--all"), say="... and is not on main, until the branch is merged:"),
        Step(("merge", "-q", "--no-ff", "-m", "merge feature", "feature"), program="git"),
        Step(("tasks", "list", "--all"), say="The merge folded the branch's memory back into the roadmap."),
    ]


SECTIONS: tuple[Callable[[], list[Step]], ...] = (_setup, _tasks, _inspect, _agents, _branches)
"""The tour in order; a feature adds its own section here."""


def tour() -> list[Step]:
    """Every step of the tour, in order."""
    return [step for section in SECTIONS for step in section()]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _REPO_ENV}


def _run(argv: list[str], cwd: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            argv, cwd=cwd, env=_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace", check=False,
        )
    except FileNotFoundError as exc:
        raise GitmemError(
            f"cannot run {argv[0]!r}: {exc.strerror}", hint="install git and make sure it is on PATH"
        ) from exc


def _git(path: str, *args: str) -> None:
    done = _run(["git", *_GIT_SAFE, *args], path)
    if done.returncode != 0:
        raise GitmemError(
            f"setting up the demo repository failed: git {' '.join(args)}: {done.stdout.strip()}",
            hint="check that 'git --version' works (git 2.28 or newer)",
        )


def make_repository(parent: str | None = None) -> str:
    """A new repository on ``main`` with one commit and its own identity; returns its path."""
    path = tempfile.mkdtemp(prefix="gitmem-demo-", dir=parent)
    try:
        _git(path, "init", "-q", "-b", "main")
        # Local identity: the demo works on a machine where git has none configured.
        _git(path, "config", "user.name", "gitmem demo")
        _git(path, "config", "user.email", "demo@gitmem.invalid")
        with open(os.path.join(path, "README.md"), "w", encoding="utf-8") as fh:
            fh.write("# parser\n\nA project used by the gitmem demo.\n")
        _git(path, "add", "README.md")
        _git(path, "commit", "-q", "-m", "initial commit")
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    return path


@contextmanager
def sandbox(*, keep: bool = False) -> Iterator[str]:
    """A throwaway repository, removed afterwards unless ``keep``."""
    path = make_repository()
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def _argv(step: Step, saved: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(saved.get(a[1:-1], a) if a.startswith("{") and a.endswith("}") else a for a in step.args)


def play(path: str, steps: list[Step]) -> Iterator[Shown]:
    """Run ``steps`` in the repository at ``path``, yielding each as it finishes."""
    saved: dict[str, str] = {}
    for step in steps:
        args = _argv(step, saved)
        if step.program == "file":
            with open(os.path.join(path, args[0]), "w", encoding="utf-8") as fh:
                fh.write(args[1].replace("\\n", "\n"))
            yield Shown(step, f"cat > {shlex.quote(args[0])} <<'EOF'\n{args[1]}\nEOF", "", 0)
            continue
        if step.program == "git":
            argv, shown = ["git", *args], ["git", *args]
        else:
            # Started as the hook shims start it: nothing in the tour's work tree is importable.
            argv = [sys.executable, *python_flags().split(), "-m", "gitmem", "-C", path, *args]
            shown = ["git", "codex", *args]
        done = _run(argv, path)
        result = Shown(step, shlex.join(shown), done.stdout, done.returncode)
        yield result
        if done.returncode != 0:
            raise GitmemError(
                f"demo step failed: '{result.command}' exited {done.returncode}",
                hint="this is a gitmem bug; rerun 'git codex demo --keep' to inspect the repository",
            )
        if step.save:
            saved[step.save] = done.stdout.strip()
