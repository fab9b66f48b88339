"""How soon ``git codex mcp`` answers an agent (a script, not a pytest test).

    python tests/bench/bench_mcp.py            # median of 20 starts
    python tests/bench/bench_mcp.py --runs 50

Agents send their first model request right after starting their MCP servers; a server that
has not answered ``tools/list`` by then is not offered to the model. Each run starts a new
server process in a throwaway initialised repository, writes ``initialize``,
``notifications/initialized``, ``tools/list`` and one ``tools/call`` (``next``), and times
each answer from the start; the floor ``python -c "import pygit2; pygit2.Repository('.')"``
is timed alike. Prints milliseconds and the ratio to the floor; the listing's size too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time

from bench_cli import floor, git, sealed_env

MESSAGES = [
    {"jsonrpc": "2.0", "id": 1, "method": "initialize",
     "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "next", "arguments": {}}},
]


def one_start(path: str, env: dict[str, str]) -> tuple[list[float], int]:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "gitmem", "mcp", "--agent", "bench"], cwd=path, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("".join(json.dumps(m) + "\n" for m in MESSAGES))
    proc.stdin.flush()
    times, size = [], 0
    for _ in range(3):
        reply = json.loads(proc.stdout.readline())
        times.append((time.perf_counter() - started) * 1000)
        if reply["id"] == 2:
            size = len(json.dumps(reply["result"]["tools"]))
    proc.stdin.close()
    proc.wait()
    return times, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as path:
        env = sealed_env(home)
        git(path, env, "init", "-q", "-b", "main")
        git(path, env, "commit", "-q", "--allow-empty", "-m", "initial commit")
        subprocess.run([sys.executable, "-m", "gitmem", "init"], cwd=path, env=env, check=True, capture_output=True)
        base = statistics.median(floor(path, env) for _ in range(runs))
        starts = [one_start(path, env) for _ in range(runs)]
    print(f"floor {base:.0f} ms; tool listing {starts[0][1]} characters")
    for n, name in enumerate(("initialize", "tools/list", "first tools/call (next)")):
        median = statistics.median(s[0][n] for s in starts)
        print(f"{name:26} {median:6.0f} ms  {median / base:5.2f}x")


if __name__ == "__main__":
    main()
