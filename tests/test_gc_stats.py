"""``gc`` (backups, aliases, notes on unreachable commits, sizes) and ``stats`` (local telemetry)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path

from test_fsck import MEMORY, plant

from conftest import Result, git, memory_tip
from gitmem.git.repo import Repo
from gitmem.services.stats import percentile, summarise
from gitmem.store import events

Cli = Callable[..., Result]
NOTE = ('[sessions.s-20260101t000000000000-aaaaaa]\nagent = "codex"\nbranch = "main"\n'
        'started_at = "2026-01-01T00:00:00Z"\nended_at = "2026-01-01T01:00:00Z"\nsummary = "did things"\nturns = 1\n')


def add_note(repo: Path, commit: str) -> None:
    git(repo, "notes", "--ref", "refs/notes/codex", "add", "-f", "-m", NOTE, commit)


def noted(repo: Path) -> set[str]:
    return {line.split()[1] for line in git(repo, "notes", "--ref", "refs/notes/codex", "list").splitlines()}


def test_gc_expires_old_backups_only(initialised: Path, cli: Cli) -> None:
    repo = initialised
    tip = memory_tip(repo)
    old = (_dt.datetime.now(_dt.UTC) - _dt.timedelta(days=40)).strftime("%Y%m%dT%H%M%S%fZ")
    git(repo, "update-ref", f"refs/codex/backups/{old}-main", tip)
    git(repo, "update-ref", "refs/codex/backups/not-a-stamp", tip)  # dated by its commit: new
    cli("tasks", "add", "x")
    cli("restore", tip)  # makes a fresh backup
    doc = cli("gc", "--json").json()
    assert doc["expired"] == [f"refs/codex/backups/{old}-main"]
    assert doc["backups_kept"] == 2
    assert doc["sizes"]["memories"] == 1 and doc["sizes"]["memory_commits"] == 3
    assert cli("gc", "--expire", "0", "--json").json()["expired"]
    assert git(repo, "for-each-ref", "refs/codex/backups") == ""
    assert "memory:" in cli("gc").out


def test_gc_removes_only_caches_of_earlier_versions(initialised: Path, cli: Cli) -> None:
    cli("tasks", "add", "x")
    cli("tasks", "next")
    cache = initialised / ".git" / "codex" / "cache"
    current = sorted(p.name for p in cache.iterdir())
    (cache / "summaries-v1.marshal").write_bytes(b"old" * 100)
    (cache / "derived-v1").mkdir()
    (cache / "derived-v1" / "overview-v1-abc.marshal").write_bytes(b"old")
    (cache / "responses-v1").mkdir()
    (cache / "summaries-v6.marshal.123.tmp").write_bytes(b"being written")
    doc = cli("gc", "--json").json()
    assert (doc["stale_cache_entries"], doc["stale_cache_bytes"]) == (3, 303)
    assert sorted(p.name for p in cache.iterdir()) == sorted([*current, "summaries-v6.marshal.123.tmp"])
    assert cli("tasks", "next", "--json").json()["tasks"][0]["title"] == "x"
    assert "cache:   0 entries" in cli("gc").out


def test_gc_removes_notes_only_on_unreachable_commits(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    repo = initialised
    git(repo, "commit", "-q", "--allow-empty", "-m", "noted")
    rewritten = git(repo, "rev-parse", "HEAD").strip()
    add_note(repo, rewritten)
    git(repo, "commit", "-q", "--amend", "--allow-empty", "-m", "noted, amended")
    kept = git(repo, "rev-parse", "HEAD").strip()
    add_note(repo, kept)
    # a commit reachable only from a remote-tracking ref keeps its note
    git(repo, "checkout", "-q", "-b", "side")
    git(repo, "commit", "-q", "--allow-empty", "-m", "pushed elsewhere")
    remote_only = git(repo, "rev-parse", "HEAD").strip()
    add_note(repo, remote_only)
    git(repo, "update-ref", "refs/remotes/origin/side", remote_only)
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-D", "side")
    assert noted(repo) == {rewritten, kept, remote_only}

    doc = cli("gc", "--json").json()
    assert doc["notes_removed"] == 1 and doc["notes_backup"]
    assert noted(repo) == {kept, remote_only}
    assert doc["sizes"]["notes"] == 2 and doc["sizes"]["notes_bytes"] > 0
    assert cli("gc", "--json").json()["notes_removed"] == 0
    cli("fsck")


def test_gc_prunes_aliases_of_vanished_commits(initialised: Path, cli: Cli) -> None:
    repo = initialised
    head = git(repo, "rev-parse", "HEAD").strip()
    gone = "cd" * 20
    plant(repo, MEMORY, "aliases.toml", f'[aliases]\n{gone} = "{head}"\n{head} = "{head}"\n'.encode())
    doc = cli("gc", "--json").json()
    assert doc["aliases_pruned"] == {MEMORY: 1}
    assert gone not in git(repo, "show", f"{MEMORY}:aliases.toml")
    assert git(repo, "log", "-1", "--format=%s", MEMORY).startswith("gc: prune 1 alias")


def test_gc_in_a_shallow_clone_keeps_notes_on_missing_commits(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    repo = initialised
    first = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "commit", "-q", "--allow-empty", "-m", "second")
    add_note(repo, first)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    git(shallow, "fetch", "-q", "origin", "refs/notes/codex:refs/notes/codex", "refs/codex/*:refs/codex/*")
    assert cli("gc", "--json", cwd=shallow).json()["notes_removed"] == 0
    found = cli("fsck", "--json", cwd=shallow).json()
    assert found["ok"] and any("shallow" in n for n in found["notices"])
    assert noted(shallow) == {first}


def test_stats_summarises_every_kind(initialised: Path, cli: Cli) -> None:
    repo = Repo.discover(str(initialised))
    for ms in (1.0, 2.0, 3.0, 4.0, 100.0):
        events.record(repo, "hook", hook="post-checkout", ms=ms)
    events.record(repo, "drift", drift="rewrite")
    events.record(repo, "drift", drift="rewrite")
    events.record(repo, "reconcile", choice="fork")
    events.record(repo, "cache", hit=True)
    events.record(repo, "cache", hit=False)
    events.record(repo, "cas-retry", ref=MEMORY, retries=3, moved=2, locked=1)
    events.record(repo, "hook-failure", hook="post-commit", error="x")
    with open(events.events_path(repo), "a", encoding="utf-8") as fh:
        fh.write("not json\n[1]\n")
    plant(initialised, MEMORY, "meta.toml", b"[")
    cli("fsck", expect=1)  # records a validation failure
    doc = cli("stats", "--json").json()
    assert doc["hooks"]["post-checkout"]["median_ms"] == 3.0 and doc["hooks"]["post-checkout"]["p95_ms"] == 100.0
    assert doc["drift"] == {"rewrite": 2} and doc["reconcile"] == {"fork": 1}
    assert doc["cache"] == {"hit": 1, "miss": 1}
    assert (doc["cas_retries"], doc["cas_writes_retried"], doc["cas_lock_waits"]) == (3, 1, 1)
    assert doc["validation_failures"] >= 1 and doc["hook_failures"] == 1
    text = cli("stats").out
    assert "median 3.0 ms" in text and "cas retries: 3" in text


def test_stats_edge_cases() -> None:
    assert percentile([5.0], 0.95) == 5.0
    assert summarise([]).events == 0
    odd = summarise([{"kind": "hook", "ms": "slow"}, {"kind": 3}, {"at": 5}])
    assert odd.events == 3 and odd.hooks == {}
