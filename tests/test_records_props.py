"""Records built through the typed constructors round-trip exactly and match the schemas."""

from __future__ import annotations

import marshal
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from gitmem.core.errors import CorruptMemory
from gitmem.core.merge import merge_task
from gitmem.core.models import Claim, Meta, Stamp, Task
from gitmem.store import schema
from gitmem.store.claims import decode_events, encode_events
from gitmem.store.codec import dumps, plain
from gitmem.store.records import decode_meta, decode_task, encode_meta, encode_task, task_document
from record_strategies import actors, any_op, new_tasks, task_ids, timestamps


def _check(task: Task) -> None:
    data = encode_task(task)
    assert decode_task(data, "t") == task
    assert encode_task(task) == data
    assert encode_task(decode_task(data, "t")) == data
    doc = tomllib.loads(data.decode("utf-8"))
    assert doc == task_document(task)
    # What a write keeps for the next reader (store.memory) is exactly what it would parse.
    assert marshal.loads(marshal.dumps(plain(task_document(task)))) == doc
    assert schema.errors("task", doc) == []


@st.composite
def edited_tasks(draw: st.DrawFn) -> Task:
    """A new task, then a run of edits by several actors with increasing Lamport stamps."""
    writers = draw(st.lists(actors, min_size=1, max_size=3, unique=True))
    task = draw(new_tasks(writers[0]))
    lamport = 1
    for op in draw(st.lists(any_op, max_size=12)):
        lamport += draw(st.integers(1, 3))
        task = op.apply(task, Stamp(lamport, draw(st.sampled_from(writers))), draw(timestamps))
    return task


@settings(max_examples=examples(200), deadline=None)
@given(edited_tasks())
def test_task_round_trip(task: Task) -> None:
    _check(task)


@st.composite
def diverged(draw: st.DrawFn) -> tuple[Task, Task, Task]:
    """A base task and two concurrent histories of it: the merge has conflicts to store."""
    a_actor, b_actor = draw(st.lists(actors, min_size=2, max_size=2, unique=True))
    base = draw(new_tasks(a_actor))
    sides = []
    for actor in (a_actor, b_actor):
        task, lamport = base, 1
        for op in draw(st.lists(any_op, max_size=6)):
            lamport += draw(st.integers(1, 2))
            task = op.apply(task, Stamp(lamport, actor), draw(timestamps))
        sides.append(task)
    return base, sides[0], sides[1]


@settings(max_examples=examples(200), deadline=None)
@given(diverged())
def test_merged_task_round_trip(tasks: tuple[Task, Task, Task]) -> None:
    _, a, b = tasks
    merged = merge_task(a, b)
    _check(a)
    _check(b)
    _check(merged)


@settings(max_examples=examples(50), deadline=None)
@given(edited_tasks(), st.dictionaries(st.text(max_size=8).filter(lambda k: k not in task_document_keys()),
                                       st.one_of(st.text(max_size=8), st.integers(0, 9),
                                                 st.dictionaries(st.text(max_size=4), st.booleans(), max_size=2)),
                                       max_size=3))
def test_unknown_keys_survive(task: Task, unknown: dict[str, object]) -> None:
    """A newer gitmem's top-level fields are kept byte for byte through an older one."""
    doc = {**task_document(task), **unknown}
    read = decode_task(dumps(doc).encode("utf-8"), "t")
    assert dict(read.extra) == unknown
    again = tomllib.loads(encode_task(read).decode("utf-8"))
    assert again == doc
    assert schema.errors("task", again) == []


def task_document_keys() -> set[str]:
    from gitmem.core.models import REGISTER_FIELDS

    return {"id", "created_at", "created_by", "clock", "conflicts", "sets", "log", *REGISTER_FIELDS}


branches = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=30)


@settings(max_examples=examples(100), deadline=None)
@given(st.builds(Meta, format=st.just(1), default_branch=branches, created_at=timestamps,
                 clock=st.integers(0, 2**62)))
def test_meta_round_trip(meta: Meta) -> None:
    data = encode_meta(meta)
    assert decode_meta(data, "meta.toml") == meta
    assert encode_meta(meta) == data
    assert schema.errors("meta", tomllib.loads(data.decode("utf-8"))) == []


