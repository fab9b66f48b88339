"""The click CLI: the root group (it only registers commands) and click's errors -> exit codes."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any, NamedTuple

import click

from gitmem.core import inputs


class App(NamedTuple):
    """The root options every command reads: ``-C PATH`` and ``--branch NAME``."""

    path: str
    branch: str | None = None


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# name -> "module:attribute"; modules import only when their command runs.
COMMANDS = {
    "init": ("gitmem.cli.commands.init:init", "Set up memory (and hooks) in this repository."),
    "status": ("gitmem.cli.commands.status:status", "Branch, memory tip and task counts."),
    "tasks": ("gitmem.cli.commands.tasks:tasks", "Add, list, order and complete tasks."),
    "session": ("gitmem.cli.commands.session:session", "Log agent sessions turn by turn; notes on commits."),
    "context": ("gitmem.cli.commands.context:context", "A compact brief of this memory for an agent's prompt."),
    "plan": ("gitmem.cli.commands.plan:plan", "Mirror an agent's plan (Codex, Claude, Gemini) into tasks."),
    "hooks": ("gitmem.cli.commands.hooks:hooks", "Install, remove or inspect the git hooks."),
    "hook": ("gitmem.cli.commands.hook_run:hook", "(internal) Run gitmem's part of a git hook."),
    "agent-hook": ("gitmem.cli.commands.agent_hook:agent_hook", "(internal) Answer an agent's hook event."),
    "setup": ("gitmem.cli.commands.setup:setup", "Connect an agent (codex, claude, gemini): brief, plan and turns, live."),
    "merge": ("gitmem.cli.commands.merge:merge", "Merge another branch's memory into this one."),
    "cache": ("gitmem.cli.commands.cache:cache", "Show drift; reconcile after a diverged history."),
    "push": ("gitmem.cli.commands.sync:push", "Push memory to a remote (atomic, never forced)."),
    "fetch": ("gitmem.cli.commands.sync:fetch", "Fetch a remote's memory, check it, merge it."),
    "sync": ("gitmem.cli.commands.sync:sync", "Fetch, merge and push memory."),
    "prune": ("gitmem.cli.commands.prune:prune", "Archive the memory of deleted branches."),
    "import": ("gitmem.cli.commands.imports:import_group", "Import sessions and tasks: Codex, Claude, Task Master, beads."),
    "mcp": ("gitmem.cli.commands.mcp:mcp", "Serve this memory to agents over MCP (stdio)."),
    "fsck": ("gitmem.cli.commands.fsck:fsck", "Check every memory, claims and notes; --repair what is safe."),
    "log": ("gitmem.cli.commands.history:log", "The history of a memory: operation, author, date."),
    "undo": ("gitmem.cli.commands.history:undo", "Undo the last memory change (as a new commit)."),
    "restore": ("gitmem.cli.commands.history:restore", "Bring back an earlier memory (as a new commit)."),
    "stats": ("gitmem.cli.commands.stats:stats", "Summarise local telemetry (.git/codex/events.jsonl)."),
    "gc": ("gitmem.cli.commands.gc:gc", "Expire backups, prune aliases and stale notes; report sizes."),
    "demo": ("gitmem.cli.commands.demo:demo", "A guided tour in a throwaway repository."),
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
