"""JSON Schema checks at trust boundaries (editor, files, fetch, fsck); imported lazily."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from gitmem.core.errors import InvalidInput


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    text = resources.files("gitmem.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _validator(name: str) -> Any:
    import jsonschema

    schema = load_schema(name)
    base = jsonschema.validators.validator_for(schema)
    # Every document checked here is TOML, which tells 2 from 2.0: an integer is an int
    # (JSON Schema would accept 2.0, which the emitter then refuses to write).
    strict = base.TYPE_CHECKER.redefine("integer", lambda _, value: type(value) is int)
    cls = jsonschema.validators.extend(base, type_checker=strict)  # type: ignore[no-untyped-call]
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def errors(name: str, document: Any) -> list[str]:
    """Every violation of schema ``name`` in ``document``, as 'path: message' lines."""
    found = []
    for error in sorted(_validator(name).iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        path = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        found.append(f"{path}: {error.message}")
    return found


def validate(name: str, document: Any, *, where: str) -> None:
    problems = errors(name, document)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise InvalidInput(f"{where} does not match the {name} schema: {shown}", hint="nothing was written")
