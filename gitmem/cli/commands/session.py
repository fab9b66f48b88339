"""``git codex session``: per-turn digests of agent sessions."""

from __future__ import annotations

from typing import Any

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json, note
from gitmem.core.models import Session
from gitmem.core.text import flat
from gitmem.services import sessions as svc

agent_option = click.option("--agent", help="Agent name (default: $GITMEM_AGENT or 'cli'); one open session per agent.")


def session_json(session: Session) -> dict[str, Any]:
    return {
        "id": session.id, "agent": session.agent, "branch": session.branch,
        "started_at": session.started_at, "ended_at": session.ended_at,
        "head_start": session.head_start, "head_end": session.head_end, "summary": session.summary,
        "compacted_turns": session.compacted, "done_follow_ups": list(session.done),
        "turns": [
            {"turn_id": t.turn_id, "at": t.at, "summary": t.summary, "actions": list(t.actions),
             "follow_ups": list(t.follow_ups), "approvals": list(t.approvals), "tasks": list(t.tasks)}
            for t in session.turns
        ],
    }


def session_text(session: Session) -> str:
    lines = [f"{session.id}  {session.agent}  on {session.branch}",
             f"started {session.started_at} at {session.head_start[:12]}"
             + (f"; ended {session.ended_at}" if session.ended_at else " (open)")]
    if session.summary:
        lines.append(f"summary: {flat(session.summary)}")
    if session.compacted:
        lines.append(f"({session.compacted} older turns compacted; see 'git log -p {session.branch}' of the memory)")
    for t in session.turns:
        lines.append(f"- {t.at}  {flat(t.summary)}")
        lines.extend(f"    {label}: {flat(v)}" for label, name in (("action", "actions"), ("follow-up", "follow_ups"),
                     ("approval", "approvals"), ("task", "tasks")) for v in getattr(t, name))
    return "\n".join(lines) + "\n"


@click.group(context_settings=CONTEXT)
def session() -> None:
    """Agent sessions: log each turn, end with a summary noted on the commit.

    \b
    Examples:
      git codex session start --agent codex
      git codex session log 'Fixed the parser' --action 'pytest -q' --follow-up 'Update docs'
      git codex session end --summary 'Parser fixed; docs pending'
      git log --notes=codex -1
    """


@session.command(context_settings=CONTEXT)
@agent_option
@json_option
def start(agent: str | None, as_json: bool) -> None:
    """Open a session for this agent in this worktree and print its id."""
    opened = svc.start(workspace(agent))
    emit_json("session", {"session": session_json(opened)}) if as_json else emit(opened.id)


@session.command(context_settings=CONTEXT)
@click.argument("summary")
@click.option("--action", "actions", multiple=True, help="A command run or change made (repeatable).")
@click.option("--follow-up", "follow_ups", multiple=True, help="Something left to do (repeatable).")
@click.option("--approval", "approvals", multiple=True, help="Something the user approved (repeatable).")
@click.option("--task", "tasks", multiple=True, metavar="ID", help="A task this turn touched (repeatable).")
@agent_option
@json_option
def log(summary: str, actions: tuple[str, ...], follow_ups: tuple[str, ...], approvals: tuple[str, ...],
        tasks: tuple[str, ...], agent: str | None, as_json: bool) -> None:
    """Append a turn to the open session (opening one if needed)."""
    opened, turn = svc.log_turn(workspace(agent), svc.TurnInput(summary, actions, follow_ups, approvals, tasks))
    if as_json:
        emit_json("turn", {"session": opened.id, "turn_id": turn.turn_id})
    else:
        emit(f"{opened.id} {turn.turn_id}")


@session.command(context_settings=CONTEXT)
@click.option("--summary", help="The session's summary (default: its last turn's).")
@agent_option
@json_option
def end(summary: str | None, agent: str | None, as_json: bool) -> None:
    """Close the open session; its digest becomes a note on its newest commit."""
    ended = svc.end(workspace(agent), summary)
    emit_json("session", {"session": session_json(ended)}) if as_json else emit(f"{ended.id} ended")


@session.command(context_settings=CONTEXT)
@click.argument("session_id", metavar="[ID]", required=False)
@click.option("--commit", "rev", metavar="REV", help="Show the digests noted on this commit instead.")
@agent_option
@json_option
def show(session_id: str | None, rev: str | None, agent: str | None, as_json: bool) -> None:
    """Show a session (default: the open or latest one) or the digests on a commit."""
    ws = workspace(agent)
    if rev:
        commit, digests = svc.on_commit(ws, rev)
        if as_json:
            emit_json("notes", {"commit": commit, "sessions": digests})
        elif not digests:
            note(f"no session digests on {commit[:12]}")
        else:
            for sid, d in digests.items():
                emit(f"{sid}  {d.get('agent', '')}  {d.get('ended_at', '')}\n  {flat(str(d.get('summary', '')))}")
        return
    found = svc.show(ws, session_id)
    emit_json("session", {"session": session_json(found)}) if as_json else emit(session_text(found))


@session.command(name="list", context_settings=CONTEXT)
@json_option
def list_(as_json: bool) -> None:
    """Sessions in this branch's memory, newest first."""
    found = svc.list_sessions(workspace())
    if as_json:
        emit_json("sessions", {"sessions": [session_json(s) for s in found]})
        return
    for s in found:
        state = "open" if s.ended_at is None else "ended"
        emit(f"{s.id}  {s.agent:<8}  {state:<5}  {len(s.turns) + s.compacted:>3} turns  {flat(s.summary or '')}")
    if not found:
        note("no sessions yet")


@session.command(context_settings=CONTEXT)
@click.argument("follow_up", metavar="FOLLOW-UP")
@json_option
def done(follow_up: str, as_json: bool) -> None:
    """Mark a follow-up done (its id, as `git codex context` shows it: f-1a2b3c4d).

    The brief no longer lists it, nor the same words logged again by an earlier turn.
    """
    session_id, text = svc.follow_up_done(workspace(), follow_up)
    if as_json:
        emit_json("follow_up", {"session": session_id, "text": text, "done": True})
    else:
        emit(f"done: {flat(text)} ({session_id})")
