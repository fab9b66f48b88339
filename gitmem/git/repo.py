"""The repository: discovery, HEAD and history, refs, config (objects: ``git/objects.py``).

With ``git/objects.py``, the only code that talks to libgit2 (pygit2).
"""

from __future__ import annotations

import contextlib
import os

import pygit2

from gitmem.errors import NotARepository
from gitmem.git.cli import command_line_config
from gitmem.git.objects import CommitInfo, Objects


class RefMoved(Exception):
    """A compare-and-swap ref update lost: the ref no longer has the expected value."""


class RefLocked(Exception):
    """Another writer holds the ref's lock file."""


class Repo(Objects):
    """A git repository opened once and passed down through the layers."""

    def __init__(self, raw: pygit2.Repository) -> None:
        super().__init__(raw)
        self.git_dir = os.path.normpath(raw.path)
        common = os.path.join(self.git_dir, "commondir")
        if os.path.isfile(common):
            with open(common, encoding="utf-8") as fh:
                self.common_dir = os.path.normpath(os.path.join(self.git_dir, fh.read().strip()))
        else:
            self.common_dir = self.git_dir
        self.workdir = os.path.normpath(raw.workdir) if raw.workdir else None

    @classmethod
    def discover(cls, start: str) -> Repo:
        try:
            found = pygit2.discover_repository(start)
        except pygit2.GitError:
            found = None
        if not found:
            raise NotARepository(
                f"not a git repository (or any parent up to /): {os.path.abspath(start)}",
                hint="run this inside a git repository, or pass -C PATH",
            )
        return cls(pygit2.Repository(found))

    # -- HEAD and history -------------------------------------------------
    @property
    def is_bare(self) -> bool:
        return bool(self._raw.is_bare)

    @property
    def is_shallow(self) -> bool:
        return bool(self._raw.is_shallow)

    @property
    def head_is_unborn(self) -> bool:
        return bool(self._raw.head_is_unborn)

    def head_branch(self) -> str | None:
        """The checked-out branch's short name, or ``None`` when HEAD is detached."""
        try:
            target = self._raw.references["HEAD"].target
        except (KeyError, pygit2.GitError):
            return None
        if isinstance(target, str) and target.startswith("refs/heads/"):
            return target[len("refs/heads/") :]
        return None

    def head_commit(self) -> str | None:
        if self._raw.head_is_unborn:
            return None
        try:
            return str(self._raw.head.target)
        except pygit2.GitError:
            return None

    def resolve_commit(self, rev: str) -> str | None:
        try:
            obj = self._raw.revparse_single(rev)
            return str(obj.peel(pygit2.Commit).id)
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            return None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        if ancestor == descendant:
            return True
        return bool(self._raw.descendant_of(descendant, ancestor))

    def merge_base(self, a: str, b: str) -> str | None:
        try:
            base = self._raw.merge_base(a, b)
        except (pygit2.GitError, ValueError):
            return None
        return str(base) if base else None

    def commits_between(self, old: str, new: str, limit: int = 10_000) -> list[CommitInfo]:
        """Commits reachable from ``new`` but not ``old`` (``old..new``), oldest first."""
        walker = self._raw.walk(pygit2.Oid(hex=new), pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
        with contextlib.suppress(KeyError, ValueError, pygit2.GitError):
            walker.hide(pygit2.Oid(hex=old))
        out = []
        for commit in walker:
            out.append(self.commit_info(str(commit.id)))
            if len(out) >= limit:
                break
        return out

    def reflog(self, ref: str) -> list[tuple[str, str]]:
        """(message, new id) of each entry of ``ref``'s reflog, newest first."""
        try:
            reference = self._raw.references.get(ref)
            if reference is None:
                return []
            return [(str(e.message or ""), str(e.oid_new)) for e in reference.log()]
        except (pygit2.GitError, KeyError, ValueError, OSError):
            return []

    def branches(self) -> dict[str, str]:
        """Local branch short names -> tip commit."""
        prefix = "refs/heads/"
        return {name[len(prefix) :]: oid for name, oid in self.refs_under(prefix).items()}

    def upstream(self, branch: str) -> tuple[str, str] | None:
        """(remote, branch on the remote) that ``branch`` tracks, if any."""
        remote = self.config_get(f"branch.{branch}.remote")
        merge = self.config_get(f"branch.{branch}.merge")
        if not remote or remote == "." or not merge or not merge.startswith("refs/heads/"):
            return None
        return remote, merge[len("refs/heads/") :]

    def delete_ref(self, name: str, old: str) -> None:
        """Delete ``name`` only if it still points at ``old``."""
        ref = self._raw.references.get(name)
        if ref is None or str(ref.target) != old:
            raise RefMoved(name)
        ref.delete()

    def is_dirty(self) -> bool:
        """Uncommitted changes in the work tree or index (untracked files ignored)."""
        flags = self._raw.status(untracked_files="no")
        return any(f != pygit2.enums.FileStatus.CURRENT for f in flags.values())

    def remote_urls(self) -> dict[str, str]:
        """Remote name -> fetch URL, as configured."""
        try:
            return {str(r.name): str(r.url) for r in self._raw.remotes if r.url}
        except pygit2.GitError:
            return {}

    # -- refs -------------------------------------------------------------
    def ref_target(self, name: str) -> str | None:
        try:
            ref = self._raw.references.get(name)
        except (pygit2.GitError, pygit2.InvalidSpecError, ValueError):
            return None
        if ref is None:
            return None
        target = ref.target
        return None if isinstance(target, str) else str(target)

    def refs_under(self, prefix: str) -> dict[str, str]:
        out = {}
        for name in self._raw.references:
            if name.startswith(prefix):
                target = self.ref_target(name)
                if target:
                    out[name] = target
        return out

    def cas_ref(self, name: str, new: str, old: str | None, message: str) -> None:
        """Move ``name`` from ``old`` to ``new`` (create it when ``old`` is None), atomically."""
        oid = pygit2.Oid(hex=new)
        if old is None:
            self._create_ref(name, new, message)
            return
        try:
            ref = self._raw.references.get(name)
            if ref is None or str(ref.target) != old:
                raise RefMoved(name)
            ref.set_target(oid, message)
        except pygit2.AlreadyExistsError as exc:
            raise RefMoved(name) from exc
        except (pygit2.GitError, OSError) as exc:
            # libgit2 reports a held lock file as OSError, a lost race as GitError.
            text = str(exc)
            if "lock" in text:
                raise RefLocked(name) from exc
            if "does not match" in text or "exists" in text or "modified" in text:
                raise RefMoved(name) from exc
            raise

    def _create_ref(self, name: str, new: str, message: str) -> None:
        """Create ``name`` only if absent. libgit2 checks existence before taking the lock,
        so two creators can both succeed; ``git update-ref NAME NEW ""`` checks under it."""
        from gitmem.git.cli import GitCommandError, run_git

        try:
            run_git(self.git_dir, ["--git-dir", self.git_dir, "update-ref", "-m", message, name, new, ""])
        except GitCommandError as exc:
            if "reference already exists" in exc.message:
                raise RefMoved(name) from exc
            if "lock" in exc.message:
                raise RefLocked(name) from exc
            raise

    # -- objects the database lacks ------------------------------------------

    @property
    def is_partial_clone(self) -> bool:
        """Cloned or fetched with ``--filter``: some objects are promised by a remote."""
        try:
            return self.config_get("extensions.partialclone") is not None or any(
                entry.name.startswith("remote.") and entry.name.endswith(".promisor") and self.config_bool(entry.name, False)
                for entry in self._raw.config
            )
        except pygit2.GitError:
            return False

    def _promised_blob(self, oid: str) -> bytes | None:
        """A partial clone (``--filter=blob:none``) lacks blobs until asked for: libgit2 cannot
        fetch them, ``git cat-file`` fetches them from the promisor remote."""
        if not self.is_partial_clone:
            return None
        from gitmem.git.cli import GitCommandError, run_git

        try:
            return run_git(self.git_dir, ["--git-dir", self.git_dir, "cat-file", "blob", oid])
        except GitCommandError:
            return None

    # -- config -------------------------------------------------------------
    def config_get(self, name: str) -> str | None:
        override = command_line_config().get(name.lower())
        if override is not None:
            return override
        try:
            config = self._raw.config
            return str(config[name]) if name in config else None
        except pygit2.GitError:
            return None

    def config_set(self, name: str, value: str) -> None:
        self._raw.config[name] = value

    def config_get_all(self, name: str) -> list[str]:
        try:
            return [str(v) for v in self._raw.config.get_multivar(name)]
        except (pygit2.GitError, KeyError):
            return []

    def config_add(self, name: str, value: str) -> None:
        """Add one more value to a multi-valued key (like ``git config --add``)."""
        from gitmem.git.cli import run_git

        run_git(self.git_dir, ["--git-dir", self.git_dir, "config", "--add", name, value])

    def config_bool(self, name: str, default: bool) -> bool:
        value = self.config_get(name)
        if value is None:
            return default
        return value.strip().lower() not in ("false", "no", "off", "0", "")
