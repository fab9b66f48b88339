"""What the hooks ``git codex setup`` writes cost an agent (a script, not a pytest test).

    python tests/bench/bench_agent_hooks.py             # median of 10 runs per event
    python tests/bench/bench_agent_hooks.py --turns 2000

In a throwaway initialised repository, each event is written to ``git codex agent-hook
codex`` as Codex writes it: SessionStart (the conversation's session opened, the brief
printed), PostToolUse of update_plan (the plan mirrored), Stop (the conversation's rollout
read and its new turn logged) and Stop again with nothing new (the matchers setup writes
keep other tools' events from starting gitmem at all). The rollout is the one the real Codex CLI wrote in tests/e2e, grown to
``--turns`` prompts, so the Stop figure shows what a long conversation costs every turn.
Prints milliseconds, the ratio to the floor ``python -c "import pygit2;
pygit2.Repository('.')"``, the rollout's size and the brief's length.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_cli import floor, git, sealed_env

FIXTURE = next((Path(__file__).resolve().parents[1] / "fixtures" / "agents" / "codex-0.169.0").glob("*.jsonl"))


def grown_rollout(repo: str, dest: Path, turns: int) -> tuple[Path, str]:
    """The recorded rollout as if run in ``repo``, its first turn repeated until it has ``turns`` prompts."""
    lines = [json.loads(line) for line in FIXTURE.read_text().splitlines()]
    meta = lines[0]
    recorded = meta["payload"]["cwd"]
    thread = meta["payload"]["id"]
    text = "\n".join(json.dumps(line) for line in lines).replace(recorded, repo)
    body = text.splitlines()
    first_end = next(n for n, line in enumerate(body) if '"task_complete"' in line) + 1
    turn = body[1:first_end]
    out = [body[0]]
    for n in range(turns):
        out += [line.replace("Fix the parser, then update the docs", f"Prompt number {n}") for line in turn]
    path = dest / FIXTURE.name
    path.write_text("\n".join(out) + "\n")
    return path, thread


def timed(path: str, env: dict[str, str], event: dict[str, object]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "gitmem", "agent-hook", "codex"], cwd=path, env=env,
                            input=json.dumps(event), capture_output=True, text=True, check=True)
    return (time.perf_counter() - started) * 1000, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as path, \
            tempfile.TemporaryDirectory() as sessions:
        env = sealed_env(home)
        git(path, env, "init", "-q", "-b", "main")
        git(path, env, "commit", "-q", "--allow-empty", "-m", "initial commit")
        subprocess.run([sys.executable, "-m", "gitmem", "init"], cwd=path, env=env, check=True, capture_output=True)
        for n in range(30):
            subprocess.run([sys.executable, "-m", "gitmem", "tasks", "add", f"Roadmap item {n}"], cwd=path, env=env,
                           check=True, capture_output=True)
        rollout, thread = grown_rollout(path, Path(sessions), args.turns)
        base = statistics.median(floor(path, env) for _ in range(args.runs))
        figures: dict[str, list[float]] = {}
        brief = ""
        for n in range(args.runs):
            conversation = f"{thread[:-4]}{n:04d}"
            events = {
                "SessionStart": {"hook_event_name": "SessionStart", "session_id": conversation, "source": "startup"},
                "PostToolUse update_plan": {
                    "hook_event_name": "PostToolUse", "session_id": conversation, "tool_name": "update_plan",
                    "tool_input": {"plan": [{"step": f"Step {k} of run {n}", "status": "pending"} for k in range(5)]},
                    "tool_response": "Plan updated"},
            }
            for name, event in events.items():
                took, out = timed(path, env, event)
                figures.setdefault(name, []).append(took)
                brief = out if name == "SessionStart" else brief
        stop = {"hook_event_name": "Stop", "session_id": thread, "transcript_path": str(rollout)}
        figures["Stop, first read of the rollout"] = [timed(path, env, stop)[0]]
        figures["Stop, nothing new"] = [timed(path, env, stop)[0] for _ in range(args.runs)]
        size = rollout.stat().st_size
    print(f"floor {base:.0f} ms; rollout {size / 1e6:.1f} MB, {args.turns} prompts; "
          f"brief {len(brief)} characters")
    for name, values in figures.items():
        median = statistics.median(values)
        print(f"{name:34} {median:7.0f} ms  {median / base:6.2f}x")


if __name__ == "__main__":
    main()
