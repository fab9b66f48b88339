"""The click CLI: the root group (it only registers commands), click's errors -> exit codes, and
the source of ``grammar.py`` (``python -m gitmem.cli > gitmem/grammar.py``).

``main.py`` comes here for every command line that ``direct.py`` does not take.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from gitmem.direct import App
from gitmem.services import inputs

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# name -> "module:attribute"; modules import only when their command runs.
COMMANDS = {
    "init": ("gitmem.commands.init:init", "Set up memory (and hooks) in this repository."),
    "status": ("gitmem.commands.status:status", "Branch, memory tip and task counts."),
    "tasks": ("gitmem.commands.tasks:tasks", "Add, list, order and complete tasks."),
    "session": ("gitmem.commands.session:session", "Log agent sessions turn by turn; notes on commits."),
    "context": ("gitmem.commands.context:context", "A compact brief of this memory for an agent's prompt."),
    "plan": ("gitmem.commands.plan:plan", "Mirror an agent's plan (Codex, Claude, Gemini) into tasks."),
    "hooks": ("gitmem.commands.hooks:hooks", "Install, remove or inspect the git hooks."),
    "hook": ("gitmem.commands.hook:hook", "(internal) Run gitmem's part of a git hook."),
    "merge": ("gitmem.commands.merge:merge", "Merge another branch's memory into this one."),
    "cache": ("gitmem.commands.cache:cache", "Show drift; reconcile after a diverged history."),
    "push": ("gitmem.commands.sync:push", "Push memory to a remote (atomic, never forced)."),
    "fetch": ("gitmem.commands.sync:fetch", "Fetch a remote's memory, check it, merge it."),
    "sync": ("gitmem.commands.sync:sync", "Fetch, merge and push memory."),
    "prune": ("gitmem.commands.prune:prune", "Archive the memory of deleted branches."),
    "import": ("gitmem.commands.imports:import_group", "Import sessions and tasks: Codex, Claude, Task Master, beads."),
    "mcp": ("gitmem.commands.mcp:mcp", "Serve this memory to agents over MCP (stdio)."),
    "fsck": ("gitmem.commands.fsck:fsck", "Check every memory, claims and notes; --repair what is safe."),
    "log": ("gitmem.commands.history:log", "The history of a memory: operation, author, date."),
    "undo": ("gitmem.commands.history:undo", "Undo the last memory change (as a new commit)."),
    "restore": ("gitmem.commands.history:restore", "Bring back an earlier memory (as a new commit)."),
    "stats": ("gitmem.commands.stats:stats", "Summarise local telemetry (.git/codex/events.jsonl)."),
    "gc": ("gitmem.commands.gc:gc", "Expire backups, prune aliases and stale notes; report sizes."),
    "demo": ("gitmem.commands.demo:demo", "A guided tour in a throwaway repository."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when invoked (fast start-up)."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.lazy)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy:
            return None
        module, _, attr = self.lazy[cmd_name][0].partition(":")
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings=CONTEXT,
    epilog="Examples:\n\n  git codex init\n\n  git codex tasks add 'Write the parser'\n\n  git codex tasks next",
)
@click.option("-C", "path", default=".", metavar="PATH", help="Run as if started in PATH (like git -C).")
@click.option("--branch", metavar="NAME", help="Use NAME's memory instead of the checked-out branch's.")
@click.version_option(package_name="gitmem", prog_name="git codex")
@click.pass_context
def cli(ctx: click.Context, path: str, branch: str | None) -> None:
    """gitmem: git-native memory for AI coding agents (tasks, sessions, context)."""
    ctx.obj = App(path=inputs.directory(path), branch=branch)


def run(args: Sequence[str]) -> int:
    """Run ``args`` through click; usage errors exit 2, ^C 130. GitmemError propagates to ``main``."""
    try:
        result = cli.main(args=list(args), prog_name="git codex", complete_var="_GIT_CODEX_COMPLETE",
                          standalone_mode=False)
        return result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        exc.show()
        return 2
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return 1
    except click.Abort:
        click.echo("interrupted", err=True)
        return 130


def _option(option: click.Option, default: Any) -> tuple[str, bool, bool, Any, tuple[str, ...], int | None, int | None]:
    """(kind, multiple, required, default, choices, low, high) of an option ``commandline`` reads;
    ``default`` is the value click gives it when the option is not on the command line."""
    plain = not (option.secondary_opts or option.count or option.envvar or option.callback or option.prompt)
    kind = option.type
    if plain and option.is_bool_flag and default is False:
        return "flag", False, option.required, False, (), None, None
    if plain and isinstance(kind, click.Choice) and kind.case_sensitive:
        return "choice", option.multiple, option.required, default, tuple(map(str, kind.choices)), None, None
    if plain and isinstance(kind, click.IntRange) and not (kind.min_open or kind.max_open or kind.clamp):
        return "int", option.multiple, option.required, default, (), kind.min, kind.max
    if plain and kind in (click.INT, click.STRING):
        return ("int" if kind is click.INT else "text"), option.multiple, option.required, default, (), None, None
    raise TypeError(f"{option.name}: commandline.py cannot read this option; give the command no body or extend it")


def grammar() -> dict[tuple[str, ...], tuple[Any, ...]]:
    """The table of ``grammar.py``: every command whose callback runs a body (``common.runs``)."""
    ctx = click.Context(cli)
    table: dict[tuple[str, ...], tuple[Any, ...]] = {}

    def walk(command: click.Command, words: tuple[str, ...]) -> None:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                found = command.get_command(ctx, name)
                assert found is not None
                walk(found, (*words, name))
            return
        named = getattr(command.callback, "body", None)
        if named is None:
            return
        arguments: list[tuple[str, bool, Any]] = []
        spellings: dict[str, str] = {}
        options: dict[str, tuple[Any, ...]] = {}
        defaults = command.make_context(words[-1], [], resilient_parsing=True).params
        for param in command.params:
            assert param.name is not None
            if isinstance(param, click.Argument):
                if param.nargs != 1 or param.envvar or param.callback:
                    raise TypeError(f"{param.name}: commandline.py reads single arguments only")
                arguments.append((param.name, param.required, defaults[param.name]))
            elif isinstance(param, click.Option):
                options[param.name] = _option(param, defaults[param.name])
                spellings.update((spelling, param.name) for spelling in param.opts)
        table[words] = (*named, tuple(arguments), spellings, options)

    walk(cli, ())
    return table


def grammar_source() -> str:
    """``grammar.py`` as it should read now."""
    lines = [
        '"""Generated by ``python -m gitmem.cli > gitmem/grammar.py`` from the click commands: do not edit.',
        "",
        "Each command ``direct.py`` runs without click -> (its body, the body's fixed arguments, the",
        "arguments as (name, required, default), option spelling -> name, name -> (kind, multiple,",
        "required, default, choices, low, high)). A test fails when this no longer matches the commands.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "Option = tuple[str, bool, bool, object, tuple[str, ...], int | None, int | None]",
        "Shape = tuple[str, dict[str, object], tuple[tuple[str, bool, object], ...], dict[str, str], dict[str, Option]]",
        "",
        "COMMANDS: dict[tuple[str, ...], Shape] = {",
    ]
    for words, shape in sorted(grammar().items()):
        lines.append(f"    {words!r}: (")
        for part in shape:
            if isinstance(part, dict) and part:
                lines.append("        {")
                lines.extend(f"            {key!r}: {value!r}," for key, value in sorted(part.items()))
                lines.append("        },")
            else:
                lines.append(f"        {part!r},")
        lines.append("    ),")
    return "\n".join([*lines, "}", ""])


if __name__ == "__main__":
    sys.stdout.write(grammar_source())
