"""The click-free command-line table: current, and never reading a command line otherwise than click."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitmem import cli, commandline, direct
from gitmem.grammar import COMMANDS


def leaf(words: tuple[str, ...]) -> click.Command:
    command: click.Command = cli.cli
    for word in words:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), word)
        assert found is not None
        command = found
    return command


def click_params(words: tuple[str, ...], rest: list[str]) -> dict[str, Any] | None:
    """The parameters click passes for ``rest`` after the command words; None if it refuses."""
    try:
        return dict(leaf(words).make_context(words[-1], list(rest)).params)
    except click.UsageError:
        return None


def test_the_table_is_generated_from_the_commands() -> None:
    source = (Path(commandline.__file__).parent / "grammar.py").read_text(encoding="utf-8")
    assert source == cli.grammar_source(), "regenerate: python -m gitmem.cli > gitmem/grammar.py"


@pytest.mark.parametrize("words", sorted(COMMANDS))
def test_each_body_takes_what_click_passes(words: tuple[str, ...]) -> None:
    target, fixed, arguments, _, options = COMMANDS[words]
    accepted = set(inspect.signature(direct.body(target)).parameters) - {"app"}
    assert accepted == {*fixed, *(a[0] for a in arguments), *options}


@pytest.mark.parametrize("args", [
    ["status"], ["status", "--json", "--dirty"], ["tasks", "next", "-n", "2", "--json"], ["tasks", "next", "--claim"],
    ["tasks", "list", "--status", "pending", "--all"], ["context", "--budget", "10"], ["-C", "elsewhere", "context"],
    ["tasks", "add", "x", "-p", "1", "--label=a"], ["tasks", "block", "t-1", "--reason", "why"], ["plan", "sync"],
    ["session", "log", "turn", "--action", "a", "--action", "b"], ["plan", "sync", "-", "--format", "codex"],
])
def test_plain_spellings_are_taken(args: list[str]) -> None:
    assert commandline.parse(args) is not None


@pytest.mark.parametrize("args", [
    ["status", "-h"], ["tasks", "--json", "next"], ["--branch", "main", "status"], ["tasks"], ["status", "extra"],
    ["context", "--all"], ["tasks", "add"], ["tasks", "block", "t-1"], ["tasks", "next", "-n", "0"],
    ["tasks", "add", "x", "--kind", "bogus"], ["tasks", "add", "x", "-p1"], ["tasks", "add", "--", "-x"],
    ["tasks", "add", "x", "-d", "-y"], ["status", "--json=1"], ["tasks", "edit", "t-1", "--title", "y"], ["init"],
])
def test_everything_else_goes_to_click(args: list[str]) -> None:
    assert commandline.parse(args) is None


def test_shell_completion_goes_to_click(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_GIT_CODEX_COMPLETE", "bash_complete")
    assert commandline.parse(["status"]) is None


VALUES = st.sampled_from(["", "x", "-", "--", "-x", "=", "a=b", "0", "1", "7", "-1", " 3", "+2", "1.5", "３", "task",
                          "epic", "codex", "pending", "--json", "t-1", "é ü"]) | st.text(max_size=4)


@st.composite
def command_lines(draw: st.DrawFn, clean: bool) -> tuple[tuple[str, ...], list[str]]:
    """A command's words and what follows; ``clean``: its arguments and well-formed options only."""
    words = draw(st.sampled_from(sorted(COMMANDS)))
    _, _, arguments, names, options = COMMANDS[words]
    spellings = sorted(names)

    def fitting(spelling: str) -> st.SearchStrategy[list[str]]:
        kind, _, _, _, choices, _, _ = options[names[spelling]]
        if kind == "flag":
            return st.just([spelling])
        value = st.sampled_from(choices) if kind == "choice" else st.integers(-1, 9).map(str) if kind == "int" else VALUES
        return value.map(lambda v: [spelling, v])

    good = st.sampled_from(spellings).flatmap(fitting)
    token = st.one_of(
        good, good, good, VALUES.map(lambda v: [v]), VALUES.map(lambda v: [v]),
        st.sampled_from(spellings).flatmap(lambda s: VALUES.map(lambda v: [s, v])),
        st.sampled_from([s for s in spellings if s.startswith("--")]).flatmap(
            lambda s: VALUES.map(lambda v: [f"{s}={v}"])),
        st.sampled_from(spellings).map(lambda s: [s]),
        st.sampled_from(["-h", "--help", "-x", "-p1", "--nope"]).map(lambda v: [v]),
    )
    if clean:
        positional = [draw(VALUES.filter(lambda v: not v.startswith("-"))) for _ in arguments]
        chunks = [*map(lambda v: [v], positional), *draw(st.lists(good, max_size=5))]
        return words, [part for chunk in draw(st.permutations(chunks)) for part in chunk]
    return words, [part for chunk in draw(st.lists(token, max_size=6)) for part in chunk]


@settings(max_examples=600, deadline=None)
@given(st.one_of(command_lines(clean=True), command_lines(clean=False)))
def test_a_command_line_taken_is_read_as_click_reads_it(line: tuple[tuple[str, ...], list[str]]) -> None:
    words, rest = line
    found = commandline.parse([*words, *rest])
    if found is None:
        return  # click takes it: nothing to compare
    path, parsed_words, params, given_names = found
    assert (path, parsed_words) == (".", words)
    assert params == click_params(words, rest)
    assert given_names <= set(COMMANDS[words][4])
