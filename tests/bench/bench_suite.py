"""The benchmark suite of issue 8 (a script, not a pytest test).

    python tests/bench/bench_suite.py                     # 2,000 and 10,000 tasks
    python tests/bench/bench_suite.py --tasks 2000 --runs 5

It builds its own fixtures: a repository of 5,000 files whose memory holds N tasks and 200
sessions. Every figure is the median of repeated cold runs (new processes) and is printed
as a ratio to the floor of the stack (``python -c "import pygit2; pygit2.Repository('.')"``),
timed once before each run: the median of those per-run ratios, so a machine whose speed
drifts during the suite (a shared virtual machine) does not skew the rows timed late:

- reads (``status``, ``tasks next --json``, ``tasks list``, ``context``) answered from a kept
  answer (not ``context``: relative ages), with the parsed-memory cache warm (summaries and
  graph facts of this tasks tree), right after ``tasks add`` (a new tree; the write carried
  the overview forward), right after ``tasks complete``/``reopen`` (a new tree whose overview
  must be computed), and with no cache at all;
- writes (``tasks add``, ``tasks start``/``block``, ``session log``, ``plan sync``) and their
  in-process cost: one command in a fresh process whose imports are done, and repeated in
  one process as the MCP server runs them; ``session log`` also with text the secret
  scanner skips and with a key it redacts (detect-secrets' import is the cost);
- ``git switch`` round trips with and without the hooks;
- ``import tasks`` of 2,000 and 10,000 tasks;
- Taskwarrior (``task``) and Task Master (``task-master``) side by side when installed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_cli import build_repository, git, sealed_env

from gitmem.core.constants import RESPONSES

PY = sys.executable
FLOOR = [PY, "-c", "import pygit2; pygit2.Repository('.')"]
PLAN_A = '{"plan": [{"step": "Bench step one", "status": "in_progress"}, {"step": "Bench step two", "status": "pending"}]}'
PLAN_B = '{"plan": [{"step": "Bench step one", "status": "completed"}, {"step": "Bench step two", "status": "in_progress"}]}'


def codex(*args: str) -> list[str]:
    return [PY, "-m", "gitmem", *args]


class Timing(NamedTuple):
    """A row's median, and the floor timed between its runs (the machine's speed drifts)."""

    ms: float
    floor_ms: float | None = None
    ratio: float | None = None
    """The median of the per-run ratios to the floor run just before it."""


def _elapsed_ms(run: Callable[[int], None], n: int) -> float:
    start = time.perf_counter()
    run(n)
    return (time.perf_counter() - start) * 1000


def median_ms(run: Callable[[int], None], runs: int, before: Callable[[], None] | None = None,
              floor: Callable[[int], None] | None = None) -> Timing:
    """The median of ``runs`` runs of ``run`` (after one that warms the OS cache and bytecode),
    each after ``before``; with ``floor``, a floor run before each, for the ratio."""
    samples, floors = [], []
    for n in range(runs + 1):
        if before:
            before()
        floor_ms = _elapsed_ms(floor, n) if floor else None
        ms = _elapsed_ms(run, n)
        if n:
            samples.append(ms)
            if floor_ms is not None:
                floors.append(floor_ms)
    if not floors:
        return Timing(statistics.median(samples))
    return Timing(statistics.median(samples), statistics.median(floors),
                  statistics.median(ms / f for ms, f in zip(samples, floors, strict=True)))


def command(argv: Sequence[str], cwd: str, env: dict[str, str], stdin: str | None = None) -> Callable[[int], None]:
    def run(_: int) -> None:
        done = subprocess.run(list(argv), cwd=cwd, env=env, input=stdin, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return run


def alternating(*runs: Callable[[int], None]) -> Callable[[int], None]:
    """Run n is ``runs[n % len(runs)]`` (a write that undoes the one before, so each changes something)."""
    return lambda n: runs[n % len(runs)](n)


def add_files(repo: str, env: dict[str, str], count: int = 5000) -> None:
    for n in range(count):
        sub = os.path.join(repo, "src", f"d{n % 50:02d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"f{n}.txt"), "w", encoding="utf-8") as fh:
            fh.write(f"file {n}\n")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", f"{count} files")


def add_sessions(repo: str, count: int = 200) -> None:
    from gitmem.core.models import Session, Turn
    from gitmem.engine.workspace import Workspace, utc_now
    from gitmem.services.sessions import new_session_id
    from gitmem.store.memory import Change, Snapshot
    from gitmem.store.sessions import encode_session, session_path

    ws = Workspace.open(repo)

    def build(snap: Snapshot) -> Change:
        stamp = snap.stamp(ws.actor)
        blobs: dict[str, bytes | None] = {}
        for n in range(count):
            sid = new_session_id()
            turns = tuple(Turn(f"u-{n:05d}{k:03d}", utc_now(), f"turn {k} of session {n}", follow_ups=(f"follow {n}.{k}",))
                          for k in range(3))
            blobs[session_path(sid)] = encode_session(Session(sid, "bench", "main", utc_now(), ws.head or "", stamp,
                                                              ended_at=utc_now(), summary=f"session {n}", turns=turns))
        return Change(f"bench: {count} sessions", blobs=blobs, clock=stamp.lamport)

    ws.write(build)


def clear_cache(repo: str, keep_parsed: bool) -> Callable[[], None]:
    """Drop the kept answers, and unless ``keep_parsed`` also the parsed memory (summaries,
    graph facts, the plan-key index, documents kept by blob id)."""
    def clear() -> None:
        cache = os.path.join(repo, ".git", "codex", "cache")
        for name in os.listdir(cache) if os.path.isdir(cache) else []:
            if keep_parsed and name != RESPONSES:
                continue
            path = os.path.join(cache, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    return clear


def after_task_write(repo: str, env: dict[str, str]) -> Callable[[], None]:
    """Add a task first (not timed): the next read finds a tasks tree its caches have not seen
    (the write carries the overview forward, so ``status`` and ``tasks next`` need no summary)."""
    def write() -> None:
        subprocess.run(codex("tasks", "add", "Written before the read"), cwd=repo, env=env, check=True,
                       capture_output=True)
    return write


def after_completion(repo: str, env: dict[str, str]) -> Callable[[], None]:
    """Complete a task, or reopen it, first (not timed): a change that can make other tasks ready,
    so the next read brings the summaries up to date and computes the overview afresh."""
    target = subprocess.run(codex("tasks", "add", "Completed and reopened"), cwd=repo, env=env, check=True,
                            capture_output=True, text=True).stdout.strip()
    verbs = iter(("complete", "reopen") * 1000)

    def write() -> None:
        subprocess.run(codex("tasks", next(verbs), target), cwd=repo, env=env, check=True, capture_output=True)
    return write


_ONE_COMMAND = """
import contextlib, io, sys, time
import json, tomllib
import gitmem.cli.app, gitmem.derived.answers, gitmem.cli.main
import gitmem.cli.commands.plan, gitmem.cli.commands.session, gitmem.cli.commands.tasks
import gitmem.engine.drift, gitmem.services.plans, gitmem.services.sessions, gitmem.services.tasks
from gitmem.cli.main import main
start = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(code, (time.perf_counter() - start) * 1000)
"""


def one_command_in_process(repo: str, env: dict[str, str], runs: int) -> dict[str, float]:
    """A write's own work in a fresh process whose imports are done: the command as an agent
    runs it (opening the repository, following drift, reading caches, writing), less start-up."""
    target = subprocess.run(codex("tasks", "add", "One-command target"), cwd=repo, env=env, check=True,
                            capture_output=True, text=True).stdout.strip()
    cases: dict[str, list[tuple[list[str], str | None]]] = {
        "session log": [(["session", "log", "One-command turn"], None)],
        "tasks start / block": [(["tasks", "start", target], None), (["tasks", "block", target, "--reason", "x"], None)],
        "tasks add": [(["tasks", "add", "One-command task"], None)],
        "plan sync (a change)": [(["plan", "sync", "-"], PLAN_B), (["plan", "sync", "-"], PLAN_A)],
    }
    out = {}
    for name, variants in cases.items():
        times = []
        for n in range(runs + 1):
            argv, stdin = variants[n % len(variants)]
            done = subprocess.run([PY, "-c", _ONE_COMMAND, *argv], cwd=repo, env=env, input=stdin,
                                  capture_output=True, text=True, check=True)
            code, ms = done.stdout.split()
            if code != "0":
                raise SystemExit(f"{' '.join(argv)} exited {code}: {done.stderr}")
            times.append(float(ms))
        out[name] = statistics.median(times[1:])
    return out


def in_process_writes(repo: str, runs: int) -> dict[str, float]:
    """Write work repeated inside one process (as the MCP server runs it): session log, plan
    sync, tasks start."""
    from gitmem.engine.workspace import Workspace
    from gitmem.services import plans, sessions, tasks

    out: dict[str, list[float]] = {"session log": [], "plan sync": [], "tasks start|complete|reopen": []}
    target = tasks.add(Workspace.open(repo), "In-process bench target").id
    for n in range(runs + 1):
        t0 = time.perf_counter()
        sessions.log_turn(Workspace.open(repo, agent="bench"), sessions.TurnInput(f"turn {n}"))
        t1 = time.perf_counter()
        fmt, steps, _ = plans.parse(PLAN_A if n % 2 else PLAN_B)
        plans.sync(Workspace.open(repo, agent="bench"), steps, fmt)
        t2 = time.perf_counter()
        for verb in ("start", "complete", "reopen"):
            tasks.transition(Workspace.open(repo), target, verb)
        t3 = time.perf_counter()
        if n:
            out["session log"].append((t1 - t0) * 1000)
            out["plan sync"].append((t2 - t1) * 1000)
            out["tasks start|complete|reopen"].append((t3 - t2) * 1000 / 3)
    return {k: statistics.median(v) for k, v in out.items()}


def switch_round_trips(repo: str, env: dict[str, str], floor: Callable[[int], None], trips: int = 10
                       ) -> tuple[float, float, float]:
    """Total ms of ``trips`` switch round trips main -> other -> main with the hooks and as many
    without, interleaved (one of each, then a floor run, per trip), and the floor's median."""
    subprocess.run(["git", "branch", "-f", "bench-other"], cwd=repo, env=env, check=True)
    totals = {True: 0.0, False: 0.0}
    floors = []
    for n in range(trips):
        for hooks in (True, False):
            start = time.perf_counter()
            for branch in ("bench-other", "main"):
                subprocess.run(["git", *([] if hooks else ["-c", "core.hooksPath=/dev/null"]), "switch", "-q", branch],
                               cwd=repo, env=env, check=True)
            totals[hooks] += (time.perf_counter() - start) * 1000
        floors.append(_elapsed_ms(floor, n))
    return totals[True], totals[False], statistics.median(floors)


