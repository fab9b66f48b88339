"""``tasks edit`` without flags: a TOML document for $EDITOR, validated before any write."""

from __future__ import annotations

from typing import Any

from gitmem.core.errors import InvalidInput
from gitmem.core.models import Task


def document(task: Task) -> str:
    """The editable view of ``task`` (tomlkit keeps the comments a person reads)."""
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"Editing {task.id}. Save and quit to apply; delete everything to abort."))
    doc.add(tomlkit.comment("Status changes use 'git codex tasks start|complete|block|cancel|reopen'."))
    doc.add("title", task.title)
    doc.add("description", tomlkit.string(task.description, multiline="\n" in task.description))
    doc.add("kind", task.kind.value)
    doc.add("priority", task.priority)
    doc.add("owner", task.owner or "")
    doc.add("parent", task.parent or "")
    doc.add("labels", task.labels)
    doc.add("adr", task.members("adr"))
    return tomlkit.dumps(doc)


def parse(text: str, task: Task) -> dict[str, Any] | None:
    """The changes the edited document asks for; None when it was emptied (abort)."""
    import tomllib

    if not text.strip():
        return None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(
            f"the edited document is not valid TOML: {exc}", hint="nothing was written; run the edit again"
        ) from exc
    except RecursionError as exc:  # tomllib recurses once per nested array or inline table
        raise InvalidInput("the edited document is nested too deeply", hint="nothing was written; run the edit again") from exc
    priority = doc.get("priority")
    if "priority" in doc and (type(priority) is not int):
        # JSON Schema counts 2.0 as an integer; TOML keeps them apart and so does gitmem.
        raise InvalidInput(
            f"priority must be a whole number from 0 (highest) to 4, not {priority!r}",
            hint="nothing was written; write it without a decimal point (priority = 2)",
        )
    from gitmem.store.schema import validate

    validate("task-edit", doc, where="the edited document")
    changes: dict[str, Any] = {}
    for name in ("title", "description", "kind", "priority"):
        if name in doc and doc[name] != _current(task, name):
            changes[name] = doc[name]
    if "owner" in doc and (doc["owner"] or None) != task.owner:
        changes["owner"] = doc["owner"]
    if "parent" in doc and (doc["parent"] or None) != task.parent:
        changes["parent"] = doc["parent"] or None
    for name in ("labels", "adr"):
        if name in doc:
            old, new = set(task.members(name)), set(doc[name])
            changes[f"add_{name}"] = sorted(new - old)
            changes[f"remove_{name}"] = sorted(old - new)
    return changes


def _current(task: Task, name: str) -> Any:
    return task.kind.value if name == "kind" else getattr(task, name)
