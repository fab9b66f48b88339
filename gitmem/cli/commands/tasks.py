"""``git codex tasks``: the task graph."""

from __future__ import annotations

import os

import click

from gitmem.cli.common import CONTEXT, json_option, task_row, task_text, workspace
from gitmem.cli.output import emit, emit_json, note, table, task_json
from gitmem.core import graph, inputs
from gitmem.core.errors import InvalidInput
from gitmem.core.models import Status
from gitmem.core.text import flat
from gitmem.services import editor
from gitmem.services import tasks as svc

STATUSES = [s.value for s in Status]


@click.group(context_settings=CONTEXT)
def tasks() -> None:
    """The task graph: tasks, epics and milestones with dependencies.

    \b
    Examples:
      git codex tasks add 'Parse the config' -p 1 -l parser
      git codex tasks add 'Wire the CLI' --after t-4kq9
      git codex tasks next
      git codex tasks complete t-4kq9 --evidence HEAD
    """


@tasks.command(context_settings=CONTEXT)
@click.argument("title")
@click.option("-d", "--description", default="", help="Longer description.")
@click.option("--after", multiple=True, metavar="ID", help="A task this one depends on (repeatable).")
@click.option("--parent", metavar="ID", help="The epic or milestone this task belongs to.")
@click.option("-p", "--priority", type=int, default=2, show_default=True, help="0 (highest) to 4.")
@click.option("-l", "--label", "labels", multiple=True, help="A label (repeatable).")
@click.option("--adr", multiple=True, metavar="ID", help="An ADR or external id such as ADR-012 (repeatable).")
@click.option("--kind", type=click.Choice(["task", "epic", "milestone"]), default="task", show_default=True)
@click.option("--owner", help="Who owns it.")
@json_option
def add(title: str, description: str, after: tuple[str, ...], parent: str | None, priority: int,
        labels: tuple[str, ...], adr: tuple[str, ...], kind: str, owner: str | None, as_json: bool) -> None:
    """Add a task and print its id."""
    task = svc.add(workspace(), title, description=description, after=after, parent=parent, priority=priority,
                   labels=labels, adr=adr, kind=kind, owner=owner)
    if as_json:
        emit_json("task", {"task": task_json(task, {})})
    else:
        emit(task.id)


@tasks.command(name="list", context_settings=CONTEXT)
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES), help="Only this status (repeatable).")
@click.option("--label", help="Only tasks with this label.")
@click.option("--all", "everything", is_flag=True, help="Include completed and cancelled tasks.")
@json_option
def list_(statuses: tuple[str, ...], label: str | None, everything: bool, as_json: bool) -> None:
    """List open tasks (or --all, or by --status / --label)."""
    found = svc.read_all(workspace())
    chosen = svc.select(found, statuses, label, everything)
    if as_json:
        emit_json("tasks", {"tasks": [task_json(found.full(t.id), found.short) for t in chosen]})
    elif chosen:
        emit(table([task_row(t, found.short) for t in chosen], colored=[1]))
    else:
        note("no tasks" + ("" if everything else " open (use --all to see finished ones)"))


@tasks.command(context_settings=CONTEXT)
@click.argument("task_id", metavar="ID")
@json_option
def show(task_id: str, as_json: bool) -> None:
    """Show one task, its log and any concurrent edits."""
    task, found = svc.find(workspace(), task_id)
    children = graph.children(found.tasks, task.id)
    if as_json:
        emit_json("task", {"task": task_json(task, found.short, children)})
    else:
        emit(task_text(task, found.short, [(c, found.tasks[c].status.value) for c in children]))


@tasks.command(name="next", context_settings=CONTEXT)
@click.option("-n", "count", type=click.IntRange(1), default=1, show_default=True, help="How many ready tasks.")
@click.option("--explain", metavar="ID", help="Say why this task is not ready.")
@click.option("--claim", is_flag=True, help="Atomically claim the first ready task for this agent.")
@click.option("--agent", help="Agent name for claims (default: $GITMEM_AGENT or 'cli').")
@json_option
def next_(count: int, explain: str | None, claim: bool, agent: str | None, as_json: bool) -> None:
    """The ready tasks: dependencies done, not claimed by another agent."""
    ws = workspace(agent)
    if explain:
        task, reasons = svc.explain(ws, explain)
        if as_json:
            emit_json("explain", {"id": task.id, "ready": not reasons, "reasons": reasons})
        else:
            lines = "".join(f"  - {flat(r)}\n" for r in reasons)
            emit(f"{task.id} is ready" if not reasons else f"{task.id} is not ready:\n" + lines)
    elif claim:
        claimed = svc.claim_next(ws)
        if as_json:
            emit_json("claim", {"agent": ws.agent, "task": task_json(claimed, {}) if claimed else None})
        elif claimed:
            emit(f"{claimed.id}  {flat(claimed.title)}")
        else:
            note("nothing ready to claim")
    else:
        ready, short = svc.next_ready(ws, count)
        if as_json:
            emit_json("next", {"tasks": [task_json(t, short) for t in ready]})
        elif ready:
            emit(table([task_row(t, short) for t in ready], colored=[1]))
        else:
            note("nothing is ready")


def _transition(verb: str, doc: str, *, reason_required: bool = False) -> None:
    @click.argument("task_id", metavar="ID")
    @click.option("--evidence", multiple=True, metavar="COMMIT", help="A commit that shows the work (repeatable).")
    @click.option("--reason", required=reason_required, help="Why (kept in the task's log).")
    @click.option("--agent", help="Who does it (default: $GITMEM_AGENT or 'cli'); start holds the task for them.")
    @json_option
    def command(task_id: str, evidence: tuple[str, ...], reason: str | None, agent: str | None, as_json: bool) -> None:
        task = svc.transition(workspace(agent), task_id, verb, evidence=evidence, reason=reason)
        if as_json:
            emit_json("task", {"task": task_json(task, {})})
        else:
            emit(f"{task.id}  {task.status.value}  {flat(task.title)}")

    command.__doc__ = doc
    tasks.command(name=verb, context_settings=CONTEXT)(command)