def git_size(repo: str, env: dict[str, str]) -> int:
    """Bytes of .git after ``git gc`` (packed, as a clone would hold it)."""
    git(repo, env, "gc", "-q", "--prune=now")
    total = 0
    for base, _, files in os.walk(os.path.join(repo, ".git")):
        total += sum(os.path.getsize(os.path.join(base, f)) for f in files)
    return total


def import_tasks(count: int, env: dict[str, str], root: str) -> tuple[float, int]:
    repo = os.path.join(root, f"import-{count}")
    os.makedirs(repo)
    git(repo, env, "init", "-q", "-b", "main")
    git(repo, env, "commit", "-q", "--allow-empty", "-m", "initial")
    subprocess.run(codex("-C", repo, "init", "--no-hooks"), env=env, check=True, capture_output=True)
    path = os.path.join(root, f"tasks-{count}.jsonl")
    with open(path, "w", encoding="utf-8") as fh:
        for n in range(count):
            deps = [f"x{n - 1}"] if n % 10 else []
            fh.write(json.dumps({"id": f"x{n}", "title": f"Imported task {n}", "depends_on": deps}) + "\n")
    before = git_size(repo, env)
    start = time.perf_counter()
    subprocess.run(codex("-C", repo, "import", "tasks", path), env=env, check=True, capture_output=True)
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, git_size(repo, env) - before


