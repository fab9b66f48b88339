"""Hostile input and error paths: exact round trips, clear refusals, nothing written."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result, git, memory_tip, run_git_codex

Cli = Callable[..., Result]

HOSTILE_TITLES = [
    'say "hello" and \'bye\'',
    "back\\slash \\n not a newline \\",
    "tab\there\tand\tthere",
    "two\nlines\n",
    "emoji 😀🚀 and zwj 👩‍💻",
    "中文标题 日本語のタイトル 한국어",
    '"]; <script>alert(1)</script> [label="x',
    "  leading and trailing spaces  ",
    '"""triple""" and \'\'\'single\'\'\'',
    "=== [table] # not a comment",
]

CONTROL_CHARACTERS = ["\x01", "\x1b", "\x7f", "\x00", "\x08", "\x85"]


def refs_under_codex(repo: Path) -> str:
    return git(repo, "for-each-ref", "refs/codex")


def tasks_json(cli: Cli) -> list[dict]:
    return cli("tasks", "list", "--all", "--json").json()["tasks"]


def assert_clear_error(result: Result) -> None:
    assert result.code == 1
    assert result.err.startswith("error: "), result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert result.out == ""


# -- exact round trips ----------------------------------------------------------------


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_round_trip_through_add_show_and_edit(initialised: Path, cli: Cli, title: str) -> None:
    task_id = cli("tasks", "add", title).out.strip()
    assert cli("tasks", "show", task_id, "--json").json()["task"]["title"] == title

    renamed = "renamed: " + title[::-1]
    cli("tasks", "edit", task_id, "--title", renamed)
    assert cli("tasks", "show", task_id, "--json").json()["task"]["title"] == renamed
    assert [t["title"] for t in tasks_json(cli)] == [renamed]


def test_hostile_description_round_trips(initialised: Path, cli: Cli) -> None:
    description = "\n".join(HOSTILE_TITLES)
    task_id = cli("tasks", "add", "x", "-d", description).out.strip()
    assert cli("tasks", "show", task_id, "--json").json()["task"]["description"] == description


def test_title_starting_with_a_dash_is_accepted_after_double_dash(initialised: Path, cli: Cli) -> None:
    task_id = cli("tasks", "add", "--", "-p is not an option here").out.strip()
    assert cli("tasks", "show", task_id, "--json").json()["task"]["title"] == "-p is not an option here"


def test_text_output_never_sends_control_characters_to_the_terminal(initialised: Path, cli: Cli) -> None:
    task_id = cli("tasks", "add", "two\nlines\tand a tab").out.strip()
    for args in (("tasks", "list"), ("tasks", "show", task_id), ("tasks", "next"), ("tasks", "graph")):
        out = cli(*args).out
        assert "two\\nlines\\tand a tab" in out, args
        assert "\t" not in out, args


# -- refusals -------------------------------------------------------------------------


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=[f"U+{ord(c):04X}" for c in CONTROL_CHARACTERS])
def test_control_characters_are_refused_with_nothing_written(initialised: Path, cli: Cli, char: str) -> None:
    existing = cli("tasks", "add", "existing").out.strip()
    tip = memory_tip(initialised)

    for args in (
        ("tasks", "add", f"bad{char}title"),
        ("tasks", "add", "ok", "-d", f"bad{char}description"),
        ("tasks", "edit", existing, "--title", f"bad{char}title"),
        ("tasks", "block", existing, "--reason", f"bad{char}reason"),
        ("tasks", "add", "ok", "-l", f"bad{char}label"),
    ):
        result = cli(*args, expect=1)
        assert_clear_error(result)
        assert f"U+{ord(char):04X}" in result.err or "not valid" in result.err, args
        assert memory_tip(initialised) == tip, args

    assert [t["title"] for t in tasks_json(cli)] == ["existing"]


def test_invalid_utf8_in_arguments_is_a_clear_error(initialised: Path) -> None:
    tip = memory_tip(initialised)
    result = run_git_codex(initialised, "tasks", "add", b"bad \xff bytes".decode("utf-8", "surrogateescape"))
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert memory_tip(initialised) == tip


@pytest.mark.parametrize("agent", ["x\nCodex-Branch: evil", "trailing-newline\n", "esc\x1b", "two words"])
def test_agent_names_that_would_corrupt_commit_trailers_are_refused(
    initialised: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, agent: str
) -> None:
    task_id = cli("tasks", "add", "A").out.strip()
    tip = memory_tip(initialised)

    assert_clear_error(cli("tasks", "next", "--claim", "--agent", agent, expect=1))
    monkeypatch.setenv("GITMEM_AGENT", agent)
    assert_clear_error(cli("tasks", "start", task_id, expect=1))

    assert memory_tip(initialised) == tip
    assert git(initialised, "for-each-ref", "refs/codex/claims") == ""


@pytest.mark.parametrize("args", [("tasks", "add", ""), ("tasks", "add", "   "), ("tasks", "add", "x", "-p", "9"),
                                  ("tasks", "add", "x", "-p", "-1"), ("tasks", "add", "x" * 501)])
def test_invalid_values_are_refused(initialised: Path, cli: Cli, args: tuple[str, ...]) -> None:
    tip = memory_tip(initialised)
    assert_clear_error(cli(*args, expect=1))
    assert memory_tip(initialised) == tip


def test_unknown_id_is_a_clear_error(initialised: Path, cli: Cli) -> None:
    cli("tasks", "add", "A")
    tip = memory_tip(initialised)
    for args in (("tasks", "show", "t-zzzzzzzzzz"), ("tasks", "start", "t-zzzz"), ("tasks", "show", "not an id"),
                 ("tasks", "add", "B", "--after", "t-zzzz"), ("tasks", "next", "--explain", "t-zzzz"),
                 ("tasks", "rm", "t-zzzz")):
        result = cli(*args, expect=1)
        assert_clear_error(result)
        assert "hint: " in result.err
        assert memory_tip(initialised) == tip


def test_ambiguous_prefix_is_a_clear_error_and_unique_prefixes_work(initialised: Path, cli: Cli) -> None:
    by_first: dict[str, str] = {}
    pair: tuple[str, str] | None = None
    while pair is None:  # 32 possible first characters: a clash comes within 33 adds
        task_id = cli("tasks", "add", "task").out.strip()
        first = task_id[2]
        if first in by_first:
            pair = (by_first[first], task_id)
        by_first[first] = task_id
    tip = memory_tip(initialised)

    result = cli("tasks", "start", "t-" + pair[0][2], expect=1)

    assert_clear_error(result)
    assert "ambiguous" in result.err
    assert pair[0] in result.err and pair[1] in result.err
    assert memory_tip(initialised) == tip
    # The shortest unique prefixes that `list` shows, and prefixes without `t-`, resolve.
    for task in tasks_json(cli):
        assert cli("tasks", "show", task["short_id"], "--json").json()["task"]["id"] == task["id"]
        assert cli("tasks", "show", task["id"][2:8].upper(), "--json").json()["task"]["id"] == task["id"]


def test_outside_a_repository(initialised: Path, cli: Cli, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    for args in (("tasks", "list"), ("tasks", "add", "A"), ("init",), ("status",)):
        result = cli(*args, cwd=plain, expect=1)
        assert_clear_error(result)
        assert "not a git repository" in result.err
    assert list(plain.iterdir()) == []


def test_missing_directory_for_dash_c(cli: Cli, tmp_path: Path) -> None:
    assert_clear_error(cli("tasks", "list", cwd=tmp_path / "missing", expect=1))


def test_repository_without_commits(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q", "-b", "main")
    for args in (("init",), ("tasks", "add", "A"), ("tasks", "list"), ("tasks", "next")):
        result = cli(*args, cwd=empty, expect=1)
        assert_clear_error(result)
        assert "no commits" in result.err
        assert "hint: " in result.err
    assert refs_under_codex(empty) == ""
    assert git(empty, "config", "--get", "codex.enabled", check=False) == ""


def test_repository_not_initialised(repo: Path, cli: Cli) -> None:
    for args in (("tasks", "add", "A"), ("tasks", "list")):
        result = cli(*args, expect=1)
        assert_clear_error(result)
        assert "git codex init" in result.err
    assert refs_under_codex(repo) == ""


@pytest.mark.parametrize(
    "args",
    [
        ("tasks", "add", "--no-such-option", "A"),
        ("tasks", "no-such-command"),
        ("no-such-group",),
        ("tasks", "add", "A", "-p", "high"),
        ("tasks", "list", "--status", "someday"),
        ("tasks", "next", "-n", "0"),
        ("tasks", "graph", "--format", "png"),
        ("tasks", "dep", "add", "t-aaaa"),
        ("tasks", "add"),
    ],
)
def test_usage_errors_exit_2(initialised: Path, cli: Cli, args: tuple[str, ...]) -> None:
    tip = memory_tip(initialised)
    result = cli(*args, expect=2)
    assert "Usage:" in result.err or "Error:" in result.err
    assert "Traceback" not in result.err
    assert memory_tip(initialised) == tip


HELP = [
    (), ("init",), ("status",), ("tasks",), ("tasks", "add"), ("tasks", "list"), ("tasks", "show"),
    ("tasks", "next"), ("tasks", "start"), ("tasks", "complete"), ("tasks", "block"), ("tasks", "cancel"),
    ("tasks", "reopen"), ("tasks", "edit"), ("tasks", "dep"), ("tasks", "dep", "add"), ("tasks", "dep", "rm"),
    ("tasks", "rm"), ("tasks", "graph"),
]


@pytest.mark.parametrize("args", HELP, ids=[" ".join(a) or "root" for a in HELP])
def test_dash_h_works_everywhere(repo: Path, cli: Cli, args: tuple[str, ...]) -> None:
    short = cli(*args, "-h")
    assert short.out.startswith("Usage: git codex")
    assert short.out == cli(*args, "--help").out
    assert short.err == ""


def test_help_lists_only_commands_that_exist(repo: Path, cli: Cli) -> None:
    tasks_help = cli("tasks", "-h").out
    for name in ("add", "list", "show", "next", "start", "complete", "block", "cancel", "reopen", "edit",
                 "dep", "rm", "graph"):
        assert f"  {name} " in tasks_help


# -- tasks edit with $EDITOR ----------------------------------------------------------


def make_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    """Point GIT_EDITOR at a script that runs ``body`` on ``text`` (the file's contents);
    ``put(key, toml_value)`` replaces one top-level line."""
    script = tmp_path / "fake-editor.py"
    script.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, re, sys\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "text = path.read_text(encoding='utf-8')\n"
        "def put(key, value):\n"
        "    global text\n"
        "    text = re.sub(rf'(?m)^{key} = .*$', lambda m: f'{key} = {value}', text)\n"
        + textwrap.dedent(body)
        + "\nif isinstance(text, bytes):\n    path.write_bytes(text)\n"
        + "else:\n    path.write_text(text, encoding='utf-8')\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("GIT_EDITOR", str(script))


@pytest.fixture
def task_id(initialised: Path, cli: Cli) -> str:
    args = ("Original title", "-d", "first\nsecond", "-p", "2", "-l", "keep", "-l", "drop")
    return cli("tasks", "add", *args).out.strip()


def test_editor_applies_a_valid_edit(
    initialised: Path, cli: Cli, task_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_editor(tmp_path, monkeypatch, r'''
        assert "Original title" in text and "keep" in text
        put("title", r'"New \"quoted\" title 中文"')
        put("priority", "0")
        put("labels", '["keep", "new"]')
    ''')
    before = int(git(initialised, "rev-list", "--count", "refs/codex/branches/main"))

    cli("tasks", "edit", task_id)

    task = cli("tasks", "show", task_id, "--json").json()["task"]
    assert task["title"] == 'New "quoted" title 中文'
    assert task["priority"] == 0
    assert task["labels"] == ["keep", "new"]
    assert task["description"] == "first\nsecond"
    assert int(git(initialised, "rev-list", "--count", "refs/codex/branches/main")) == before + 1
    assert git(initialised, "status", "--porcelain") == ""


def test_editor_saving_without_changes_writes_nothing(
    initialised: Path, cli: Cli, task_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_editor(tmp_path, monkeypatch, "pass")
    tip = memory_tip(initialised)
    cli("tasks", "edit", task_id)
    assert memory_tip(initialised) == tip


def test_editor_round_trips_hostile_text_unchanged(
    initialised: Path, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    title = "".join(HOSTILE_TITLES[:7]).replace("\n", " ")
    description = "\n".join(HOSTILE_TITLES) + "\nends with a backslash \\"
    task_id = cli("tasks", "add", title, "-d", description).out.strip()
    make_editor(tmp_path, monkeypatch, "text = text.replace('priority = 2', 'priority = 3')")

    cli("tasks", "edit", task_id)

    task = cli("tasks", "show", task_id, "--json").json()["task"]
    assert (task["title"], task["description"], task["priority"]) == (title, description, 3)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("text = text.replace('title = ', 'title = = ')", id="invalid-toml"),
        pytest.param("text += 'title = \"unterminated\\n'", id="unterminated-string"),
        pytest.param("put('priority', '\"high\"')", id="priority-string"),
        pytest.param("put('priority', '9')", id="priority-9"),
        pytest.param("put('kind', '\"story\"')", id="unknown-kind"),
        pytest.param("put('labels', '\"keep\"')", id="labels-not-array"),
        pytest.param("put('title', r'\"bad\\u001bescape\"')", id="control-char"),
        pytest.param("put('title', '\"\"')", id="empty-title"),
        pytest.param("text += 'titel = \"typo\"\\n'", id="unknown-key"),
        pytest.param("text = text.encode('utf-8').replace(b'Original', b'Orig\\xffinal')", id="invalid-utf8"),
    ],
)
def test_editor_rejects_invalid_documents_with_nothing_written(
    initialised: Path, cli: Cli, task_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    make_editor(tmp_path, monkeypatch, body)
    tip = memory_tip(initialised)

    result = cli("tasks", "edit", task_id, expect=1)

    assert_clear_error(result)
    assert memory_tip(initialised) == tip
    task = cli("tasks", "show", task_id, "--json").json()["task"]
    assert (task["title"], task["priority"], task["kind"]) == ("Original title", 2, "task")


def test_editor_emptied_file_aborts_with_nothing_written(
    initialised: Path, cli: Cli, task_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_editor(tmp_path, monkeypatch, "text = '\\n  \\n'")
    tip = memory_tip(initialised)

    result = cli("tasks", "edit", task_id, expect=None)

    assert result.code in (0, 1)
    assert "abort" in result.err
    assert memory_tip(initialised) == tip


def test_failing_editor_writes_nothing(initialised: Path, cli: Cli, task_id: str) -> None:
    tip = memory_tip(initialised)  # GIT_EDITOR=false from the sealed environment
    result = cli("tasks", "edit", task_id, expect=1)
    assert "Traceback" not in result.err
    assert memory_tip(initialised) == tip
