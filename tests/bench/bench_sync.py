"""Sync benchmark (a script, not a pytest test): N tasks, E concurrent edits on each side.

    python tests/bench/bench_sync.py                      # 1,000 tasks, 200 edits per side
    python tests/bench/bench_sync.py --tasks 5000 --edits 500

A bare remote; a seed clone imports N tasks in one go (``git codex import tasks``) and pushes;
clones A and B adopt that memory with ``init``. Then each side edits E tasks in-process
(half of them the same tasks on both sides, so half the edits are real field conflicts, the
rest disjoint) and the script times, as new processes, ``git codex sync`` in A (push),
in B (fetch, merge E against E, push) and in A again (fetch, fast-forward), and checks that
both clones end with the same memory tree.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time


def sealed_env(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITMEM_"))}
    env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"), GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1",
               GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")
    return env


def run(cwd: str, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {cwd}:\n{result.stdout}{result.stderr}")
    return result.stdout


def codex(cwd: str, env: dict[str, str], *args: str) -> str:
    return run(cwd, env, sys.executable, "-m", "gitmem", *args)


def timed(cwd: str, env: dict[str, str], *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    out = codex(cwd, env, *args)
    return time.perf_counter() - start, out


def edit_in_process(path: str, env: dict[str, str], ids: list[str], side: str) -> float:
    """``tasks edit`` through the CLI entry point in this process (no interpreter start-up)."""
    from gitmem.cli.main import main

    os.environ.clear()
    os.environ.update(env)
    start = time.perf_counter()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        for n, task in enumerate(ids):
            args = ["-C", path, "tasks", "edit", task, "--title", f"{side} edit {n}", "--add-label", side]
            if main(args) != 0:
                raise SystemExit(f"tasks edit {task} failed in {path}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=200)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitmem-bench-sync-") as root:
        env = sealed_env(os.path.join(root, "home"))
        os.makedirs(env["HOME"])
        remote = os.path.join(root, "remote.git")
        run(root, env, "git", "init", "-q", "--bare", "-b", "main", remote)
        seed = os.path.join(root, "seed")
        run(root, env, "git", "clone", "-q", remote, seed)
        run(seed, env, "git", "commit", "-q", "--allow-empty", "-m", "initial")
        run(seed, env, "git", "push", "-q", "origin", "main")
        codex(seed, env, "init", "--no-hooks")
        backlog = os.path.join(root, "backlog.jsonl")
        with open(backlog, "w", encoding="utf-8") as fh:
            for n in range(opts.tasks):
                fh.write(json.dumps({"id": f"b{n}", "title": f"Task {n}", "description": f"Benchmark task {n}"}) + "\n")
        start = time.perf_counter()
        codex(seed, env, "import", "tasks", backlog)
        print(f"import {opts.tasks} tasks: {time.perf_counter() - start:.2f} s")
        codex(seed, env, "push")
        clones = {}
        for side in ("a", "b"):
            path = os.path.join(root, side)
            run(root, env, "git", "clone", "-q", remote, path)
            start = time.perf_counter()
            codex(path, env, "init", "--no-hooks")
            print(f"init (adopt {opts.tasks} tasks) in {side}: {time.perf_counter() - start:.2f} s")
            clones[side] = path
        names = run(seed, env, "git", "ls-tree", "-r", "--name-only", "refs/codex/branches/main", "--", "tasks")
        ids = sorted(os.path.basename(n).removesuffix(".toml") for n in names.split())
        assert len(ids) == opts.tasks, len(ids)
        shared = opts.edits // 2
        edited = {"a": ids[:opts.edits], "b": ids[:shared] + ids[opts.edits:opts.edits + opts.edits - shared]}
        for side, path in clones.items():
            took = edit_in_process(path, env, edited[side], side)
            print(f"{opts.edits} edits in {side} (in-process): {took:.2f} s")
        a, b = clones["a"], clones["b"]
        rows = [("sync A (push only)", *timed(a, env, "sync")),
                (f"sync B (merge {opts.edits} vs {opts.edits}, {shared} conflicting; push)", *timed(b, env, "sync")),
                ("sync A (fast-forward)", *timed(a, env, "sync"))]
        for label, took, _ in rows:
            print(f"{label}: {took:.2f} s")
        trees = {side: run(path, env, "git", "rev-parse", "refs/codex/branches/main^{tree}").strip()
                 for side, path in clones.items()}
        assert trees["a"] == trees["b"], trees
        print("memory trees identical:", trees["a"])


if __name__ == "__main__":
    main()
