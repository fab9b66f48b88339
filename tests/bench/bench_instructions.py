"""Instruction counts of gitmem commands against the stack's floor (a script, not a pytest test).

    python tests/bench/bench_instructions.py                # 2,000 and 10,000 tasks
    python tests/bench/bench_instructions.py --tasks 2000

Wall-clock medians move with whatever else the machine runs; ``valgrind --tool=callgrind``
counts the instructions a process executes, the same from run to run, so the ratios to the
floor (``python -c "import pygit2; pygit2.Repository('.')"``) printed here hold on a busy
machine too. Child processes (``git``) are not counted. Each command runs once as it would
after the one before it (the fixtures are those of ``bench_suite.py``); a read is counted
with its kept answer removed (the parsed-memory cache warm), and once more as a kept answer.
Needs valgrind; takes about five seconds per line.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_cli import build_repository, sealed_env
from bench_suite import FLOOR, PLAN_A, PLAN_B, add_files, add_sessions, codex

from gitmem.core.constants import RESPONSES

_COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(argv: Sequence[str], repo: str, env: dict[str, str], stdin: str | None = None) -> int:
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv], cwd=repo,
                          env=env, input=stdin, capture_output=True, text=True)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return int(found.group(1))


def forget_answers(repo: str) -> None:
    shutil.rmtree(os.path.join(repo, ".git", "codex", "cache", RESPONSES), ignore_errors=True)


def measure(repo: str, env: dict[str, str]) -> list[tuple[str, int]]:
    def run(*args: str, stdin: str | None = None) -> None:
        subprocess.run(codex(*args), cwd=repo, env=env, input=stdin, check=True, capture_output=True, text=True)

    rows = [("floor", instructions(FLOOR, repo, env))]
    for name, args in (("status", ["status"]), ("tasks next --json", ["tasks", "next", "--json"]),
                       ("tasks list", ["tasks", "list"]), ("context", ["context"])):
        run(*args)  # caches warm for this memory
        forget_answers(repo)
        rows.append((f"{name} (parsed cache warm)", instructions(codex(*args), repo, env)))
        if name != "context":
            rows.append((f"{name} (kept answer)", instructions(codex(*args), repo, env)))
    run("tasks", "add", "Written before the read")
    rows.append(("tasks next --json (after tasks add)", instructions(codex("tasks", "next", "--json"), repo, env)))
    done = subprocess.run(codex("tasks", "add", "Completed before the read"), cwd=repo, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()
    run("tasks", "complete", done)
    rows.append(("tasks next --json (after tasks complete)", instructions(codex("tasks", "next", "--json"), repo, env)))
    run("tasks", "reopen", done)
    rows.append(("context (after tasks reopen)", instructions(codex("context"), repo, env)))
    rows.append(("tasks add", instructions(codex("tasks", "add", "Counted write"), repo, env)))
    target = subprocess.run(codex("tasks", "add", "Counted start"), cwd=repo, env=env, check=True,
                            capture_output=True, text=True).stdout.strip()
    rows.append(("tasks start", instructions(codex("tasks", "start", target), repo, env)))
    run("session", "log", "Warm-up turn")
    rows.append(("session log", instructions(codex("session", "log", "Counted turn"), repo, env)))
    run("plan", "sync", "-", stdin=PLAN_A)
    rows.append(("plan sync (a change)", instructions(codex("plan", "sync", "-"), repo, env, PLAN_B)))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, nargs="+", default=[2000, 10000], metavar="N")
    args = parser.parse_args(argv)
    if not shutil.which("valgrind"):
        print("valgrind is not installed: no instruction counts", file=sys.stderr)
        return 1
    root = tempfile.mkdtemp(prefix="gitmem-instructions-")
    home = os.path.join(root, "home")
    os.makedirs(home)
    env = sealed_env(home)
    os.environ.update(env)
    results = {}
    try:
        for count in args.tasks:
            repo = os.path.join(root, f"repo-{count}")
            os.makedirs(repo)
            build_repository(repo, count, env)
            add_files(repo, env)
            add_sessions(repo)
            results[count] = measure(repo, env)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for count, rows in results.items():
        floor = rows[0][1]
        print(f"\n| {count} tasks | instructions (M) | x floor |\n|---|---:|---:|")
        for name, n in rows:
            print(f"| {name} | {n / 1e6:.0f} | {n / floor:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
