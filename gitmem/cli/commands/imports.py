"""``git codex import``: bring sessions and tasks from Codex, Claude Code, Task Master, beads."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json, note
from gitmem.core.text import flat
from gitmem.engine.adopt import ImportReport
from gitmem.services import imports as svc


def _progress(label: str) -> svc.Each:
    """A progress bar on stderr when it is a terminal; plain iteration otherwise."""

    def each(files: Sequence[Path]) -> Iterable[Path]:
        if not sys.stderr.isatty() or len(files) < 2:
            return iter(files)
        return _bar(files, label)

    return each


def _bar(files: Sequence[Path], label: str) -> Iterator[Path]:
    with click.progressbar(files, label=label, file=sys.stderr) as bar:
        yield from bar


def _report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        emit_json("import", {
            "source": report.source,
            "imported": {"sessions": len(report.sessions), "turns": report.turns, "tasks": len(report.tasks),
                         "updated": len(report.updated)},
            "skipped": dict(sorted(report.skipped.items())),
            "sessions": report.sessions, "tasks": report.tasks, "updated": report.updated,
            "commits": report.commits, "backups": report.backups, "problems": report.problems,
        })
        return
    parts = [f"{len(report.tasks)} tasks"] + ([f"updated {len(report.updated)}"] if report.updated else [])
    if report.source in svc.SESSION_SOURCES:
        parts.insert(0, f"{len(report.sessions)} sessions" + (f" (and {report.turns} new turns of earlier ones)"
                                                               if report.turns else ""))
    emit(f"imported {', '.join(parts)} from {flat(report.source)}")
    for reason, count in sorted(report.skipped.items()):
        note(f"skipped {count}: {flat(reason)}")
    for line in report.problems[:10]:
        note(f"  {flat(line)}")
    if len(report.problems) > 10:
        note(f"  … and more; --json lists up to {len(report.problems)}")
    for ref in report.backups:
        note(f"backup of the memory before the import: {ref}")
    if not report.commits:
        note("nothing new to import; memory unchanged")


@click.group("import", context_settings=CONTEXT)
def import_group() -> None:
    """Import sessions and tasks from other tools (idempotent; a backup ref first).

    \b
    Examples:
      git codex import codex                      # ~/.codex/sessions, this repository's rollouts
      git codex import claude ~/.claude/projects
      git codex import gemini
      git codex import taskmaster .taskmaster/tasks/tasks.json
      git codex import beads .beads/issues.jsonl --json
      git codex import tasks backlog.jsonl
    """


_DIR = click.argument("directory", metavar="[DIR]", required=False, type=click.Path(path_type=Path))
_FILE = click.argument("file", type=click.Path(path_type=Path))


@import_group.command(context_settings=CONTEXT)
@_DIR
@json_option
def codex(directory: Path | None, as_json: bool) -> None:
    """Codex rollouts whose cwd is in this repository (or whose remote matches it).

    DIR defaults to $CODEX_HOME/sessions (~/.codex/sessions). One session per rollout,
    tasks from its last update_plan.

    \b
    Examples:
      git codex import codex
      git codex import codex ~/.codex/archived_sessions --json
    """
    _report(svc.import_sessions(workspace(), "codex", directory, _progress("Codex rollouts")), as_json)


@import_group.command(context_settings=CONTEXT)
@_DIR
@json_option
def claude(directory: Path | None, as_json: bool) -> None:
    """Claude Code transcripts whose cwd is in this repository.

    DIR defaults to ~/.claude/projects. TodoWrite lists and TaskCreate/TaskUpdate calls
    become tasks.

    \b
    Examples:
      git codex import claude
      git codex import claude ~/.claude/projects/-home-me-proj
    """
    _report(svc.import_sessions(workspace(), "claude", directory, _progress("Claude transcripts")), as_json)


@import_group.command(context_settings=CONTEXT)
@_DIR
@json_option
def gemini(directory: Path | None, as_json: bool) -> None:
    """Gemini CLI chats of this repository (matched by the hash of its path).

    DIR defaults to ~/.gemini/tmp. One session per chat file; a resumed chat's new turns
    on the next import; tasks from its last write_todos.

    \b
    Examples:
      git codex import gemini
      git codex import gemini ~/.gemini/tmp/my-project --json
    """
    _report(svc.import_sessions(workspace(), "gemini", directory, _progress("Gemini chats")), as_json)


def _file_command(source: str, summary: str, example: str) -> click.Command:
    @click.command(source, context_settings=CONTEXT, help=f"{summary}\n\n\b\nExample:\n  {example}")
    @_FILE
    @json_option
    def run(file: Path, as_json: bool) -> None:
        _report(svc.import_file(workspace(), source, file), as_json)

    return run


import_group.add_command(_file_command(
    "taskmaster", "Task Master tasks.json (every tag; subtasks become child tasks).",
    "git codex import taskmaster .taskmaster/tasks/tasks.json"))
import_group.add_command(_file_command(
    "beads", "beads issues.jsonl (issues, dependencies, labels, priorities).",
    "git codex import beads .beads/issues.jsonl"))
import_group.add_command(_file_command(
    "tasks", "JSON lines of task records; 'id' may be any string, depends_on/parent name those ids.",
    "git codex import tasks backlog.jsonl --json"))
