"""``git codex plan sync``: an agent's plan payload in, tasks out."""

from __future__ import annotations

import sys

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json, note
from gitmem.core.errors import InvalidInput
from gitmem.core.text import flat
from gitmem.services import plans as svc


@click.group(context_settings=CONTEXT)
def plan() -> None:
    """Mirror agent plans into tasks."""


@plan.command(context_settings=CONTEXT)
@click.argument("source", metavar="[FILE|-]", default="-")
@click.option("--format", "fmt", type=click.Choice(svc.FORMATS), help="Payload format (default: detected).")
@click.option("--agent", help="Agent session the plan belongs to (default: $GITMEM_AGENT, else the format).")
@json_option
def sync(source: str, fmt: str | None, agent: str | None, as_json: bool) -> None:
    """Mirror a Codex update_plan, Claude TodoWrite or Gemini write_todos payload.

    \b
    Examples:
      echo '{"plan":[{"step":"Fix parser","status":"in_progress"}]}' | git codex plan sync
      git codex plan sync todos.json --format claude
    """
    try:
        if source == "-":
            data = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as fh:
                data = fh.read()
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: a NUL in the name
        raise InvalidInput(f"cannot read {source}: {exc}") from exc
    fmt, steps, _ = svc.parse(data, fmt)
    ws = workspace(agent or None)
    if agent is None and ws.agent == "cli":
        ws.agent = fmt
    report = svc.sync(ws, steps, fmt)
    if as_json:
        emit_json("plan_sync", {
            "session": report.session, "format": fmt, "written": report.written, "matches": report.matches,
            "created": report.created, "updated": report.updated, "dropped": report.dropped, "skipped": report.skipped,
        })
        return
    for m in report.matches:
        tag = "new" if m["task"] in report.created else ("updated" if m["task"] in report.updated else "same")
        emit(f"{m['task']}  {tag:<7}  by {m['how']:<8}  {flat(m['step'])}")
    for task_id in report.dropped:
        note(f"dropped from the plan (kept): {task_id}")
    for text in report.skipped:
        note(f"skipped (deleted task): {flat(text)}")
    if not report.written:
        note("plan unchanged; nothing written")