def peers(count: int, root: str, env: dict[str, str], runs: int, floor: Callable[[int], None]
          ) -> list[tuple[str, Timing]]:
    """Taskwarrior's and Task Master's equivalents on the same task count, where installed
    (Task Master takes seconds a command: at most three runs of each)."""
    rows: list[tuple[str, Timing]] = []
    if not shutil.which("task"):
        print("Taskwarrior (task) is not installed: no side-by-side figures", file=sys.stderr)
    else:
        data = os.path.join(root, f"taskwarrior-{count}")
        os.makedirs(data)
        rc = os.path.join(data, "taskrc")
        with open(rc, "w", encoding="utf-8") as fh:
            fh.write(f"data.location={data}\nconfirmation=off\nverbose=nothing\nhooks=off\n")
        tw_env = {**env, "TASKRC": rc, "TASKDATA": data}
        with open(os.path.join(data, "import.json"), "w", encoding="utf-8") as fh:
            json.dump([{"description": f"Task {n}", "status": "pending", "entry": "20261122T000000Z",
                        "uuid": f"00000000-0000-4000-8000-{n:012d}"} for n in range(count)], fh)
        subprocess.run(["task", "import", os.path.join(data, "import.json")], env=tw_env, capture_output=True, check=True)
        for name, argv in (("task next", ["task", "next"]), ("task list", ["task", "list"]),
                           ("task add", ["task", "add", "bench"])):
            rows.append((f"Taskwarrior: {name}", median_ms(command(argv, data, tw_env), runs, floor=floor)))
    if not shutil.which("task-master"):
        print("Task Master (task-master) is not installed: no side-by-side figures", file=sys.stderr)
    else:
        project = os.path.join(root, f"taskmaster-{count}")
        os.makedirs(os.path.join(project, ".taskmaster", "tasks"))
        tasks = [{"id": n + 1, "title": f"Task {n}", "description": f"Do the thing number {n}",
                  "status": "done" if n % 7 == 0 else "pending", "dependencies": [n] if n % 10 else [],
                  "priority": "medium", "details": "", "testStrategy": "", "subtasks": []} for n in range(count)]
        with open(os.path.join(project, ".taskmaster", "tasks", "tasks.json"), "w", encoding="utf-8") as fh:
            json.dump({"master": {"tasks": tasks, "metadata": {"created": "2026-11-22T00:00:00Z",
                                                                "updated": "2026-11-22T00:00:00Z"}}}, fh)
        tm_env = {**env, "HOME": project}  # no API keys: only the commands that need no model
        for name, argv in (("task-master next", ["task-master", "next"]), ("task-master list", ["task-master", "list"]),
                           ("task-master add-task (manual)", ["task-master", "add-task", "--title", "bench",
                                                              "--description", "bench task"])):
            rows.append((f"Task Master: {name}", median_ms(command(argv, project, tm_env), min(runs, 3), floor=floor)))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, nargs="+", default=[2000, 10000], metavar="N")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    root = tempfile.mkdtemp(prefix="gitmem-suite-")
    home = os.path.join(root, "home")
    os.makedirs(home)
    env = sealed_env(home)
    os.environ.update(env)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    results: dict[int, list[tuple[str, Timing]]] = {}
    try:
        for count in args.tasks:
            repo = os.path.join(root, f"repo-{count}")
            os.makedirs(repo)
            start = time.perf_counter()
            build_repository(repo, count, env)
            add_files(repo, env)
            add_sessions(repo)
            print(f"built {count} tasks, 200 sessions, 5,000 files in {time.perf_counter() - start:.1f} s",
                  file=sys.stderr)
            floor_run = command(FLOOR, repo, env)

            def timed(run: Callable[[int], None], before: Callable[[], None] | None = None,
                      floor_run: Callable[[int], None] = floor_run) -> Timing:
                return median_ms(run, args.runs, before, floor_run)

            rows: list[tuple[str, Timing]] = [("floor", median_ms(floor_run, args.runs))]
            for name, cmd in (("status", ["status"]), ("tasks next --json", ["tasks", "next", "--json"]),
                              ("tasks list", ["tasks", "list"]), ("context", ["context"])):
                run = command(codex(*cmd), repo, env)
                if name != "context":  # relative ages: context is never a kept answer
                    rows.append((f"{name} (kept answer)", timed(run)))
                rows.append((f"{name} (parsed cache warm)", timed(run, clear_cache(repo, True))))
                rows.append((f"{name} (after tasks add)", timed(run, after_task_write(repo, env))))
                rows.append((f"{name} (after tasks complete/reopen)", timed(run, after_completion(repo, env))))
                rows.append((f"{name} (no cache)", timed(run, clear_cache(repo, False))))
            rows.append(("tasks add", timed(command(codex("tasks", "add", "Bench write"), repo, env))))
            target = subprocess.run(codex("tasks", "add", "Bench start target"), cwd=repo, env=env, check=True,
                                    capture_output=True, text=True).stdout.strip()
            flips = alternating(command(codex("tasks", "start", target), repo, env),
                                command(codex("tasks", "block", target, "--reason", "bench"), repo, env))
            rows.append(("tasks start / block", timed(flips)))
            rows.append(("session log", timed(command(codex("session", "log", "Bench turn"), repo, env))))
            turn = "Fixed src/bench/module.py at 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
            rows.append(("session log, a path and a commit id (not scanned)",
                         timed(command(codex("session", "log", turn), repo, env))))
            leaky = "Deployed with AKIAIOSFODNN7EXAMPLE"
            rows.append(("session log, a key (scanned, redacted)", timed(command(codex("session", "log", leaky), repo, env))))
            plans = alternating(command(codex("plan", "sync", "-"), repo, env, PLAN_B),
                                command(codex("plan", "sync", "-"), repo, env, PLAN_A))
            rows.append(("plan sync (a change)", timed(plans)))
            for name, ms in one_command_in_process(repo, env, args.runs).items():
                rows.append((f"in-process, one command: {name}", Timing(ms)))
            for name, ms in in_process_writes(repo, args.runs).items():
                rows.append((f"in-process, repeated (MCP server): {name}", Timing(ms)))
            with_hooks, without, floor_ms = switch_round_trips(repo, env, floor_run)
            rows.append(("10 git switch round trips, hooks", Timing(with_hooks)))
            rows.append(("10 git switch round trips, no hooks", Timing(without)))
            per_switch = (with_hooks - without) / 20
            rows.append(("hook cost per switch", Timing(per_switch, floor_ms, per_switch / floor_ms)))
            rows.extend(peers(count, root, env, args.runs, floor_run))
            results[count] = rows
        imports = [(n, *import_tasks(n, env, root)) for n in (2000, 10000)]
    finally:
        if args.keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)

    print(f"\nmedian of {args.runs} cold runs; Python {sys.version.split()[0]}; each ratio is the median of its runs'"
          " ratios to a floor run timed just before each (the floor column: their median)\n")
    for count, rows in results.items():
        floor = rows[0][1].ms
        print(f"| {count} tasks | ms | floor ms | x floor |\n|---|---:|---:|---:|")
        for name, timing in rows:
            ratio = timing.ratio if timing.ratio is not None else None if name.startswith(("in-process", "10 git")) \
                else timing.ms / floor
            print(f"| {name} | {timing.ms:.1f} | {'' if timing.floor_ms is None else f'{timing.floor_ms:.1f}'} | "
                  f"{'' if ratio is None else f'{ratio:.2f}x'} |")
        print()
    print("| bulk import | s | .git growth after git gc |\n|---|---:|---:|")
    for count, ms, growth in imports:
        print(f"| import tasks {count} | {ms / 1000:.2f} | {growth / 1024:.0f} KiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
