"""The JSON Schemas in ``schemas/`` match what the code writes and what it accepts.

Stored records (session, note, aliases, event) are produced by the real encoders and must
validate; plan payloads are external input, so ``plans.parse`` and the plan schemas must
agree on every payload, valid or not (a table, then generated near-valid payloads).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import examples
from gitmem.core.errors import InvalidInput
from gitmem.core.models import Session, Stamp, Turn
from gitmem.git.repo import Repo
from gitmem.services import plans
from gitmem.services import sessions as session_svc
from gitmem.store import aliases, events, notes, schema
from gitmem.store.codec import dumps
from gitmem.store.memory import META_PATH
from gitmem.store.sessions import encode_session, session_path
from gitmem.store.shape import check_memory

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
NAMES = sorted(p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json"))

SID = "s-20261122t073321123456-ab2cde"
SHA1 = "0123456789abcdef0123456789abcdef01234567"
SHA256 = "ab" * 32


# -- (1) every schema is a valid draft 2020-12 schema -----------------------------------------
def test_every_record_named_in_the_design_has_a_schema() -> None:
    wanted = {"task", "session", "meta", "aliases", "note", "claim", "event",
              "plan-codex", "plan-claude", "plan-gemini", "task-edit"}
    assert wanted <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    doc = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == f"urn:gitmem:schema:{name}"
    assert doc.get("title") and doc.get("description")
    jsonschema.Draft202012Validator.check_schema(doc)
    assert jsonschema.validators.validator_for(doc) is jsonschema.Draft202012Validator
    assert schema.load_schema(name) == doc  # the packaged copy is this file


# -- (2) documents the code writes validate ---------------------------------------------------
def _session(**changes: Any) -> Session:
    turns = (
        Turn("u-abcdefgh", "2026-11-22T07:33:25Z", "Fixed the parser\n\twith a tab",
             actions=("edit parser.py", "run tests"), follow_ups=("write docs",), approvals=("rm -rf build",),
             tasks=("t-abcdefghij",)),
        Turn("u-0123abcd", "2026-11-22T07:40:00Z", "Imported turn: hex id, no lists"),
    )
    base = Session(SID, "codex", "main", "2026-11-22T07:33:21Z", SHA1, Stamp(12, "k2fqabcd-x7"), turns=turns)
    fields: dict[str, Any] = {"ended_at": "2026-11-22T08:00:00Z", "head_end": SHA256, "summary": "done",
                              "plan": ("t-abcdefghij", "t-bcdefghijk"), "compacted": 3,
                              "extra": {"import": {"source": "codex", "id": "x", "file": "rollout.jsonl"}}}
    fields.update(changes)
    return replace(base, **fields)


def _toml(data: bytes) -> dict[str, Any]:
    return tomllib.loads(data.decode("utf-8"))


@pytest.mark.parametrize("session", [
    _session(),
    _session(ended_at=None, head_end=None, summary=None, plan=(), compacted=0, extra={}, turns=()),
    _session(head_start="", stamp=Stamp(1, "k2fqabcd")),
], ids=["full", "minimal", "no-head"])
def test_encoded_session_matches_schema(session: Session) -> None:
    doc = _toml(encode_session(session))
    assert schema.errors("session", doc) == []


def test_session_schema_catches_damage() -> None:
    good = _toml(encode_session(_session()))
    assert schema.errors("session", {**good, "from_the_future": {"x": 1}}) == []
    bad = [
        {**good, "id": "s-1"},
        {**good, "stamp": "twelve"},
        {**good, "head_start": "HEAD"},
        {**good, "compacted": -1},
        {**good, "plan": ["not-a-task"]},
        {**good, "turns": [{**good["turns"][0], "mood": "happy"}]},
        {**good, "turns": [{k: v for k, v in good["turns"][0].items() if k != "summary"}]},
        {**good, "turns": [{**good["turns"][0], "actions": "one"}]},
        {k: v for k, v in good.items() if k != "agent"},
    ]
    for doc in bad:
        assert schema.errors("session", doc), doc


def test_note_of_a_digest_matches_schema() -> None:
    ended = session_svc.digest(_session())
    open_one = session_svc.digest(_session(ended_at=None, summary=None, turns=(), compacted=0))
    assert open_one["ended_at"] == "" and "actions" not in open_one
    other = "s-20261122t090000000000-zz2345"
    doc = _toml(notes.encode_note({SID: ended, other: open_one}))
    assert schema.errors("note", doc) == []
    assert notes.parse_note(notes.encode_note({SID: ended}), "note") == {SID: ended}
    assert schema.errors("note", {"sessions": {"not-an-id": ended}})
    assert schema.errors("note", {"sessions": {SID: {**ended, "turns": "2"}}})


def test_aliases_match_schema() -> None:
    doc = _toml(aliases.encode({SHA1: SHA256, "f" * 40: "e" * 40}))
    assert schema.errors("aliases", doc) == []
    assert schema.errors("aliases", _toml(aliases.encode({}))) == []
    assert schema.errors("aliases", {"aliases": {SHA1: "HEAD~1"}})
    assert schema.errors("aliases", {"aliases": {"abc": SHA1}})


def test_event_line_matches_schema(repo: Path) -> None:
    r = Repo.discover(str(repo))
    events.record(r, "cache", hit=False, index="tasks", incremental=True)
    events.record(r, "hook", hook="post-commit", ms=1.5, actions=["a", "b"], path=Path("/x"))
    lines = Path(events.events_path(r)).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    for line in lines:
        assert schema.errors("event", json.loads(line)) == []
    assert schema.errors("event", {"kind": "cache"})
    assert schema.errors("event", {"at": "yesterday", "kind": "cache"})


# -- the trust boundary uses the new schemas --------------------------------------------------
def _memory_commit(r: Repo, blobs: dict[str, bytes]) -> str:
    meta = b'format = 1\ndefault_branch = "main"\ncreated_at = "2026-11-22T07:00:00Z"\nclock = 1\n'
    tree = r.update_tree(None, {META_PATH: meta, **blobs})
    return r.create_commit(tree, [], "memory")


def test_check_memory_validates_sessions_and_aliases(repo: Path) -> None:
    r = Repo.discover(str(repo))
    good = {session_path(SID): encode_session(_session()), aliases.ALIASES_PATH: aliases.encode({SHA1: SHA256})}
    assert check_memory(r, "refs/codex/memory/main", _memory_commit(r, good), set()) == []

    doc = _toml(encode_session(_session()))
    doc["turns"][0]["at"] = "last tuesday"  # decodes fine: only the schema catches it
    bad_session = _memory_commit(r, {session_path(SID): dumps(doc).encode("utf-8")})
    problems = check_memory(r, "refs/codex/memory/main", bad_session, set())
    assert len(problems) == 1 and session_path(SID) in problems[0] and "turns/0/at" in problems[0], problems

    bad_aliases = _memory_commit(r, {aliases.ALIASES_PATH: b'[aliases]\nabc = "HEAD"\n'})
    problems = check_memory(r, "refs/codex/memory/main", bad_aliases, set())
    assert len(problems) == 1 and aliases.ALIASES_PATH in problems[0], problems


# -- (3) plan payloads: parse and the schemas agree -------------------------------------------
def _agree(fmt: str, doc: Any) -> bool:
    """Whether ``doc`` is valid, after checking that parse and the schema say the same."""
    problems = schema.errors(f"plan-{fmt}", doc)
    try:
        plans.parse(json.dumps(doc), fmt)
    except InvalidInput as exc:
        assert problems, f"parse refused ({exc.message}) but plan-{fmt} accepts {doc!r}"
        return False
    assert not problems, f"parse accepted but plan-{fmt} refuses {doc!r}: {problems}"
    return True


VALID: dict[str, list[Any]] = {
    "codex": [
        {"plan": []},
        {"plan": [{"step": "Reproduce failure", "status": "completed"},
                  {"step": "Fix parser", "status": "in_progress"}, {"step": "Docs", "status": "pending"}]},
        {"explanation": "Tests pass; moving to docs", "plan": [{"step": "x", "status": "pending"}]},
        {"explanation": None, "plan": [{"step": "two\nlines\twith tab", "status": "pending"}]},
        {"plan": [{"step": "  padded  ", "status": "pending"}, {"step": "x" * 500, "status": "completed"}]},
        {"plan": [{"step": "Ünïcödé ✓ 😀", "status": "pending"}]},
        {"plan": [{"step": "s", "status": "pending"}] * 500},
    ],
    "claude": [
        {"todos": []},
        {"todos": [{"content": "Run tests", "status": "in_progress", "activeForm": "Running tests"}]},
        {"todos": [{"id": "1", "content": "Old style", "status": "pending", "priority": "high"}]},
        {"todos": [{"content": "x", "status": "completed"}], "explanation": None, "anything": [1, 2]},
        {"todos": [{"content": "x", "status": "pending", "activeForm": 5, "priority": None}]},
    ],
    "gemini": [
        {"todos": []},
        {"todos": [{"description": d, "status": s} for d, s in
                   [("a", "pending"), ("b", "in_progress"), ("c", "completed"), ("d", "cancelled"), ("e", "blocked")]]},
        {"todos": [{"description": "x", "status": "pending"}], "extra": {"ok": True}},
    ],
}

INVALID: dict[str, list[Any]] = {
    "codex": [
        [],
        "plan",
        {},
        {"plan": None},
        {"plan": {"step": "x", "status": "pending"}},
        {"plan": [], "explanation": 3},
        {"plan": [], "reason": "extra top-level key"},
        {"plan": ["just text"]},
        {"plan": [{"step": "x"}]},
        {"plan": [{"status": "pending"}]},
        {"plan": [{"step": "", "status": "pending"}]},
        {"plan": [{"step": " \n\t\u3000", "status": "pending"}]},
        {"plan": [{"step": 7, "status": "pending"}]},
        {"plan": [{"step": "x", "status": "cancelled"}]},
        {"plan": [{"step": "x", "status": "blocked"}]},
        {"plan": [{"step": "x", "status": "Pending"}]},
        {"plan": [{"step": "x", "status": None}]},
        {"plan": [{"step": "x", "status": "pending", "id": "1"}]},
        {"plan": [{"step": "x" * 501, "status": "pending"}]},
        {"plan": [{"step": "bell\x07", "status": "pending"}]},
        {"plan": [{"step": "nel\x85", "status": "pending"}]},
        {"plan": [{"step": "lone \ud800 surrogate", "status": "pending"}]},
        {"plan": [{"step": "s", "status": "pending"}] * 501},
    ],
    "claude": [
        {"plan": []},
        {"todos": "x"},
        {"todos": [], "explanation": ["no"]},
        {"todos": [{"content": "x", "status": "cancelled"}]},
        {"todos": [{"content": "x", "status": "pending", "subject": "TaskCreate field"}]},
        {"todos": [{"step": "x", "status": "pending"}]},
        {"todos": [{"description": "x", "status": "pending"}]},
        {"todos": [{"content": "   ", "status": "pending"}]},
        {"todos": [{"content": "x\x00", "status": "pending"}]},
    ],
    "gemini": [
        {"todos": None},
        {"todos": [{"description": "x", "status": "deleted"}]},
        {"todos": [{"description": "x", "status": "pending", "id": "1"}]},
        {"todos": [{"content": "x", "status": "pending"}]},
        {"todos": [{"description": "", "status": "pending"}]},
        {"todos": [{"description": "x\x1b[31m", "status": "pending"}]},
    ],
}


@pytest.mark.parametrize(("fmt", "doc"), [(f, d) for f in plans.FORMATS for d in VALID[f]])
def test_valid_plan_payload(fmt: str, doc: Any) -> None:
    assert _agree(fmt, doc)


@pytest.mark.parametrize(("fmt", "doc"), [(f, d) for f in plans.FORMATS for d in INVALID[f]])
def test_invalid_plan_payload(fmt: str, doc: Any) -> None:
    assert not _agree(fmt, doc)


# Near-valid payloads: a valid one with a few things changed, where a change is drawn from
# what agents (and people) get wrong: a missing or extra key, a wrong status, odd text.
TEXT_FIELD = {"codex": "step", "claude": "content", "gemini": "description"}
LIST_FIELD = {"codex": "plan", "claude": "todos", "gemini": "todos"}
KEYS = ["step", "status", "content", "description", "activeForm", "id", "priority", "explanation", "plan", "todos",
        "subject", "x"]
STATUSES = ["pending", "in_progress", "completed", "cancelled", "blocked", "deleted", "Pending", "", "done"]

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False),
                         st.text(max_size=5))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                                 st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)),
                           max_leaves=6)
odd_chars = st.sampled_from(["a", " ", "\t", "\n", "\r", "\x00", "\x07", "\x1c", "\x7f", "\x85", "\xa0", "\u2028",
                             "\u3000", "\u200b", "\ud800", "\udfff", "é", "😀", ".", ","])
texts = st.one_of(st.text(odd_chars, max_size=6), st.text(max_size=8),
                  st.integers(495, 505).map(lambda n: "x" * n), st.just("Fix the parser"))


@st.composite
def near_valid(draw: st.DrawFn) -> tuple[str, Any]:
    fmt = draw(st.sampled_from(plans.FORMATS))
    text_field, list_field = TEXT_FIELD[fmt], LIST_FIELD[fmt]
    items: list[Any] = []
    for _ in range(draw(st.integers(0, 4))):
        item: dict[str, Any] = {text_field: draw(st.sampled_from(["Fix parser", "Write docs", "Run tests"])),
                                "status": draw(st.sampled_from(["pending", "in_progress", "completed"]))}
        for _change in range(draw(st.integers(0, 2))):
            what = draw(st.sampled_from(["drop", "add", "text", "status", "value"]))
            key = draw(st.sampled_from(KEYS))
            if what == "drop":
                item.pop(draw(st.sampled_from(sorted(item) or ["status"])), None)
            elif what == "add":
                item[key] = draw(json_values)
            elif what == "text":
                item[text_field] = draw(texts)
            elif what == "status":
                item["status"] = draw(st.sampled_from(STATUSES))
            else:
                item[draw(st.sampled_from([text_field, "status"]))] = draw(json_values)
        items.append(item if draw(st.integers(0, 19)) else draw(json_values))
    doc: dict[str, Any] = {list_field: items}
    if draw(st.booleans()):
        doc["explanation"] = draw(st.one_of(st.none(), st.text(max_size=5), json_values))
    if draw(st.integers(0, 4)) == 0:
        doc[draw(st.sampled_from(KEYS))] = draw(json_values)
    if draw(st.integers(0, 9)) == 0:
        doc[list_field] = draw(json_values)
    if draw(st.integers(0, 29)) == 0:
        doc[list_field] = [{text_field: "s", "status": "pending"}] * draw(st.integers(499, 501))
    return fmt, doc if draw(st.integers(0, 29)) else draw(json_values)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_valid())
def test_parse_and_schema_agree_on_near_valid_payloads(case: tuple[str, Any]) -> None:
    fmt, doc = case
    _agree(fmt, doc)


def test_plan_sync_path_does_not_import_jsonschema() -> None:
    """``git codex plan sync`` checks payloads by hand: importing jsonschema costs ~100 ms."""
    import subprocess
    import sys

    code = ("import sys; from gitmem.services import plans; "
            "plans.parse('{\"plan\": [{\"step\": \"x\", \"status\": \"pending\"}]}'); "
            "print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
