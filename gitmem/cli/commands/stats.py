"""``git codex stats [--json]``."""

from __future__ import annotations

import dataclasses

import click

from gitmem.cli.common import CONTEXT, json_option, workspace
from gitmem.cli.output import emit, emit_json
from gitmem.core.text import flat


def _counts(values: dict[str, int]) -> str:
    return ", ".join(f"{flat(k)} {v}" for k, v in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))) or "none"


@click.command(context_settings=CONTEXT)
@json_option
def stats(as_json: bool) -> None:
    """Summarise the local telemetry in .git/codex/events.jsonl (it never leaves this machine).

    Events by kind, drift types, reconcile choices, hook durations (median, p95), CAS
    retries, cache hits and misses, validation failures.

    \b
    Examples:
      git codex stats
      git codex stats --json
    """
    from gitmem.services import stats as svc

    ws = workspace(follow=False)
    found = svc.stats(ws.repo)
    if as_json:
        emit_json("stats", dataclasses.asdict(found))
        return
    if not found.events:
        emit("no events recorded yet")
        return
    lines = [
        f"events:      {found.events} ({found.first} .. {found.last})",
        f"kinds:       {_counts(found.kinds)}",
        f"drift:       {_counts(found.drift)}",
        f"reconcile:   {_counts(found.reconcile)}",
        f"cache:       {_counts(found.cache)}",
        f"cas retries: {found.cas_retries} in {found.cas_writes_retried} write(s); {found.cas_lock_waits} on a held lock",
        f"validation:  {found.validation_failures} failure(s)"
        + (f" ({_counts(found.validation_refs)})" if found.validation_refs else ""),
        f"redactions:  {found.redactions}" + (f" ({_counts(found.redaction_kinds)})" if found.redaction_kinds else ""),
        f"hooks:       {found.hook_failures} failure(s)",
    ]
    lines.extend(f"  {flat(name)}: {h['count']:.0f} run(s), median {h['median_ms']:.1f} ms, p95 {h['p95_ms']:.1f} ms"
                 for name, h in found.hooks.items())
    emit("\n".join(lines))
