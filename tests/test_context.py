"""context: the agent's brief, bounded by a budget."""

from __future__ import annotations

import calendar
from datetime import datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from conftest import git
from gitmem.core.text import epoch
from gitmem.engine.workspace import Workspace
from gitmem.services import context
from gitmem.services.context import age


def test_brief_shows_work_follow_ups_and_last_session(initialised: Path, cli) -> None:
    a = cli("tasks", "add", "Design the parser").out.strip()
    cli("tasks", "add", "Write the parser", "--after", a)
    cli("tasks", "add", "Wait on upstream")
    blocked = cli("tasks", "add", "Release").out.strip()
    cli("tasks", "block", blocked, "--reason", "waiting for the security review")
    cli("tasks", "start", a)
    cli("session", "log", "Sketched the grammar", "--follow-up", "Ask about unicode identifiers")
    cli("session", "end", "--summary", "Grammar sketched")

    text = cli("context").out
    assert "# Project memory: main" in text
    assert "## In progress" in text and "Design the parser" in text
    assert "## Ready next" in text and "Wait on upstream" in text
    assert "## Blocked" in text and "waiting for the security review" in text
    assert "Write the parser" in text.split("## Blocked")[1]  # blocked by its dependency
    assert "Ask about unicode identifiers" in text
    assert "Grammar sketched" in text
    assert "ago" in text or "just now" in text
    data = cli("context", "--json").json()
    assert data["omitted"] == 0 and data["markdown"] == text.rstrip("\n") + "\n"
    assert git(initialised, "status", "--porcelain") == ""


def test_budget_is_a_hard_limit_and_says_what_was_left_out(initialised: Path, cli) -> None:
    for n in range(40):
        cli("tasks", "add", f"Task number {n} with a reasonably long title to fill the brief")
    cli("session", "log", "A turn", "--follow-up", "Remember the follow-up")
    for budget in (300, 1000, 80, 20):
        out = cli("context", "--budget", str(budget)).out
        assert len(out) <= budget, (budget, len(out))
        assert "left out" in out or budget < 30
    full = cli("context", "--json").json()
    assert full["omitted"] == 0
    small = cli("context", "--budget", "300", "--json").json()
    assert small["omitted"] > 0 and len(small["markdown"]) <= 300
    # The least important go first: the follow-up outlives the tail of the ready list.
    mid = cli("context", "--budget", "1200").out
    assert "Remember the follow-up" in mid and 5 <= mid.count("Task number") < 40


def test_a_task_claimed_by_another_agent_is_blocked_for_me_and_in_progress_for_them(initialised: Path, cli) -> None:
    first = cli("tasks", "add", "Claimed one", "-p", "0").out.strip()
    cli("tasks", "add", "Free one")
    from gitmem.engine.drift import open_workspace
    from gitmem.services.tasks import hold

    hold(open_workspace(str(initialised), agent="alice")[0], first)  # alice holds it; it is still pending
    mine = cli("context", "--agent", "bob").out
    ready, blocked = mine.split("## Ready next")[1].split("## Blocked")
    assert "Free one" in ready and "Claimed one" not in ready
    assert "Claimed one" in blocked and "claimed by alice" in blocked
    theirs = cli("context", "--agent", "alice").out
    assert "Claimed one" in theirs.split("## Ready next")[1].split("##")[0]


def test_the_kept_board_gives_the_brief_a_fresh_one_gives(initialised: Path, cli) -> None:
    """Budgets past the kept rows are computed afresh; both must agree wherever both apply."""
    cache = initialised / ".git" / "codex" / "cache"
    ids = [cli("tasks", "add", f"Task {n}", "-p", str(n % 5)).out.strip() for n in range(30)]
    for n in range(0, 30, 4):
        cli("tasks", "dep", "add", ids[n], "--on", ids[n + 1])
    cli("tasks", "next", "--claim", "--agent", "carol")
    cli("tasks", "block", ids[7], "--reason", "needs a decision")
    kept = cli("context", "--budget", "6000", "--json").json()
    assert list(cache.glob("derived-v*/board-*"))
    fresh = cli("context", "--budget", "99999", "--json").json()
    assert kept["markdown"] == fresh["markdown"]
    for path in cache.glob("derived-v*/board-*"):
        path.write_bytes(b"damaged")
    assert cli("context", "--budget", "6000", "--json").json()["markdown"] == kept["markdown"]


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2400, 12, 31)))
def test_ages_count_from_the_stamp_as_the_calendar_does(moment: datetime) -> None:
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert epoch(stamp) == calendar.timegm(moment.timetuple())


def test_a_malformed_stamp_has_no_age() -> None:
    for stamp in ("", "yesterday", "2026-13-01T00:00:00Z", "2026-12-01 10:00:00Z", "2026-12-01T10:00:00+00:00"):
        assert age(stamp, 0.0) == "unknown age"


def test_the_brief_is_the_longest_prefix_of_the_ranked_items_that_fits(initialised: Path, cli) -> None:
    """Lines past those that cannot fit are never formatted; the brief is still exactly the
    most important items, in order of importance, whose rendering fits the budget."""
    ids = [cli("tasks", "add", f"task number {n} " + "x" * (n % 7) * 9, "--priority", str(n % 3)).out.strip()
           for n in range(40)]
    for n in range(0, 40, 5):
        cli("tasks", "start", ids[n])
    cli("tasks", "dep", "add", ids[1], "--on", ids[2])
    cli("session", "log", "a turn", "--follow-up", "check the parser")
    ws = Workspace.open(str(initialised))
    for budget in (120, 400, 900, 2500, 6000):
        header, streams, count, cut = context.gather(ws, cap=budget // 12 + 1)
        items = [item for stream in streams for item in stream]
        assert len(items) == count
        ranked = sorted(items, key=lambda i: -i.importance)
        fits = [k for k in range(len(ranked) + 1)
                if len(context.render(header, ranked[:k], len(ranked) - k + cut)) <= budget]
        found = context.brief(ws, budget)
        best = max(fits, default=0)
        assert found.omitted == len(ranked) - best + cut, budget
        if fits:
            assert found.text == context.render(header, ranked[:best], len(ranked) - best + cut), budget
