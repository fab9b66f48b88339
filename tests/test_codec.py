"""The deterministic TOML emitter: golden files, and round trips through stdlib tomllib."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from gitmem.core import edits
from gitmem.core.errors import CorruptMemory
from gitmem.core.models import Stamp
from gitmem.store.codec import Inline, dumps, loads, quote
from gitmem.store.records import encode_task

GOLDEN = Path(__file__).parent / "golden" / "codec"

ALL_CONTROLS = "".join(chr(c) for c in range(0x20)) + "\x7f"

DOCUMENTS: dict[str, dict[str, Any]] = {
    "scalars": {
        "id": "t-abcdefghij",
        "n": 3,
        "neg": -7,
        "big": 2**63 - 1,
        "ok": True,
        "no": False,
        "empty": "",
        "tags": ["a", "b"],
        "nums": [],
        "meta": {},
    },
    "strings": {
        "q": 'say "hi" \\ back\\slash',
        "ctl": ALL_CONTROLS,
        "emoji": "fix 🐛 in 🚀",
        "cjk": "修复登录 バグ 버그",
        "tab": "a\tb\r\nc",
    },
    "keys": {
        "bare-key_1": 1,
        "needs space": 2,
        "dotted.key": 3,
        "": 4,
        "ключ": 5,
        "a\n": 6,
        "123": 7,
        'quote"d': 8,
        "emoji🐛": 9,
    },
    "tables": {
        "top": 1,
        "outer": {"x": 1, "inner": {"y": "z", "deep": {"w": True}}, "after": 2},
        "z": "last",
        "odd key": {"a.b": {"c": 1}},
    },
    "table_arrays": {
        "log": [
            {"id": "l-1", "text": "one"},
            {"id": "l-2", "text": "two\nlines", "sub": {"k": 1}, "items": [{"n": 1}, {"n": 2}]},
        ],
        "title": "t",
    },
    "inline_tables": {
        "sets": {
            "labels": {"ui": Inline(add="3@a"), "back end": Inline(add="4@b", rm="5@a")},
            "evidence": {"abc": Inline(add="1@a", value=Inline(commit="abc", text='x "y"'))},
        },
        "mixed": [1, "two", {"three": 3}],
        "inline": Inline(a=1, b=Inline(c=[1, 2], d={}), e=Inline()),
    },
}


def _golden(name: str) -> str:
    return (GOLDEN / f"{name}.toml").read_bytes().decode("utf-8")


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_golden(name: str) -> None:
    doc = DOCUMENTS[name]
    text = dumps(doc)
    assert text == _golden(name)
    assert tomllib.loads(text) == doc


def test_golden_strings_exact() -> None:
    """Spelled out once by hand: every control character escaped, nothing else touched."""
    expected = (
        '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f'
        "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d"
        '\\u001e\\u001f\\u007f"'
    )
    assert quote(ALL_CONTROLS) == expected
    assert quote('a"b\\c') == '"a\\"b\\\\c"'
    assert quote("🐛修复") == '"🐛修复"'


@pytest.mark.parametrize("char", [chr(c) for c in range(0x20)] + ["\x7f"])
def test_every_control_character_stays_on_its_line(char: str) -> None:
    text = dumps({"k": f"a{char}b", f"key{char}": 1})
    assert text.count("\n") == 2
    assert tomllib.loads(text) == {"k": f"a{char}b", f"key{char}": 1}


def test_task_record_golden() -> None:
    """The stored layout of a task: values on top, then clock, sets, conflicts and log."""
    now = "2024-05-01T12:00:00Z"
    task = edits.new_task(
        "t-abcdefghij", 'Wire "drift" banner 🚩', stamp=Stamp(1, "aaaaaaaaaa"), now=now,
        fields={"owner": "ana"}, sets={"labels": ["ui"], "depends_on": ["t-bbbbbbbbbb"]},
    )
    task = edits.set_fields(task, {"status": "in_progress", "metadata": {"source": "plan"}},
                            stamp=Stamp(2, "aaaaaaaaaa"), now="2024-05-01T12:01:00Z")
    task = edits.add_element(task, "evidence", "c0ffee", stamp=Stamp(3, "aaaaaaaaaa"),
                             now="2024-05-01T12:02:00Z", value={"commit": "c0ffee"})
    task = edits.append_log(task, "started\twith a tab", entry_id="l-aaaaaaaaaaaa",
                            stamp=Stamp(4, "aaaaaaaaaa"), now="2024-05-01T12:03:00Z")
    data = encode_task(task)
    assert data.decode("utf-8") == _golden("task")
    assert data == encode_task(task)


def test_merged_task_record_golden() -> None:
    """Two actors (clone id + per-ref suffix) edit concurrently; the merge keeps the losing
    title as a conflict with its 'seen' vector; a third actor then deletes the task."""
    from gitmem.core.merge import merge_task

    a, b, c = "aaaaaaaaaa-k2fq", "bbbbbbbbbb-x7mc", "cccccccccc-q3va"
    base = edits.new_task("t-abcdefghij", "Parse the config", stamp=Stamp(1, a), now="2024-05-01T12:00:00Z",
                          sets={"labels": ["parser"]})
    ours = edits.set_fields(base, {"status": "completed"}, stamp=Stamp(2, a), now="2024-05-01T12:01:00Z")
    ours = edits.set_fields(ours, {"title": "Parse the configuration"}, stamp=Stamp(3, a),
                            now="2024-05-01T12:02:00Z")
    theirs = edits.set_fields(base, {"title": "Parse config files"}, stamp=Stamp(7, b), now="2024-05-01T12:03:00Z")
    theirs = edits.add_element(theirs, "labels", "cli", stamp=Stamp(8, b), now="2024-05-01T12:04:00Z")
    merged = merge_task(ours, theirs)
    gone = edits.tombstone(merged, "duplicate", stamp=Stamp(9, c), now="2024-05-01T12:05:00Z")
    assert gone.deleted and not merged.deleted
    data = encode_task(gone)
    assert data.decode("utf-8") == _golden("task_merged")


def test_unknown_types_are_refused() -> None:
    with pytest.raises(TypeError):
        dumps({"f": 1.5})


def test_loads_reports_where() -> None:
    with pytest.raises(CorruptMemory, match=r"tasks/ab/t-x\.toml"):
        loads(b"a = ", "tasks/ab/t-x.toml")
    with pytest.raises(CorruptMemory):
        loads(b"a = '\xff'", "x")


# ---- property: any document the emitter accepts round-trips, deterministically ----

keys = st.text(max_size=8)
scalars = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
)
scalar_lists = st.lists(scalars, max_size=4)


def _tables(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    table = st.dictionaries(keys, children, max_size=4)
    return st.one_of(
        table,
        table.map(Inline),
        st.lists(table, min_size=1, max_size=3),  # an array of tables
    )


values = st.recursive(st.one_of(scalars, scalar_lists), _tables, max_leaves=20)
documents = st.dictionaries(keys, values, max_size=6)


@settings(max_examples=examples(300), deadline=None)
@given(documents)
def test_round_trip_and_determinism(doc: dict[str, Any]) -> None:
    text = dumps(doc)
    assert tomllib.loads(text) == doc
    assert dumps(doc) == text
    assert dumps(tomllib.loads(text)) == dumps(tomllib.loads(dumps(tomllib.loads(text))))
