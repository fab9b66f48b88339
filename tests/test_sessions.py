"""Sessions: turns, notes on the session's commit, listing, concurrency across worktrees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import git, memory_tip, run_git_codex
from gitmem.derived import sealed
from gitmem.derived.index import CACHE_VERSION


def test_turns_end_in_a_note_on_the_session_commit(initialised: Path, cli) -> None:
    sid = cli("session", "start", "--agent", "codex").out.strip()
    cli("session", "log", "Fixed the parser", "--action", "pytest -q", "--follow-up", "Update the docs",
        "--agent", "codex")
    (initialised / "parser.py").write_text("x = 1\n")
    git(initialised, "add", "parser.py")
    git(initialised, "commit", "-q", "-m", "parser")
    head = git(initialised, "rev-parse", "HEAD").strip()
    cli("session", "end", "--summary", "Parser fixed; docs pending", "--agent", "codex")

    shown = git(initialised, "log", "--notes=codex", "-1")
    assert "Parser fixed; docs pending" in shown
    assert sid in shown
    notes = cli("session", "show", "--commit", head, "--json").json()
    assert notes["sessions"][sid]["summary"] == "Parser fixed; docs pending"
    assert notes["sessions"][sid]["follow_ups"] == ["Update the docs"]
    session = cli("session", "show", sid, "--json").json()["session"]
    assert session["ended_at"] and session["head_end"] == head
    assert [t["summary"] for t in session["turns"]] == ["Fixed the parser"]
    assert git(initialised, "status", "--porcelain") == ""


def test_session_without_commits_notes_head_at_start(initialised: Path, cli) -> None:
    head = git(initialised, "rev-parse", "HEAD").strip()
    cli("session", "log", "Looked around")  # opens a session on demand
    cli("session", "end")
    digests = cli("session", "show", "--commit", head, "--json").json()["sessions"]
    assert [d["summary"] for d in digests.values()] == ["Looked around"]


def test_two_digests_on_one_commit_merge(initialised: Path, cli) -> None:
    head = git(initialised, "rev-parse", "HEAD").strip()
    cli("session", "log", "first agent", "--agent", "a1")
    cli("session", "log", "second agent", "--agent", "a2")
    cli("session", "end", "--agent", "a1")
    cli("session", "end", "--agent", "a2")
    digests = cli("session", "show", "--commit", head, "--json").json()["sessions"]
    assert sorted(d["summary"] for d in digests.values()) == ["first agent", "second agent"]


def test_end_without_open_session_is_an_error(initialised: Path, cli) -> None:
    before = memory_tip(initialised)
    result = cli("session", "end", expect=1)
    assert "no open session" in result.err
    assert memory_tip(initialised) == before


def test_bad_input_changes_nothing(initialised: Path, cli) -> None:
    before = memory_tip(initialised)
    cli("session", "log", "bad \x1b[31m", expect=1)
    cli("session", "log", "ok", "--task", "t-zzzz", expect=1)
    cli("session", "start", "--agent", "bad agent; rm -rf /", expect=1)
    cli("session", "show", "s-nope", expect=1)
    assert memory_tip(initialised) == before


def test_concurrent_agents_in_two_worktrees_lose_no_turn(initialised: Path, cli, tmp_path: Path) -> None:
    other = tmp_path / "wt"
    git(initialised, "worktree", "add", "-q", str(other), "-b", "side")
    git(other, "switch", "-q", "main", check=False)  # main is checked out elsewhere: stay on side
    script = (
        "import sys; from gitmem.cli.main import main\n"
        "for n in range(6):\n"
        "    assert main(['-C', sys.argv[1], 'session', 'log', f'{sys.argv[2]} turn {n}', '--agent', sys.argv[2]]) == 0\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(path), agent])
        for path, agent in ((initialised, "a1"), (initialised, "a2"), (initialised, "a3"), (other, "a4"))
    ]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    for path, agents in ((initialised, ("a1", "a2", "a3")), (other, ("a4",))):
        listed = run_git_codex(path, "session", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        import json

        sessions = json.loads(listed.stdout)["sessions"]
        for agent in agents:
            turns = [t["summary"] for s in sessions if s["agent"] == agent for t in s["turns"]]
            assert sorted(turns) == [f"{agent} turn {n}" for n in range(6)]
    assert git(initialised, "status", "--porcelain") == ""


def test_retention_compacts_old_sessions(initialised: Path, cli) -> None:
    git(initialised, "config", "codex.sessions.keep", "2")
    for n in range(4):
        cli("session", "log", f"turn of session {n}", "--agent", "a")
        cli("session", "end", "--agent", "a")
    sessions = cli("session", "list", "--json").json()["sessions"]
    assert len(sessions) == 4
    full = [s for s in sessions if s["turns"]]
    compacted = [s for s in sessions if s["compacted_turns"]]
    assert len(full) == 2 and len(compacted) == 2
    assert {s["summary"] for s in compacted} == {"turn of session 0", "turn of session 1"}
    # The full text stays reachable in the memory's history.
    history = git(initialised, "log", "-p", "refs/codex/branches/main")
    assert "turn of session 0" in history


def test_a_session_rewritten_every_turn_keeps_one_parsed_version(initialised: Path, cli) -> None:
    """Each turn rewrites its session's blob: the kept documents hold the newest version of each
    open session, not a trail of its past versions (the file is read and written every turn)."""
    for n in range(5):
        cli("session", "log", f"Turn {n}")
        cli("session", "log", f"Other turn {n}", "--agent", "other")
    listing = git(initialised, "ls-tree", "refs/codex/branches/main", "sessions/").split()
    blobs = {listing[i + 2] for i in range(0, len(listing), 4)}
    kept = sealed.read(str(initialised / ".git" / "codex" / "cache" / f"session-documents-v{CACHE_VERSION}.marshal"))
    assert set(kept) == blobs and len(blobs) == 2


def test_the_open_session_is_kept_parsed_exactly_as_stored(initialised: Path, cli) -> None:
    """Each write keeps its session's document for the next turn; it is what the blob parses to,
    and a damaged keep is ignored."""
    import tomllib

    cli("session", "log", "First turn", "--action", "pytest -q", "--follow-up", 'Quote "this" \\ and\ttab')
    cli("session", "log", "Second turn", "--agent", "other")
    kept_path = initialised / ".git" / "codex" / "cache" / f"session-documents-v{CACHE_VERSION}.marshal"
    kept = sealed.read(str(kept_path))
    listing = git(initialised, "ls-tree", "refs/codex/branches/main", "sessions/").split()
    blobs = [listing[i + 2] for i in range(0, len(listing), 4)]
    assert set(blobs) <= set(kept)
    for blob in blobs:
        assert kept[blob][0] == tomllib.loads(git(initialised, "cat-file", "-p", blob))
    kept_path.write_bytes(b"\x01" * 64)
    cli("session", "log", "Third turn")
    shown = cli("session", "show", "--json").json()
    assert [t["summary"] for t in shown["session"]["turns"]] == ["First turn", "Third turn"]


def test_the_readme_agent_flow_is_one_session_that_ends_with_its_summary(initialised: Path) -> None:
    """The commands README.md gives for an agent's session, run as a shell runs them."""
    import os
    import re
    import shutil

    import pytest

    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "git-codex").exists():
        pytest.skip("git-codex is not installed beside this Python (pip install -e .)")
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"An agent's session[^\n]*\n\n```sh\n(.*?)```", readme, re.S)
    assert block is not None, "README.md lost its agent flow"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("GITMEM_AGENT", None)
    done = subprocess.run(["bash", "-e", "-c", block.group(1)], cwd=initialised, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert shutil.which("git", path=env["PATH"])
    sessions = json.loads(run_git_codex(initialised, "session", "list", "--json").stdout)["sessions"]
    assert [(s["agent"], s["ended_at"] is not None) for s in sessions] == [("codex", True)], sessions
    brief = run_git_codex(initialised, "context").stdout
    assert "Parser fixed; docs pending" in brief and "no turns logged yet" not in brief


def test_follow_ups_have_an_identity_repeat_once_and_can_be_marked_done(initialised: Path, cli) -> None:
    cli("session", "log", "first turn", "--follow-up", "Update the docs", "--follow-up", "Fix the flaky test")
    cli("session", "log", "second turn", "--follow-up", "update  the DOCS")  # the same follow-up again
    cli("session", "end")
    cli("session", "log", "next session", "--follow-up", "Update the docs")
    items = [i for i in cli("context", "--json").json()["items"] if i["section"] == "Open follow-ups"]
    assert sorted(i["text"].split(" (")[0] for i in items) == ["- Fix the flaky test", "- Update the docs"]
    docs = next(i["follow_up"] for i in items if "docs" in i["text"])
    assert f"`{docs}`" in cli("context").out
    assert cli("session", "done", docs, "--json").json()["text"] == "Update the docs"
    left = [i["text"] for i in cli("context", "--json").json()["items"] if i["section"] == "Open follow-ups"]
    assert len(left) == 1 and "Fix the flaky test" in left[0]
    tip = memory_tip(initialised)
    cli("session", "done", docs)  # already done: nothing written
    assert memory_tip(initialised) == tip
    assert "no follow-up f-00000000" in cli("session", "done", "f-00000000", expect=1).err
    fsck = run_git_codex(initialised, "fsck")
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
