"""Property tests: random bytes and near-valid TOML into every memory decoder.

Only ``GitmemError`` subclasses may come out; never another exception. (Importers are
fuzzed in their own tests.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Result, examples, plant
from gitmem.core.errors import GitmemError
from gitmem.store import claims, notes, records, sessions

pytestmark = pytest.mark.slow  # fuzz

Cli = Callable[..., Result]

DECODERS: dict[str, Callable[[bytes, str], Any]] = {
    "task": records.decode_task,
    "meta": records.decode_meta,
    "session": sessions.decode_session,
    "claims": claims.decode_events,
    "note": notes.parse_note,
}

VALID = {
    "task": b'id = "t-abcdefghij"\ncreated_at = "2025-01-01T00:00:00Z"\ncreated_by = "abc"\ntitle = "x"\n'
            b'status = "pending"\n\n[clock]\ntitle = ["1@abc"]\nstatus = ["1@abc"]\n\n'
            b'[sets.depends_on]\nt-bbbbbbbbbb = { add = "1@abc" }\n\n[[log]]\nid = "l1"\nat = "x"\nby = "y"\ntext = "z"\n',
    "meta": b'format = 1\ndefault_branch = "main"\ncreated_at = "2025-01-01T00:00:00Z"\nclock = 3\n',
    "session": b'id = "s-1"\nagent = "a"\nbranch = "main"\nstarted_at = "x"\nhead_start = "y"\nstamp = "1@abc"\n'
               b'plan = ["a"]\n\n[[turns]]\nturn_id = "u1"\nat = "x"\nsummary = "s"\nactions = ["a"]\n',
    "claims": b'task = "t-abcdefghij"\n\n[[events]]\nagent = "a"\nactor = "b"\nbranch = "main"\nat = "x"\nstamp = "1@abc"\n',
    "note": b'[sessions.s-1]\nsummary = "did things"\nended_at = "x"\n',
}

TOML_VALUES = st.sampled_from([
    '""', '"x"', "0", "-1", "99999999999999999999999", "1.5", "nan", "inf", "true", "[]", "[1, 2]", '["a", 1]',
    "{}", '{ a = 1 }', '{ add = "x" }', '{ add = "1@" }', '"1@abc@def"', "1979-05-27T07:32:00Z", "[[]]", '"\\u0000"',
    '"' + "x" * 5000 + '"', "[" * 200 + "]" * 200,
])


def near_valid(kind: str) -> st.SearchStrategy[bytes]:
    """The valid document with one line's value swapped, a line dropped, or bytes spliced in."""
    lines = VALID[kind].decode().split("\n")

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        out = list(lines)
        index = draw(st.integers(0, len(out) - 1))
        action = draw(st.sampled_from(["value", "drop", "splice", "dup", "header"]))
        if action == "value" and " = " in out[index]:
            out[index] = out[index].split(" = ", 1)[0] + " = " + draw(TOML_VALUES)
        elif action == "drop":
            del out[index]
        elif action == "dup":
            out.insert(index, out[index])
        elif action == "header":
            out.insert(index, draw(st.sampled_from(["[clock]", "[sets]", "[[log]]", "[[turns]]", "[[events]]",
                                                    "[sessions]", "[sessions.x]", "[x.y.z]", "[[sets.depends_on]]"])))
        else:
            data = "\n".join(out).encode()
            at = draw(st.integers(0, len(data)))
            return data[:at] + draw(st.binary(max_size=8)) + data[at:]
        return "\n".join(out).encode()

    return build()


def only_clean_errors(kind: str, data: bytes) -> None:
    try:
        DECODERS[kind](data, f"fuzz:{kind}")
    except GitmemError as exc:
        assert exc.message and exc.exit_code == 1


@pytest.mark.parametrize("kind", sorted(DECODERS))
def test_valid_samples_decode(kind: str) -> None:
    DECODERS[kind](VALID[kind], kind)


@pytest.mark.parametrize("kind", sorted(DECODERS))
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300))
def test_random_bytes(kind: str, data: bytes) -> None:
    only_clean_errors(kind, data)



@pytest.mark.parametrize("kind", sorted(DECODERS))
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_near_valid_toml(kind: str, data: st.DataObject) -> None:
    only_clean_errors(kind, data.draw(near_valid(kind)))


@pytest.mark.parametrize("kind", sorted(DECODERS))
def test_pathological_documents(kind: str) -> None:
    for doc in (b"a = " + b"[" * 5000 + b"]" * 5000, b"[" + b"a." * 3000 + b"b]\n", b"x = 1\n" * 20000,
                b'a = "' + b"\\u0000" * 1000 + b'"', b"\x00" * 100, "é".encode("utf-16")):
        only_clean_errors(kind, doc)


LEAKS = [
    ("meta.toml", b'format = 1\ndefault_branch = "main"\ncreated_at = "x"\nclock = inf\n'),
    ("task", b'id = "ID"\ncreated_at = "x"\ncreated_by = "abc"\ntitle = "x"\n\n[clock]\ntitle = []\n'),
    ("task", b'id = "ID"\ncreated_at = "x"\ncreated_by = "abc"\ntitle = "x"\n\n[clock]\ntitle = ""\n'),
]


@pytest.mark.parametrize(("where", "data"), LEAKS)
def test_read_path_wraps_what_the_decoders_let_through(initialised: Path, cli: Cli, where: str, data: bytes) -> None:
    task_id = cli("tasks", "add", "victim").out.strip()
    path = "meta.toml" if where == "meta.toml" else f"tasks/{task_id[2]}/{task_id}.toml"
    plant(initialised, "refs/codex/branches/main", path, data.replace(b"ID", task_id.encode()))
    for args in (("tasks", "list"), ("tasks", "show", task_id), ("status",)):
        err = cli(*args, expect=1).err
        assert err.startswith("error: ") and "internal error" not in err and path in err, (args, err)
    problems = cli("fsck", "--json", expect=1).json()["problems"]
    assert any(p["path"] == path for p in problems)
    cli("undo")
    cli("tasks", "show", task_id)
