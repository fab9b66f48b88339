"""A memory's history (``log``) and going back in it (``undo``, ``restore``).

Nothing moves a ref backwards. ``undo`` takes back this clone's last change (commits carry
the clone's id in a ``Codex-Clone`` trailer) as new stamped writes that revert it field by
field (``services.revert``), so a teammate's work merged since stays, and a later sync
carries the undo everywhere. ``restore`` (and ``undo`` of a corrupt tip) writes a **new**
memory commit whose tree is the earlier one, after a backup ref; the meta clock never goes
down, so stamps written after it still win over those they replace. A tip that is missing
or not a commit is recovered from the ref's reflog or the backups.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace

from gitmem.core.constants import BACKUP_PREFIX, CLONE_TRAILER
from gitmem.core.errors import MALFORMED, ConcurrentUpdate, GitmemError, InvalidInput, NotInitialised
from gitmem.engine import branches
from gitmem.engine.workspace import Workspace, utc_now
from gitmem.git.repo import Repo
from gitmem.services import revert
from gitmem.store import local, records, shape
from gitmem.store.cas import update_ref
from gitmem.store.memory import META_PATH, Change, Snapshot
from gitmem.store.refnames import branch_of, memory_ref

UNDO_OF = "Codex-Undo-Of"
RESTORED_FROM = "Codex-Restored-From"
SEARCH_LIMIT = 1000
"""How far back ``undo`` looks for a memory commit that passes the checks."""


@dataclass(frozen=True, slots=True)
class Entry:
    commit: str
    operation: str
    author: str
    email: str
    date: str
    parents: tuple[str, ...]
    trailers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    ref: str
    commit: str
    restored: str
    """The memory commit whose tree the new commit carries (undo of a change: the change)."""
    skipped: tuple[str, ...]
    """Commits passed over because their memory failed the checks."""
    backup: str | None
    taken_back: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    """What the undone change wrote that was changed again since: left as it is."""
    recovered_from: str | None = None
    """Where a tip that was not a usable commit was recovered from (the reflog, a backup)."""


def parse_trailers(message: str) -> dict[str, str]:
    """``Key: value`` lines of the last paragraph of a commit message."""
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return {}
    out = {}
    for line in paragraphs[-1].splitlines():
        name, sep, value = line.partition(": ")
        if sep and name and " " not in name:
            out[name] = value.strip()
    return out


def entry(repo: Repo, commit: str) -> Entry:
    info = repo.commit_info(commit)
    name, email, when, offset = repo.commit_author(commit)
    zone = _dt.timezone(_dt.timedelta(minutes=offset))
    date = _dt.datetime.fromtimestamp(when, zone).isoformat()
    subject = info.message.split("\n", 1)[0]
    return Entry(commit, subject, name, email, date, info.parents, parse_trailers(info.message))


def target_ref(ws: Workspace, branch: str | None) -> str:
    ref = memory_ref(branch) if branch else ws.ref
    if ws.repo.ref_target(ref) is None:
        whose = branch or ws.branch
        raise NotInitialised(f"branch {whose!r} has no memory of its own ({ref})",
                             hint="see 'git for-each-ref refs/codex/branches' for the memories there are")
    return ref


def log(ws: Workspace, branch: str | None, limit: int) -> tuple[str, list[Entry]]:
    """The first-parent history of a memory, newest first."""
    ref = target_ref(ws, branch)
    out: list[Entry] = []
    commit: str | None = ws.repo.ref_target(ref)
    while commit and len(out) < limit:
        item = entry(ws.repo, commit)
        out.append(item)
        commit = item.parents[0] if item.parents else None
    return ref, out


def is_good(repo: Repo, ref: str, commit: str) -> bool:
    return not shape.check_memory(repo, ref, commit, known_blobs=set())


def last_good(repo: Repo, ref: str, start: str) -> tuple[str, list[str]]:
    """The first commit before ``start`` (first parents) whose memory passes the checks."""
    skipped: list[str] = []
    parents = repo.commit_info(start).parents
    while parents and len(skipped) < SEARCH_LIMIT:
        candidate = parents[0]
        if is_good(repo, ref, candidate):
            return candidate, skipped
        skipped.append(candidate)
        parents = repo.commit_info(candidate).parents
    raise InvalidInput(f"{ref} has no earlier memory that passes the checks",
                       hint="see 'git codex log' and 'git codex fsck'; 'git codex restore REV' takes any good one")


def undo(ws: Workspace, branch: str | None = None) -> Outcome:
    """Take back this clone's last change to the memory (repeated: the one before).

    A good tip: the change is reverted field by field on today's memory (``services.revert``),
    so a teammate's work merged since stays. A corrupt tip: the memory goes back to the last
    commit that passes the checks. A tip that is missing or not a commit: to the newest good
    memory in the ref's reflog or the backups."""
    ws.require_enabled()
    repo = ws.repo
    ref = target_ref(ws, branch)
    tip = repo.ref_target(ref)
    assert tip is not None
    if repo.object_kind(tip) != "commit":
        return recover(ws, ref)
    if not is_good(repo, ref, tip):
        good, skipped = last_good(repo, ref, tip)
        subject = entry(repo, good).operation
        return _write(ws, ref, tip, good, f"undo: back to {good[:12]} ({subject})", {UNDO_OF: tip}, tuple(skipped))
    change = last_change(repo, ref, tip, local.actor_id(repo))
    info = repo.commit_info(change)
    parent_tree = repo.commit_info(info.parents[0]).tree if info.parents else None
    subject = info.message.split("\n", 1)[0]
    found: list[revert.Inverse] = []

    def build(snap: Snapshot) -> Change:
        found.clear()
        inverse = revert.invert(repo, parent_tree, info.tree, snap, stamp=snap.stamp(local.actor_for(repo, ref)), at=utc_now())
        found.append(inverse)
        return Change(f"undo: {subject}"[:200], tasks=inverse.tasks, blobs=inverse.blobs, sessions=inverse.sessions)

    _, commit = ws.store.transact(ref, build, start=lambda: ws.store.load(ref) or _missing(ref),
                                  trailers={**ws.trailers(), "Codex-Branch": branch_of(ref) or ws.branch, UNDO_OF: change})
    assert commit is not None
    return Outcome(ref, commit, change, (), None, tuple(found[0].taken_back), tuple(found[0].kept))