@settings(max_examples=examples(100), deadline=None)
@given(st.builds(Claim, task=task_ids, agent=st.text(min_size=1, max_size=20).filter(str.strip) | st.just("cli"),
                 actor=actors, branch=branches, at=timestamps,
                 stamp=st.builds(Stamp, st.integers(0, 2**62), actors), release=st.booleans()))
def test_claim_round_trip(claim: Claim) -> None:
    data = encode_events(claim.task, [claim])
    assert decode_events(data, "claims/x.toml") == (claim.task, [claim])
    assert encode_events(claim.task, [claim]) == data
    assert schema.errors("claim", tomllib.loads(data.decode("utf-8"))) == []


def test_schemas_catch_damage() -> None:
    """The schemas are precise: typical damage to a stored task is reported."""
    from gitmem.core import edits

    task = edits.new_task("t-abcdefghij", "x", stamp=Stamp(1, "aaaaaaaaaa"), now="2024-05-01T12:00:00Z",
                          sets={"labels": ["ui"]})
    good = task_document(task)
    assert schema.errors("task", good) == []
    damaged = [
        {**good, "id": "t-ABC"},
        {**good, "priority": 7},
        {**good, "status": "done"},
        {**good, "title": ""},
        {**good, "clock": {**good["clock"], "title": ["1@a", "0@", "2@b"]}},
        {**good, "clock": {k: v for k, v in good["clock"].items() if k != "title"}},
        {**good, "clock": {**good["clock"], "title": ["one@a"]}},
        {**good, "clock": {**good["clock"], "title": []}},
        {**good, "clock": {**good["clock"], "title": ["2@a", "1@A"]}},
        {**good, "conflicts": [{"field": "title", "value": "y", "stamp": "2@b", "prev": "1@a"}]},
        {**good, "conflicts": [{"field": "title", "value": "y", "stamp": "2@b", "seen": "1@a"}]},
        {**good, "clock": {**good["clock"], "deleted": ["2@a"]},
         "deleted": {"by": "a", "at": "2024-05-01T12:00:00Z", "reason": "", "seen": {"title": "1@a"}}},
        {**good, "sets": {"labels": {"ui": {"add": "1@a", "extra": 1}}}},
        {**good, "sets": {"colours": {}}},
        {**good, "conflicts": [{"field": "priority", "value": "high", "stamp": "2@b"}]},
        {**good, "log": [{"id": "l-1", "at": "2024-05-01T12:00:00Z", "by": "a"}]},
        {**good, "clock": {**good["clock"], "deleted": ["2@a"]},
         "deleted": {"by": "a", "at": "2024-05-01T12:00:00Z", "reason": "", "seen": [], "why": 1}},
    ]
    for doc in damaged:
        assert schema.errors("task", doc), doc
    assert schema.errors("task", {**good, "from_the_future": {"x": 1}}) == []
    tomb = {"by": "a-k2fq", "at": "2024-05-01T12:00:00Z", "reason": "", "seen": ["1@aaaaaaaaaa"]}
    assert schema.errors("task", {**good, "clock": {**good["clock"], "deleted": ["2@a-k2fq", "1@aaaaaaaaaa"]},
                                  "deleted": tomb}) == []


@given(st.integers(0, 10**9 - 1), st.text(max_size=30), st.text(max_size=30), st.integers(0, 10**18 - 1),
       st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), st.integers(0, 9), max_size=2))
@settings(max_examples=examples(300))
def test_meta_reads_as_tomllib_reads_it(version: int, branch: str, created: str, clock: int, extra: dict[str, int]) -> None:
    """The canonical meta form is read without TOML; whatever the bytes, the answer is tomllib's."""
    extra = {k: v for k, v in extra.items() if k not in ("format", "default_branch", "created_at", "clock")}
    data = encode_meta(Meta(version, branch, created, clock, extra))
    doc = tomllib.loads(data.decode("utf-8"))
    try:
        meta = decode_meta(data, "meta.toml")
    except CorruptMemory as exc:  # a format newer than this gitmem: refused either way
        assert version > 1 and "format" in exc.message
        return
    assert (meta.format, meta.default_branch, meta.created_at, meta.clock, dict(meta.extra)) == (
        doc["format"], doc["default_branch"], doc["created_at"], doc["clock"],
        {k: v for k, v in doc.items() if k not in ("format", "default_branch", "created_at", "clock")})
