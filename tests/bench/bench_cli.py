"""Cold-start benchmark of the CLI against the pygit2 floor (a script, not a pytest test).

    python tests/bench/bench_cli.py                 # 100 and 2000 tasks, median of 10 runs
    python tests/bench/bench_cli.py --tasks 500 --runs 20

For each size it builds a throwaway repository whose memory holds N tasks (one bulk memory
commit, written in-process through the store), then times new processes of the floor
``python -c "import pygit2; pygit2.Repository('.')"`` and of a few commands, and prints the
median in milliseconds and its ratio to the floor.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

FLOOR = "floor: import pygit2; Repository('.')"
COMMANDS: list[tuple[str, list[str]]] = [
    (FLOOR, ["-c", "import pygit2; pygit2.Repository('.')"]),
    ("tasks next --json", ["-m", "gitmem", "tasks", "next", "--json"]),
    ("tasks list", ["-m", "gitmem", "tasks", "list"]),
    ("status", ["-m", "gitmem", "status"]),
    ("tasks add", ["-m", "gitmem", "tasks", "add", "Benchmark task"]),
]


def sealed_env(home: str) -> dict[str, str]:
    """No user config or hooks; a fixed identity so commits work anywhere."""
    # PYTHONDONTWRITEBYTECODE would recompile gitmem on every run (pip-installed pygit2 has
    # its bytecode already), measuring the compiler rather than gitmem.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "GITMEM_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"), GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1",
        GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com",
    )
    return env


def floor(path: str, env: dict[str, str]) -> float:
    """One run of the floor of our stack, in milliseconds."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import pygit2; pygit2.Repository('.')"], cwd=path, env=env, check=True)
    return (time.perf_counter() - started) * 1000


def git(path: str, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=path, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def build_repository(path: str, count: int, env: dict[str, str]) -> None:
    """A repository with one code commit and a memory of ``count`` tasks in one memory commit."""
    git(path, env, "init", "-q", "-b", "main")
    git(path, env, "commit", "-q", "--allow-empty", "-m", "initial commit")
    subprocess.run([sys.executable, "-m", "gitmem", "-C", path, "init"], env=env, check=True,
                   stdout=subprocess.DEVNULL)

    from gitmem.core import edits, graph
    from gitmem.core.models import Task
    from gitmem.engine.workspace import Workspace, utc_now
    from gitmem.store.memory import Change, Snapshot

    ws = Workspace.open(path)

    def build(snap: Snapshot) -> Change:
        stamp = snap.stamp(ws.actor)
        now = utc_now()
        tasks: dict[str, Task] = {}
        previous: str | None = None
        for n in range(count):
            task_id = graph.mint_id(tasks.__contains__)
            # Chains of ten: a realistic mix of ready and blocked tasks for `next`.
            after = [previous] if previous and n % 10 else []
            status = "completed" if n % 7 == 0 else "pending"
            tasks[task_id] = edits.new_task(
                task_id, f"Task {n}: do the thing number {n}", stamp=stamp, now=now,
                fields={"priority": n % 5, "status": status}, sets={"depends_on": after, "labels": [f"area{n % 4}"]},
            )
            previous = task_id
        return Change(f"bench: {count} tasks", tasks, clock=stamp.lamport)

    ws.write(build)


def time_runs(argv: Sequence[str], cwd: str, env: dict[str, str], runs: int) -> float:
    """Median wall time of ``runs`` new processes, in milliseconds (after one warm-up)."""
    samples = []
    for n in range(runs + 1):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, *argv], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        elapsed = (time.perf_counter() - start) * 1000
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
        if n:
            samples.append(elapsed)
    return statistics.median(samples)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, nargs="+", default=[100, 2000], metavar="N", help="task counts")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per command (median reported)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark repositories")
    args = parser.parse_args(argv)

    results: dict[int, dict[str, float]] = {}
    for count in args.tasks:
        root = tempfile.mkdtemp(prefix=f"gitmem-bench-{count}-")
        try:
            home, repo = os.path.join(root, "home"), os.path.join(root, "repo")
            os.makedirs(home)
            os.makedirs(repo)
            env = sealed_env(home)
            start = time.perf_counter()
            build_repository(repo, count, env)
            print(f"built {count} tasks in {time.perf_counter() - start:.1f} s ({repo})", file=sys.stderr)
            results[count] = {name: time_runs(cmd, repo, env, args.runs) for name, cmd in COMMANDS}
        finally:
            if args.keep:
                print(f"kept {root}", file=sys.stderr)
            else:
                shutil.rmtree(root, ignore_errors=True)

    print(f"\ncold runs, median of {args.runs}, Python {sys.version.split()[0]}\n")
    header = ["command"] + [f"{n} tasks: ms (x floor)" for n in args.tasks]
    rows = [header]
    for name, _ in COMMANDS:
        cells = [name]
        for count in args.tasks:
            ms, floor = results[count][name], results[count][FLOOR]
            cells.append(f"{ms:7.1f} ({ms / floor:4.2f}x)")
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return 0


if __name__ == "__main__":
    sys.exit(main())
