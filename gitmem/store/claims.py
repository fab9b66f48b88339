"""``refs/codex/claims``: who took which task, shared by every branch and clone.

Each task's blob is a grow-only list of claim and release events, so clones merge claims
by union and agree on the holder: the earliest claim (by stamp) not released by the same
agent later. Whoever claimed later after a concurrent claim is told it lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gitmem.core.constants import CLAIMS_REF
from gitmem.core.errors import CorruptMemory
from gitmem.core.models import Claim, Stamp
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


def holder(events: Iterable[Claim]) -> Claim | None:
    """The earliest claim whose agent has not released it since."""
    events = list(events)
    active = [
        e for e in events
        if not e.release and not any(r.release and r.agent == e.agent and r.stamp > e.stamp for r in events)
    ]
    return min(active, key=lambda e: (e.stamp, e.agent), default=None)


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
    """task -> the claim holding it."""
    out = {}
    for task, events in load_events(repo, commit).items():
        held = holder(events)
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
        holders = {t: h for t, evs in events.items() if (h := holder(evs)) is not None}
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
