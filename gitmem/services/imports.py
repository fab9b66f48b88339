"""Imports: Codex and Claude Code sessions, Task Master, beads and JSON-lines task files.

Every import reads and checks all of its input first, then writes one memory commit per
memory it touches (a backup ref of that memory first). Re-importing finds the source ids
already in memory and writes nothing. Lines and records it cannot use are counted in the
report, never fatal.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gitmem.core import edits
from gitmem.core.errors import InvalidInput
from gitmem.core.models import Session, Stamp, Task, Turn
from gitmem.derived import reads
from gitmem.engine import adopt, branches
from gitmem.engine.adopt import ImportReport
from gitmem.engine.redact import Redactor
from gitmem.engine.workspace import Workspace, utc_now
from gitmem.importers import beads, claude, codex, gemini, jsonl_tasks, taskmaster
from gitmem.importers.records import SessionRecord, Tally, TaskRecord, clean, merged
from gitmem.services import sessions as session_svc
from gitmem.services.plans import normalise, plan_index
from gitmem.store.memory import Change, Snapshot
from gitmem.store.refnames import memory_ref
from gitmem.store.sessions import encode_session, session_path

Each = Callable[[Sequence[Path]], Iterable[Path]]
_READERS: dict[str, Callable[[Path, Tally], list[TaskRecord]]] = {
    "taskmaster": taskmaster.read, "beads": beads.read, "tasks": jsonl_tasks.read,
}


def _home(variable: str, in_home: str, below: str) -> Callable[[], Path]:
    """``$variable/below``, or ``~/in_home/below`` (read when called: HOME may change)."""
    return lambda: Path(os.environ.get(variable) or Path.home() / in_home) / below


@dataclass(frozen=True, slots=True)
class SessionSource:
    """Where an agent keeps its sessions and how they are read."""

    find: Callable[[Path, Tally], list[Path]]
    read: Callable[[Path, Tally], SessionRecord | None]
    pattern: str
    home: Callable[[], Path]
    """The default directory (its environment variable honoured)."""
    related: Callable[[Path], list[Path]] = lambda path: [path]
    """The files holding the same conversation as ``path`` (Gemini CLI may begin a new one on resume)."""


SESSION_SOURCES = {
    "codex": SessionSource(codex.find_rollouts, codex.read_rollout, "rollout-*.jsonl",
                           _home("CODEX_HOME", ".codex", "sessions")),
    "claude": SessionSource(lambda root, _: claude.find_transcripts(root), claude.read_transcript, "*.jsonl",
                            _home("CLAUDE_CONFIG_DIR", ".claude", "projects")),
    "gemini": SessionSource(lambda root, _: gemini.find_chats(root), gemini.read_chat, "chats/session-*.jsonl",
                            _home("GEMINI_CLI_HOME", "", ".gemini/tmp"), gemini.same_chat),
}


def _merge_tally(report: ImportReport, tally: Tally) -> None:
    report.skipped.update(tally.counts)
    report.problems.extend(tally.problems[: max(0, adopt.MAX_PROBLEMS - len(report.problems))])


def _backup_then_write(ws: Workspace, report: ImportReport, build: Callable[[Snapshot], Change | None], *,
                       backup: bool = True) -> None:
    """Write ``build``'s change as one commit, backing the memory up first if it will change
    (unless ``backup`` is False: a live turn's import is an ordinary change, undone like one).

    ``build`` may run several times (a check first, then CAS retries); each run starts from
    the report as it was, so the report describes the run that was written.
    """
    def state() -> tuple[Any, ...]:
        return (report.skipped.copy(), list(report.problems), list(report.sessions), list(report.tasks),
                list(report.updated), report.turns)

    def restore(saved: tuple[Any, ...]) -> None:
        report.skipped, report.problems = saved[0].copy(), list(saved[1])
        report.sessions, report.tasks, report.updated = list(saved[2]), list(saved[3]), list(saved[4])
        report.turns = saved[5]

    base = state()
    first = ws.require_snapshot()
    checked = build(first)
    if checked is None:
        return
    after = state()

    def make(snap: Snapshot) -> Change | None:
        if snap.commit == first.commit and snap.commit is not None:
            restore(after)  # the memory did not move since the check: reuse its work
            return checked
        restore(base)
        return build(snap)

    if backup and ws.repo.ref_target(ws.ref):
        saved = branches.backup(ws, ws.ref, f"import {report.source}")
        if saved:
            report.backups.append(saved)
    change, commit = ws.write(make)
    if change is not None and commit:
        report.commits.append(commit)


# -- task files -------------------------------------------------------------------------
def import_file(ws: Workspace, source: str, path: Path) -> ImportReport:
    """``import taskmaster|beads|tasks FILE``: new records and what changed in known ones, in
    one memory commit (none when the file says nothing new)."""
    try:
        found = path.is_file()
    except OSError:  # a name too long for the file system, say
        found = False
    if not found:
        raise InvalidInput(f"no such file: {path}", hint=f"give the path of the {source} file to import")
    report = ImportReport(source)
    tally = Tally()
    records = _READERS[source](path, tally)
    _merge_tally(report, tally)

    def build(snap: Snapshot) -> Change | None:
        stamp, now = snap.stamp(ws.actor), utc_now()
        made, ids = adopt.build(snap, source, records, report, stamp=stamp, now=now,
                                known=adopt.imported_keys(snap, source))
        changed = adopt.refresh(snap, source, records, report, ids=ids, stamp=stamp, now=now)
        if not made and not changed:
            return None
        return Change(f"import {source}: {len(made)} new, {len(changed)} updated tasks from {path.name}",
                      {**changed, **made}, clock=stamp.lamport)

    _backup_then_write(ws, report, build)
    return report


# -- sessions ---------------------------------------------------------------------------
def session_id(snap: Snapshot | None, record: SessionRecord) -> str:
    """The conversation's session: the one its hooks or an earlier import made, else a new id
    that every later import (and hook) finds again."""
    return (session_svc.find_conversation(snap, record.source, record.source_id)
            or session_svc.conversation_session_id(record.source, record.source_id, record.started_at))


def _norm_remote(url: str) -> str:
    text = url.strip().lower().rstrip("/")
    text = text.split("://", 1)[-1]
    text = text.rsplit("@", 1)[-1]
    host, sep, rest = text.partition(":")
    if sep and not rest.split("/", 1)[0].isdigit():
        text = f"{host}/{rest}"
    elif sep:
        text = f"{host}/{rest.split('/', 1)[-1]}"
    return text.removesuffix(".git")


def belongs(ws: Workspace, record: SessionRecord) -> bool:
    """The session ran inside this repository (by its cwd, or the hash of its project path),
    or recorded one of its remotes."""
    root = Path(os.path.realpath(ws.repo.workdir or ws.repo.git_dir))
    if record.project_hash and record.project_hash == hashlib.sha256(str(root).encode()).hexdigest():
        return True
    for cwd in record.cwds:
        where = Path(os.path.realpath(cwd))
        if where == root or root in where.parents:
            return True
    if record.remote:
        remotes = {_norm_remote(u) for u in ws.repo.remote_urls().values()}
        return _norm_remote(record.remote) in remotes
    return False


def _turns(record: SessionRecord, sid: str) -> tuple[Turn, ...]:
    out = []
    for n, turn in enumerate(record.turns):
        summary = clean(turn.request, 1500) or "(no prompt text)"
        if turn.answer:
            summary += "\n→ " + clean(turn.answer, 1500)
        turn_id = "u-" + hashlib.sha1(f"{sid}:{n}".encode()).hexdigest()[:8]
        actions = tuple(dict.fromkeys(a for a in (clean(x, 500) for x in turn.actions) if a))
        out.append(Turn(turn_id, turn.at or record.started_at, summary, actions=actions))
    return tuple(out)


def _plan_records(record: SessionRecord, sid: str, seen_calls: set[str]) -> list[TaskRecord]:
    """Tasks of the session's last plan not already claimed by an earlier (parent) rollout, and
    its task list (Claude Code's TaskCreate tasks): plan steps too, matched by their words to
    the tasks the hooks mirrored while the session ran."""
    own = [p for p in record.plans if p.call_id not in seen_calls]
    seen_calls.update(p.call_id for p in record.plans)
    listed = [replace(t, plan_key=t.plan_key or normalise(t.title)) for t in record.tasks]
    if not own:
        return listed
    last = own[-1]
    # Keyed by the step's text, not its place: a resumed session's plan may reorder its steps.
    steps = [TaskRecord(key=f"{record.source_id}#plan:{normalise(s.text)}", title=s.text, status=s.status,
                        priority=s.priority, plan_key=normalise(s.text), extra={"session": sid, "call_id": last.call_id})
             for s in last.steps]
    return steps + listed


def _session(ws: Workspace, record: SessionRecord, sid: str, branch: str, stamp: Stamp, plan: tuple[str, ...],
             statuses: tuple[str, ...]) -> Session:
    info: dict[str, Any] = {"source": record.source, "id": record.source_id, "file": Path(record.file).name}
    for name in ("version", "commit", "remote"):
        if getattr(record, name):
            info[name] = getattr(record, name)
    if record.cwds:
        info["cwd"] = record.cwds[0]
    head = record.commit if record.commit and ws.repo.has_object(record.commit) else ""
    turns = _turns(record, sid)
    last = record.turns[-1] if record.turns else None
    summary = clean(last.answer or last.request, 500) if last else None
    return Session(sid, record.source, branch, record.started_at or utc_now(), head, stamp, ended_at=record.ended_at,
                   summary=summary or None, turns=turns, plan=plan, plan_status=statuses, extra={"import": info})


def _resumed(old: Session, new: Session) -> tuple[Session, int]:
    """``old`` (imported before) with what the source added since: new turns appended, turns the
    import made replaced by their newer text, turns logged by other means kept."""
    newer = {t.turn_id: t for t in new.turns}
    known = {t.turn_id for t in old.turns}
    added = [t for t in new.turns if t.turn_id not in known]
    ordered = tuple(newer.get(t.turn_id, t) for t in old.turns) + tuple(added)
    return replace(old, turns=ordered, ended_at=new.ended_at or old.ended_at, summary=new.summary or old.summary,
                   plan=new.plan or old.plan, plan_status=new.plan_status if new.plan else old.plan_status,
                   stamp=new.stamp, extra={**old.extra, **new.extra}), len(added)


def _plan_changes(snap: Snapshot, old: Session, new: Session, *, stamp: Stamp, now: str) -> dict[str, Task]:
    """Tasks of a resumed session whose step changed status since the last import (a session
    imported before statuses were kept counts as mirrored: nothing is moved back)."""
    if len(old.plan) != len(old.plan_status):
        return {}
    last = dict(zip(old.plan, old.plan_status, strict=True))
    out = {}
    for task_id, status in zip(new.plan, new.plan_status, strict=True):
        if task_id in last and last[task_id] != status and snap.has_task(task_id):
            task = snap.task(task_id)
            if not task.deleted and task.status.value != status:
                out[task_id] = edits.set_fields(task, {"status": status}, stamp=stamp, now=now)
    return out


def _write_sessions(ws: Workspace, work: list[tuple[SessionRecord, str, list[TaskRecord]]], report: ImportReport,
                    *, live: bool = False) -> None:
    """The sessions of ``work`` written in one commit; ``live``: read at the end of a turn of a
    conversation still running, so the session stays open and no backup is made."""
    source = report.source

    def build(snap: Snapshot) -> Change | None:
        stamp = snap.stamp(ws.actor)
        live_ids, deleted = plan_index(snap)
        # A step matches the task its plan made, or one of the same words added by other means
        # (the model's own 'git codex tasks add'); a deleted step's words are never re-created.
        titles = {normalise(t.title): i for i, t in reads.summaries(snap).items() if not t.deleted and not t.plan_key}
        plan_keys: dict[str, str] = {**titles, **dict.fromkeys(deleted, ""), **{k: ids[-1] for k, ids in live_ids.items()}}
        known = adopt.imported_keys(snap, source)
        minted = adopt.Minter(snap.task_blobs)
        blobs: dict[str, bytes | None] = {}
        made: dict[str, Task] = {}
        for record, sid, task_records in work:
            now = utc_now()
            new, ids = adopt.build(snap, source, task_records, report, stamp=stamp, now=now,
                                   known=known, plan_keys=plan_keys, minted=minted)
            steps = [(ids[t.key], t.status) for t in task_records if t.plan_key and ids.get(t.key)]
            session = _session(ws, record, sid, ws.branch, stamp, tuple(i for i, _ in steps), tuple(s for _, s in steps))
            if sid in snap.session_blobs:  # a resumed conversation: only what it added since
                old = snap.session(sid)
                session, added = _resumed(old, session)
                if live:
                    session = replace(session, ended_at=old.ended_at)
                changed = _plan_changes(snap, old, session, stamp=stamp, now=now)
                if not new and not changed and replace(session, stamp=old.stamp) == old:
                    report.skip("session already imported")
                    continue
                report.turns += added
                made.update(changed)
                if "import" not in old.extra:  # the live session its hooks kept: imported now
                    report.sessions.append(sid)
            else:
                report.sessions.append(sid)
            made.update(new)
            plan_keys.update({t.plan_key: t.id for t in new.values() if t.plan_key})
            known.update({k: v for k, v in ids.items() if v in new})
            blobs[session_path(sid)] = encode_session(session)
        if not blobs:
            return None
        return Change(f"import {source}: {len(blobs)} sessions, {len(made)} tasks", made, blobs=blobs, clock=stamp.lamport)

    _backup_then_write(ws, report, build, backup=not live)


def import_sessions(ws: Workspace, source: str, root: Path | None, each: Each = iter) -> ImportReport:
    """``import codex|claude|gemini [DIR]``: the sessions that ran in this repository."""
    kind = SESSION_SOURCES[source]
    root = root or kind.home()
    if not root.is_dir():
        raise InvalidInput(f"no such directory: {root}", hint=f"give the directory holding the {source} sessions")
    tally = Tally()
    files = kind.find(root, tally)
    if not files:
        raise InvalidInput(f"no {source} sessions ({kind.pattern}) under {root}",
                           hint=f"pass the directory that holds them, e.g. {kind.home()}")
    return _import_files(ws, source, files, tally, each)


def import_transcript(ws: Workspace, source: str, path: Path) -> ImportReport:
    """What one conversation's own files say, read at the end of one of its turns (a hook
    names the file): the turns it added, the session left open, no other conversation read."""
    return _import_files(ws, source, SESSION_SOURCES[source].related(path), Tally(), iter, live=True)


def _import_files(ws: Workspace, source: str, files: list[Path], tally: Tally, each: Each, *,
                  live: bool = False) -> ImportReport:
    read = SESSION_SOURCES[source].read
    report = ImportReport(source)
    redactor = Redactor.of(ws.repo)
    groups: dict[str, list[tuple[SessionRecord, str, list[TaskRecord]]]] = {}
    seen_calls: set[str] = set()
    snap = ws.snapshot()
    conversations: dict[str, list[SessionRecord]] = {}
    for path in each(files):
        record = read(path, tally)
        if record is not None:
            conversations.setdefault(record.source_id, []).append(record)
    for found in conversations.values():
        record = merged(found) if len(found) > 1 else found[0]
        sid = session_id(snap, record)
        task_records = _plan_records(record, sid, seen_calls)
        if not belongs(ws, record):
            tally.skip("session of another repository")
            continue
        wanted = record.branch if record.branch and ws.repo.ref_target(memory_ref(record.branch)) else ws.branch
        record, task_records = _redacted(record, task_records, redactor)
        groups.setdefault(wanted, []).append((record, sid, task_records))
    _merge_tally(report, tally)
    for branch, work in sorted(groups.items()):
        _write_sessions(ws if branch == ws.branch else replace(ws, branch=branch), work, report, live=live)
    redactor.record(ws.repo, f"import {source}")
    return report


def _redacted(record: SessionRecord, tasks: list[TaskRecord], redactor: Redactor
              ) -> tuple[SessionRecord, list[TaskRecord]]:
    """The prompts, answers, commands and plan steps of a session with their secrets redacted."""
    turns = tuple(replace(t, request=redactor.text(t.request), answer=redactor.text(t.answer),
                          actions=redactor.texts(t.actions)) for t in record.turns)
    return replace(record, turns=turns), [replace(t, title=redactor.text(t.title)) for t in tasks]