_transition("start", "Mark a task in progress; it is held for this agent (claimed) until done or released.")
_transition("complete", "Mark a task completed, optionally with --evidence COMMIT.")
_transition("block", "Mark a task blocked; --reason says on what.", reason_required=True)
_transition("cancel", "Cancel a task (it no longer blocks its dependents).")
_transition("reopen", "Reopen a completed, cancelled or blocked task.")


@tasks.command(context_settings=CONTEXT)
@click.argument("task_id", metavar="ID")
@json_option
def release(task_id: str, as_json: bool) -> None:
    """Release the claim on a task, whoever holds it (an agent that died, or one done with it).

    Claims also end by themselves: completing, cancelling, blocking or reopening a task
    releases it, and a claim older than codex.claimLease (24h unless set) no longer holds.
    """
    released = svc.release(workspace(), task_id)
    if as_json:
        emit_json("release", {"released": {"task": released.task, "agent": released.agent} if released else None})
    elif released:
        emit(f"{released.task} released (it was held by {flat(released.agent)})")
    else:
        note(f"{task_id}: nothing to release (no agent holds it)")


@tasks.command(context_settings=CONTEXT)
@click.argument("task_id", metavar="ID")
@click.option("--title")
@click.option("--description", "-d")
@click.option("-p", "--priority", type=int)
@click.option("--kind", type=click.Choice(["task", "epic", "milestone"]))
@click.option("--owner")
@click.option("--parent", metavar="ID", help="New parent ('' clears it).")
@click.option("--target-commit", metavar="COMMIT", help="The commit this task targets ('' clears it).")
@click.option("--add-label", multiple=True)
@click.option("--remove-label", multiple=True)
@click.option("--add-adr", multiple=True)
@click.option("--remove-adr", multiple=True)
@json_option
def edit(task_id: str, title: str | None, description: str | None, priority: int | None, kind: str | None,
         owner: str | None, parent: str | None, target_commit: str | None, add_label: tuple[str, ...],
         remove_label: tuple[str, ...], add_adr: tuple[str, ...], remove_adr: tuple[str, ...], as_json: bool) -> None:
    """Edit fields by option; with no option, edit the task as TOML in $EDITOR."""
    ws = workspace()
    given = {"title": title, "description": description, "priority": priority, "kind": kind, "owner": owner,
             "parent": parent, "target_commit": target_commit}
    changes: dict[str, object] = {k: v for k, v in given.items() if v is not None}
    set_edits = {"add_labels": add_label, "remove_labels": remove_label, "add_adr": add_adr, "remove_adr": remove_adr}
    for key, values in set_edits.items():
        if values:
            changes[key] = values
    if not changes:
        task, _ = svc.find(ws, task_id)
        # Bytes in and out: an editor that saves another encoding is an input error, not a crash.
        document = editor.document(task).encode("utf-8")
        try:
            raw = click.edit(document, extension=".toml", editor=os.environ.get("GIT_EDITOR"))
        except FileNotFoundError as exc:
            raise InvalidInput("the editor removed the document before gitmem could read it back",
                               hint="nothing was written; run the edit again") from exc
        text = inputs.utf8("the edited document", raw) if raw is not None else None
        parsed = editor.parse(text, task) if text is not None else None
        if parsed is None:
            note("edit aborted; nothing written")
            return
        changes = parsed
    task = svc.edit(ws, task_id, changes)
    if as_json:
        emit_json("task", {"task": task_json(task, {})})
    else:
        emit(f"{task.id}  {flat(task.title)}")


@tasks.group(context_settings=CONTEXT)
def dep() -> None:
    """Add or remove a dependency (ID waits for OTHER)."""


@dep.command(name="add", context_settings=CONTEXT)
@click.argument("task_id", metavar="ID")
@click.option("--on", "other", required=True, metavar="OTHER", help="The task ID must wait for.")
def dep_add(task_id: str, other: str) -> None:
    """Make ID depend on OTHER; refused if it would close a cycle."""
    task = svc.dependency(workspace(), task_id, other)
    emit(f"{task.id} now depends on {', '.join(task.depends_on)}")


@dep.command(name="rm", context_settings=CONTEXT)
@click.argument("task_id", metavar="ID")
@click.option("--on", "other", required=True, metavar="OTHER")
def dep_rm(task_id: str, other: str) -> None:
    """Remove ID's dependency on OTHER."""
    task = svc.dependency(workspace(), task_id, other, remove=True)
    emit(f"{task.id} depends on {', '.join(task.depends_on) or 'nothing'}")


@tasks.command(context_settings=CONTEXT)
@click.argument("task_id", metavar="ID")
@click.option("--reason", help="Why it is removed (kept in the tombstone).")
def rm(task_id: str, reason: str | None) -> None:
    """Delete a task (a tombstone: its id stays reserved, history keeps it)."""
    task = svc.remove(workspace(), task_id, reason)
    emit(f"{task.id} removed")


@tasks.command(name="graph", context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["text", "dot", "mermaid"]), default="text", show_default=True)
def graph_(fmt: str) -> None:
    """Print the dependency graph (pipe dot output to 'dot -Tsvg')."""
    found = svc.read_all(workspace())
    cycles = graph.find_cycles(graph.live(found.tasks))
    emit(graph.render(found.tasks, fmt))
    for cycle in cycles:
        note("warning: dependency cycle: " + " -> ".join(cycle))
