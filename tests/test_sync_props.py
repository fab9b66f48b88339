"""Properties of the pure merges that sync relies on besides tasks (claims and notes).

Task-record merges are covered by test_merge_props.py. Here: a claim table merges by union of
events and a note by session id; both must be commutative, associative and idempotent *in
the bytes written*, or clones would converge in meaning yet keep different trees.
"""

from __future__ import annotations

import itertools
from functools import reduce
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from gitmem.core.models import Claim, Stamp
from gitmem.store import claims, notes

TASK = "t-aaaaaaaaaa"
ACTORS = ["actor2aaaa", "actor3bbbb", "actor4cccc"]
AGENTS = ["alice", "bob", "carol"]

events = st.builds(
    lambda lamport, actor, agent, release: Claim(TASK, agent, actor, "main", "2026-01-01T00:00:00Z",
                                                 Stamp(lamport, actor), release),
    st.integers(1, 6), st.sampled_from(ACTORS), st.sampled_from(AGENTS), st.booleans(),
)
replicas = st.lists(st.frozensets(events, max_size=6), min_size=3, max_size=3)


def merge_claims(a: frozenset[Claim], b: frozenset[Claim]) -> frozenset[Claim]:
    """What sync writes when ``b`` is merged into ``a``: ``merged_blobs``, read back."""
    blobs = claims.merged_blobs({TASK: list(a)} if a else {}, {TASK: list(b)} if b else {})
    data = blobs.get(claims.claim_path(TASK))
    if data is None:
        return a
    task, decoded = claims.decode_events(data, "test")
    assert task == TASK
    return frozenset(decoded)


@settings(max_examples=examples(500), deadline=None)
@given(replicas)
def test_claim_merge_is_a_join_in_bytes_and_holder(sides: list[frozenset[Claim]]) -> None:
    results = set()
    holders = set()
    for order in itertools.permutations(sides):
        merged = reduce(merge_claims, order)
        assert merged == frozenset().union(*sides)  # nothing lost
        assert merge_claims(merged, merged) == merged
        results.add(claims.encode_events(TASK, merged) if merged else b"")
        held = claims.holder(merged, now=None, lease=None)
        holders.add(held.agent if held else None)
    assert len(results) == 1
    assert len(holders) == 1


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(events, min_size=1, max_size=8))
def test_encoded_claims_do_not_depend_on_event_order(found: list[Claim]) -> None:
    assert claims.encode_events(TASK, found) == claims.encode_events(TASK, list(reversed(found)))


digest = st.fixed_dictionaries({
    "agent": st.sampled_from(AGENTS),
    "ended_at": st.sampled_from(["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", ""]),
    "summary": st.text(max_size=8),
    "turns": st.integers(0, 3),
})
note_sides = st.lists(st.dictionaries(st.sampled_from(["s-1", "s-2", "s-3"]), digest, max_size=3),
                      min_size=3, max_size=3)


@settings(max_examples=examples(500), deadline=None)
@given(note_sides)
def test_note_merge_is_a_join_in_bytes(sides: list[dict[str, dict[str, Any]]]) -> None:
    results = set()
    for order in itertools.permutations(sides):
        merged = reduce(notes.merge_digests, order)
        assert set(merged) == set().union(*sides)  # no session lost
        assert notes.merge_digests(merged, merged) == merged
        results.add(notes.encode_note(merged))
    assert len(results) == 1
