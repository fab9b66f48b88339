"""``refs/codex/claims``: who took which task, shared by every branch and clone.

Each task's blob is a grow-only list of claim and release events, so clones merge claims
by union and agree on the holder: the earliest live claim in one total order (``order``:
its Lamport stamp, then its time, then the actor, then the agent), where a claim is live until the
same agent releases it (a later release event) or its lease runs out (``codex.claimLease``,
24 hours unless set; ``never`` keeps claims until released). Whoever claimed later after a
concurrent claim is told it lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gitmem.core.constants import CLAIMS_REF
from gitmem.core.errors import CorruptMemory, InvalidInput
from gitmem.core.models import Claim, Stamp
from gitmem.core.text import duration, epoch
from gitmem.git.repo import Repo
from gitmem.store.cas import update_ref
from gitmem.store.codec import dumps, loads

CLAIMS_DIR = "claims"


def claim_path(task_id: str) -> str:
    return f"{CLAIMS_DIR}/{task_id}.toml"


def _event_doc(event: Claim) -> dict[str, Any]:
    doc: dict[str, Any] = {"agent": event.agent, "actor": event.actor, "branch": event.branch, "at": event.at,
                           "stamp": str(event.stamp)}
    if event.release:
        doc["release"] = True
    return doc


def encode_events(task_id: str, events: Iterable[Claim]) -> bytes:
    ordered = sorted(set(events), key=lambda e: (e.stamp, e.agent, e.release))
    return dumps({"task": task_id, "events": [_event_doc(e) for e in ordered]}).encode("utf-8")


def decode_events(data: bytes, where: str) -> tuple[str, list[Claim]]:
    doc = loads(data, where)
    try:
        task = str(doc["task"])
        events = [
            Claim(task, str(e["agent"]), str(e["actor"]), str(e["branch"]), str(e["at"]),
                  Stamp.parse(str(e["stamp"])), bool(e.get("release", False)))
            for e in doc.get("events", [])
        ]
    except (KeyError, ValueError, TypeError) as exc:
        raise CorruptMemory(f"{where} is not a valid claim record ({exc})", hint="run 'git codex fsck'") from exc
    return task, events


DEFAULT_LEASE = "24h"


def lease(repo: Repo) -> int | None:
    """Seconds a claim holds without its agent's word (``codex.claimLease``); None: for ever."""
    text = repo.config_get("codex.claimLease") or DEFAULT_LEASE
    seconds = duration(text)
    if seconds is None:
        raise InvalidInput(f"codex.claimLease is {text!r}, not a duration",
                           hint="git config codex.claimLease 8h   (s, m, h or d; 'never' keeps claims until released)")
    return seconds or None


def order(claim: Claim) -> tuple[int, str, str, str]:
    """The total order of claims, the same in every clone: the Lamport stamp (so a claim made
    after seeing another comes after it, whatever the clocks say, and a forged early stamp is
    caught on fetch), then the time, then the actor, then the agent."""
    return claim.stamp.lamport, claim.at, claim.stamp.actor, claim.agent


def holder(events: Iterable[Claim], *, now: float | None, lease: int | None) -> Claim | None:
    """The earliest live claim: not released by its agent since, nor older than ``lease``
    seconds at ``now`` (either None: no lease)."""
    events = list(events)

    def live(e: Claim) -> bool:
        if e.release or any(r.release and r.agent == e.agent and r.stamp > e.stamp for r in events):
            return False
        made = epoch(e.at) if now is not None and lease is not None else None
        return made is None or now is None or lease is None or now - made <= lease

    return min((e for e in events if live(e)), key=order, default=None)


def load_events(repo: Repo, commit: str | None = None) -> dict[str, list[Claim]]:
    commit = commit or repo.ref_target(CLAIMS_REF)
    if commit is None:
        return {}
    tree = repo.commit_info(commit).tree
    out = {}
    for path, oid in repo.iter_blobs(tree, CLAIMS_DIR):
        task, events = decode_events(repo.read_blob(oid), f"{CLAIMS_REF}:{path}")
        out[task] = events
    return out


def load_claims(repo: Repo, commit: str | None = None) -> dict[str, Claim]:
    """task -> the claim holding it now."""
    out: dict[str, Claim] = {}
    found = load_events(repo, commit)
    now, seconds = (time.time(), lease(repo)) if found else (None, None)  # no claims: no config to read
    for task, events in found.items():
        held = holder(events, now=now, lease=seconds)
        if held is not None:
            out[task] = held
    return out


def update_claims(
    repo: Repo,
    choose: Callable[[Mapping[str, Claim]], tuple[dict[str, Claim | None], str] | None],
    trailers: Mapping[str, str],
) -> dict[str, Claim | None] | None:
    """Atomically change claims: ``choose`` sees the current holders and returns, per task, a
    new claim or None (release the current holder's claim), with a message. Retried on races."""

    def attempt(current: str | None) -> tuple[str, str, dict[str, Claim | None]] | None:
        events = load_events(repo, current)
        now, seconds = time.time(), lease(repo)
        holders = {t: h for t, evs in events.items() if (h := holder(evs, now=now, lease=seconds)) is not None}
        chosen = choose(holders)
        if chosen is None:
            return None
        changes, message = chosen
        lamport = max((e.stamp.lamport for evs in events.values() for e in evs), default=0) + 1
        blobs: dict[str, bytes | None] = {}
        for task, claim in changes.items():
            if claim is None:
                held = holders.get(task)
                if held is None:
                    continue
                claim = Claim(task, held.agent, held.actor, held.branch, held.at, Stamp(lamport, held.stamp.actor), True)
            blobs[claim_path(task)] = encode_events(task, [*events.get(task, []), claim])
        if not blobs:
            return None
        base_tree = repo.commit_info(current).tree if current else None
        tree = repo.update_tree(base_tree, blobs)
        body = message + "\n\n" + "".join(f"{k}: {v}\n" for k, v in trailers.items() if v)
        commit = repo.create_commit(tree, [current] if current else [], body)
        return commit, message, changes

    return update_ref(repo, CLAIMS_REF, attempt)


def merged_blobs(ours: Mapping[str, list[Claim]], theirs: Mapping[str, list[Claim]]) -> dict[str, bytes | None]:
    """Blobs to write so ``ours`` holds the union of both sides' events."""
    blobs: dict[str, bytes | None] = {}
    for task, events in theirs.items():
        mine = ours.get(task, [])
        union = set(mine) | set(events)
        if union != set(mine):
            blobs[claim_path(task)] = encode_events(task, union)
    return blobs
