"""The repository, the branch whose memory a command uses, and how it writes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gitmem.core.constants import CLONE_TRAILER, MEMORY_PREFIX
from gitmem.core.errors import Disabled, InvalidState, NoCommits, NotInitialised
from gitmem.derived import writes
from gitmem.engine import agent_env
from gitmem.git.repo import Repo
from gitmem.store import local
from gitmem.store.memory import Change, MemoryStore, Snapshot, empty_meta
from gitmem.store.refnames import memory_ref


def utc_now() -> str:
    """Now, as stored in records: ``2026-12-01T19:40:00Z`` (the time module: datetime costs start-up)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def guess_default_branch(repo: Repo) -> str:
    """The branch whose memory is the roadmap: origin's HEAD, else main/master, else HEAD's."""
    try:
        with open(os.path.join(repo.common_dir, "refs/remotes/origin/HEAD"), encoding="utf-8") as fh:
            target = fh.read().strip()
        if target.startswith("ref: refs/remotes/origin/"):
            return target[len("ref: refs/remotes/origin/") :]
    except OSError:
        pass
    for name in ("main", "master"):
        if repo.ref_target(f"refs/heads/{name}"):
            return name
    return repo.head_branch() or "main"


@dataclass
class Workspace:
    """Everything a service needs to read or write the current branch's memory."""

    repo: Repo
    store: MemoryStore
    actor_id: str
    """This clone's random id: claims and telemetry. Stamps use ``actor`` (per memory ref)."""
    agent: str
    branch: str
    detached: bool
    default_branch: str
    head: str | None
    read_only: bool = False
    """Detached HEAD with no branch seen before: memory is read, never written."""
    drift: str = "none"
    """The drift kind found when the command started (set by the command layer)."""
    elsewhere: bool = False
    """``--branch`` named another branch than the checked-out one: this worktree's drift (and
    its seen point) belong to the checked-out branch and are left alone."""
    conversation: str | None = None
    """The agent's own id of the conversation this command runs in (engine/agent_env.py):
    its gitmem session is the one for that conversation."""
    _fresh_actors: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: str, *, agent: str | None = None, branch: str | None = None,
             conversation: str | None = None) -> Workspace:
        repo = Repo.discover(path)
        head = repo.head_commit()
        if head is None:
            raise NoCommits(
                "this repository has no commits yet",
                hint="make a first commit (git commit --allow-empty -m 'initial commit'), then retry",
            )
        default = repo.config_get("codex.defaultBranch") or guess_default_branch(repo)
        current = repo.head_branch()
        detached = current is None and branch is None
        last = cls._last_branch(repo) if detached else None
        # A fresh detached checkout (CI, a new worktree) reads the roadmap but must not write it.
        read_only = detached and last is None
        elsewhere = branch is not None and current is not None and branch != current
        if branch is None:
            branch = current or last or default
        if not repo.config_bool("codex.branchMemory", True):
            branch = default
        agent = agent or agent_env.agent()
        return cls(
            repo=repo,
            store=MemoryStore(repo, after_write=writes.after_write),
            actor_id=local.actor_id(repo),
            agent=agent,
            branch=branch,
            detached=detached,
            default_branch=default,
            head=head,
            read_only=read_only,
            elsewhere=elsewhere,
            conversation=conversation or agent_env.conversation(agent),
        )

    @staticmethod
    def _last_branch(repo: Repo) -> str | None:
        seen = local.read_json(local.seen_path(repo)) or {}
        value = seen.get("branch")
        return value if isinstance(value, str) and value else None

    @property
    def ref(self) -> str:
        return memory_ref(self.branch)

    @property
    def actor(self) -> str:
        """The actor for stamps on this branch's memory: the clone's id plus a suffix per ref.

        Read it inside a build (after the tip was loaded). While the ref does not exist yet
        the write creates it (a fork), so it gets a new suffix: one never used on another
        history of the ref. Kept for this command until the ref exists.
        """
        ref = self.ref
        if self.repo.ref_target(ref) is None:
            fresh = self._fresh_actors.get(ref)
            if fresh is None:
                fresh = self._fresh_actors[ref] = local.new_actor_for(self.repo, ref)
            return fresh
        return local.actor_for(self.repo, ref)

    @property
    def enabled(self) -> bool:
        return self.repo.config_bool("codex.enabled", True)

    @property
    def initialised(self) -> bool:
        return self.repo.config_get("codex.defaultBranch") is not None or bool(self.repo.refs_under(MEMORY_PREFIX))

    def fork_source(self) -> str | None:
        """The memory ref a branch without memory starts from."""
        default_ref = memory_ref(self.default_branch)
        return default_ref if self.repo.ref_target(default_ref) else None

    def snapshot(self) -> Snapshot | None:
        """This branch's memory, else the memory it would fork from (read-only), else None."""
        found = self.store.load(self.ref)
        if found is None:
            source = self.fork_source()
            found = self.store.load(source) if source else None
        return found

    def require_snapshot(self) -> Snapshot:
        self.require_enabled()
        found = self.snapshot()
        if found is None:
            raise NotInitialised("no memory in this repository yet", hint="run 'git codex init'")
        return found

    def require_enabled(self) -> None:
        if not self.enabled:
            raise Disabled("gitmem is disabled here (codex.enabled=false)", hint="git config codex.enabled true")

    def _start(self) -> Snapshot:
        source = self.fork_source()
        found = self.store.load(source) if source else None
        if found is None:
            raise NotInitialised("no memory in this repository yet", hint="run 'git codex init'")
        return found

    def trailers(self) -> dict[str, str]:
        return {"Codex-Branch": self.branch, "Codex-Code-Head": self.head or "", "Codex-Agent": self.agent,
                CLONE_TRAILER: self.actor_id}

    def write(self, build: Callable[[Snapshot], Change | None]) -> tuple[Change | None, str | None]:
        """Apply ``build`` to the newest memory of this branch as one memory commit."""
        self.require_enabled()
        if self.read_only:
            raise InvalidState(
                f"HEAD is detached and no branch was seen here: {self.branch}'s memory is read-only",
                hint=f"say which branch's memory to change: git codex --branch {self.branch} ...",
            )
        return self.store.transact(self.ref, build, start=self._start, trailers=self.trailers())

    def create_memory(self) -> bool:
        """Give the default branch a memory if it has none; True when one was created."""
        ref = memory_ref(self.default_branch)
        if self.repo.ref_target(ref):
            return False
        local.new_actor_for(self.repo, ref)  # a new history of this ref: never reuse a suffix
        now = utc_now()

        def fresh() -> Snapshot:
            return Snapshot(self.repo, ref, None, None, empty_meta(self.default_branch, now), {})

        change, _ = self.store.transact(
            ref, lambda snap: None if snap.commit else Change("init: memory for " + self.default_branch),
            start=fresh, trailers={**self.trailers(), "Codex-Branch": self.default_branch},
        )
        return change is not None