def _missing(ref: str) -> Snapshot:
    raise ConcurrentUpdate(f"{ref} was deleted while undoing; nothing was written", hint="see 'git codex fsck'")


def last_change(repo: Repo, ref: str, tip: str, clone: str) -> str:
    """The newest commit in ``ref``'s history that this clone wrote as a change (not a merge,
    an undo or a restore) and that no undo already took back."""
    undone: set[str] = set()
    for info in repo.newest_first(tip, SEARCH_LIMIT):
        trailers = parse_trailers(info.message)
        if UNDO_OF in trailers or RESTORED_FROM in trailers:
            undone.add(trailers.get(UNDO_OF, ""))
            continue
        if len(info.parents) == 1 and trailers.get(CLONE_TRAILER) == clone and info.id not in undone:
            return info.id
    raise InvalidInput(f"{ref} has no change of this clone's left to undo",
                       hint="'git codex log' shows the history; 'git codex restore REV' brings back any memory in it")


def recover(ws: Workspace, ref: str) -> Outcome:
    """Point a ref whose tip is missing or not a commit back at the newest good memory it had:
    its reflog first, then the backups of it, newest first."""
    repo = ws.repo
    tip = repo.ref_target(ref)
    assert tip is not None
    leaf = "-" + ref.rsplit("/", 1)[-1]
    backups = sorted((name for name in repo.refs_under(BACKUP_PREFIX) if name.endswith(leaf)), reverse=True)
    candidates = [(f"{ref}'s reflog", oid) for _, oid in repo.reflog(ref)]
    candidates += [(name, target) for name in backups if (target := repo.ref_target(name))]
    for where, commit in candidates:
        if commit != tip and repo.object_kind(commit) == "commit" and is_good(repo, ref, commit):
            message = f"recover: memory of {commit[:12]} ({entry(repo, commit).operation})"
            outcome = _write(ws, ref, tip, commit, message, {}, ())
            return replace(outcome, recovered_from=where)
    kind = repo.object_kind(tip)
    raise InvalidInput(f"{ref} points at {'a missing object' if kind is None else 'a ' + kind} ({tip[:12]}) and "
                       "neither its reflog nor a backup holds a good memory",
                       hint=f"'git update-ref -d {ref}' and 'git codex init' start it afresh")


def restore(ws: Workspace, rev: str, branch: str | None = None) -> Outcome:
    """Write back the memory of ``rev`` (a memory commit id or a rev like ``refs/codex/branches/x~3``)."""
    ws.require_enabled()
    repo = ws.repo
    ref = target_ref(ws, branch)
    commit = repo.resolve_commit(rev) if rev and not rev.startswith("-") else None
    if commit is None:
        raise InvalidInput(f"no commit named {rev!r}", hint="pick one from 'git codex log' (or e.g. refs/codex/branches/main~2)")
    problems = shape.check_memory(repo, ref, commit, known_blobs=set())
    if problems:
        raise InvalidInput(f"{rev} is not a good memory commit: {problems[0]}",
                           hint="pick another from 'git codex log'; 'git codex fsck' lists what is wrong")
    tip = repo.ref_target(ref)
    assert tip is not None
    subject = entry(repo, commit).operation
    return _write(ws, ref, tip, commit, f"restore: memory of {commit[:12]} ({subject})", {}, ())


def _is_undo(repo: Repo, commit: str) -> bool:
    return UNDO_OF in parse_trailers(repo.commit_info(commit).message)


def _clock(repo: Repo, commit: str) -> int:
    try:
        data = repo.blob_at(repo.commit_info(commit).tree, META_PATH)
        return records.decode_meta(data, META_PATH).clock if data is not None else 0
    except (GitmemError, *MALFORMED):
        return 0


def _write(ws: Workspace, ref: str, tip: str, source: str, message: str, extra: dict[str, str],
           skipped: tuple[str, ...]) -> Outcome:
    repo = ws.repo
    saved = branches.backup(ws, ref, message)
    tree = repo.commit_info(source).tree
    meta_data = repo.blob_at(tree, META_PATH)
    assert meta_data is not None  # checked: a good memory has its meta
    meta = records.decode_meta(meta_data, META_PATH)
    clock = max(meta.clock, _clock(repo, tip) if repo.object_kind(tip) == "commit" else 0)
    if clock != meta.clock:
        tree = repo.update_tree(tree, {META_PATH: records.encode_meta(replace(meta, clock=clock))})
    trailers = {**ws.trailers(), "Codex-Branch": branch_of(ref) or ws.branch, **extra, RESTORED_FROM: source}
    body = message + "\n\n" + "".join(f"{k}: {v}\n" for k, v in trailers.items() if v)

    # A tip that is not a commit (missing, a blob) cannot be a parent: the new commit follows the source.
    parents = [tip] if repo.object_kind(tip) == "commit" else [source]

    def attempt(current: str | None) -> tuple[str, str, str]:
        if current != tip:
            raise ConcurrentUpdate(f"{ref} changed while going back; nothing was written",
                                   hint="look at 'git codex log' and run the command again")
        return repo.create_commit(tree, parents, body), message, ""

    # The tree goes back: writes made since leave this history, so this clone's actor for
    # the ref must not continue their chain (a version vector covering them would be wrong).
    local.new_actor_for(repo, ref)
    update_ref(repo, ref, attempt)
    new = repo.ref_target(ref)
    assert new is not None
    return Outcome(ref, new, source, skipped, saved)
