"""The one module that talks to libgit2 (pygit2): objects, refs, config, history."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple, TypeVar

import pygit2

from gitmem.core.errors import CorruptMemory, NotARepository
from gitmem.git.cli import command_line_config, pack_blobs

_BLOB = pygit2.GIT_FILEMODE_BLOB
_BLOB_TYPE = pygit2.enums.ObjectType.BLOB
_T = TypeVar("_T")
_TREE = pygit2.GIT_FILEMODE_TREE


# libgit2 keeps trees of up to 4 KiB in its object cache: the ``tasks/`` tree (24 KiB at
# 2,000 tasks) was inflated again on every lookup of a path through it.
pygit2.settings.cache_object_limit(pygit2.enums.ObjectType.TREE, 1 << 20)
# libgit2 reads back every object a new tree, commit or ref names, to check it exists: gitmem
# names only objects it has just written or read, so that is five reads per write for nothing.
pygit2.settings.enable_strict_object_creation(False)

BULK_BLOBS = 512
"""From this many new blobs in one tree update on, they are written as a pack."""


class RefMoved(Exception):
    """A compare-and-swap ref update lost: the ref no longer has the expected value."""


class RefLocked(Exception):
    """Another writer holds the ref's lock file."""


class CommitInfo(NamedTuple):
    """What gitmem reads of a commit."""

    id: str
    tree: str
    parents: tuple[str, ...]
    message: str
    time: int


class TooLarge(Exception):
    """A walk met more entries or commits than its limit."""


class TreeEntry(NamedTuple):
    """One entry of a tree walk: the path (undecodable bytes kept as surrogates), id, mode."""

    path: str
    oid: str
    mode: int


class Repo:
    """A git repository opened once and passed down through the layers."""

    def __init__(self, raw: pygit2.Repository) -> None:
        self._raw = raw
        self._odb: pygit2.Odb | None = None
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

    # -- the repository and its work tree ---------------------------------
    @property
    def is_bare(self) -> bool:
        return bool(self._raw.is_bare)

    @property
    def is_shallow(self) -> bool:
        return bool(self._raw.is_shallow)

    def has_object(self, oid: str) -> bool:
        try:
            return oid in self._raw
        except (ValueError, pygit2.GitError):
            return False

    def upstream(self, branch: str) -> tuple[str, str] | None:
        """(remote, branch on the remote) that ``branch`` tracks, if any."""
        remote = self.config_get(f"branch.{branch}.remote")
        merge = self.config_get(f"branch.{branch}.merge")
        if not remote or remote == "." or not merge or not merge.startswith("refs/heads/"):
            return None
        return remote, merge[len("refs/heads/") :]

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

    # -- objects ------------------------------------------------------------
    def _typed(self, oid: str | pygit2.Oid, kind: type[_T], where: str = "") -> _T:
        """The object ``oid`` if it exists and is a ``kind``; else a CorruptMemory naming it."""
        try:
            obj = self._raw[oid]
        except (KeyError, ValueError) as exc:
            raise CorruptMemory(f"object {oid} is missing", hint="run 'git codex fsck'") from exc
        if not isinstance(obj, kind):
            what = kind.__name__.lower()
            raise CorruptMemory(f"{where or oid} is a {obj.type_str}, not a {what}", hint="run 'git codex fsck'")
        return obj

    def commit_info(self, oid: str) -> CommitInfo:
        obj = self._typed(oid, pygit2.Commit)
        return CommitInfo(
            id=oid,
            tree=str(obj.tree_id),
            parents=tuple(str(p) for p in obj.parent_ids),
            message=obj.message,
            time=obj.commit_time,
        )

    def commit_author(self, oid: str) -> tuple[str, str, int, int]:
        """(name, email, time, offset in minutes) of ``oid``'s author."""
        obj = self._raw[oid]
        author = obj.author
        return str(author.name), str(author.email), int(author.time), int(author.offset)

    def object_kind(self, oid: str) -> str | None:
        """'commit', 'tree', 'blob' or 'tag'; None when the object is missing."""
        try:
            return str(self._raw[oid].type_str)
        except (KeyError, ValueError, pygit2.GitError):
            return None

    def blob_size(self, oid: str) -> int:
        try:
            obj = self._raw[oid]
        except (KeyError, ValueError):
            return 0
        return int(obj.size) if isinstance(obj, pygit2.Blob) else 0

    def _tree(self, oid: str | pygit2.Oid, where: str = "") -> pygit2.Tree:
        return self._typed(oid, pygit2.Tree, where)

    def tree_entries(self, tree: str, path: str = "") -> dict[str, tuple[str, bool]]:
        """Entries of ``tree`` (or of its subtree at ``path``): name -> (oid, is_tree)."""
        obj = self._tree(tree)
        if path:
            try:
                obj = self._tree(obj[path].id, path)
            except KeyError:
                return {}
        return {str(e.name): (str(e.id), e.filemode == _TREE) for e in obj}

    def iter_blobs(self, tree: str, path: str) -> Iterator[tuple[str, str]]:
        """Every blob under ``path`` in ``tree``, recursively: (relative path, oid)."""
        root = self._tree(tree)
        if path:
            try:
                entry = root[path]
            except KeyError:
                return
            root = self._tree(entry.id, path)
        stack = [(path, root)]
        while stack:
            prefix, obj = stack.pop()
            for child in obj:
                name = f"{prefix}/{child.name}" if prefix else str(child.name)
                if child.filemode == _TREE:
                    stack.append((name, self._tree(child.id, name)))
                else:
                    yield name, str(child.id)

    def walk_tree(self, tree: str, limit: int) -> list[TreeEntry]:
        """Every entry under ``tree``, subtrees included (never submodules), as git stores it;
        raises TooLarge past ``limit`` entries."""
        out: list[TreeEntry] = []
        stack = [("", self._tree(tree))]
        while stack:
            prefix, obj = stack.pop()
            for child in obj:
                name = (child.raw_name or b"").decode("utf-8", "surrogateescape")
                path = f"{prefix}/{name}" if prefix else name
                out.append(TreeEntry(path, str(child.id), int(child.filemode)))
                if len(out) > limit:
                    raise TooLarge(f"more than {limit} tree entries")
                if child.filemode == _TREE:
                    stack.append((path, self._tree(child.id, path)))
        return out

    def read_blob(self, oid: str) -> bytes:
        # From the object database: a Blob object reads the object again for its data
        # (libgit2 does not cache blobs), so that would be two reads and inflates per blob.
        if self._odb is None:
            self._odb = self._raw.odb
        try:
            kind, data = self._odb.read(oid)
        except (KeyError, ValueError) as exc:
            promised = self._promised_blob(oid)
            if promised is None:
                raise CorruptMemory(f"blob {oid} is missing", hint="run 'git codex fsck'") from exc
            return promised
        if kind != _BLOB_TYPE:
            raise CorruptMemory(f"{oid} is not a blob", hint="run 'git codex fsck'")
        return bytes(data)

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

    def blob_at(self, tree: str, path: str) -> bytes | None:
        try:
            entry = self._tree(tree)[path]
        except KeyError:
            return None
        return self.read_blob(str(entry.id))

    def entry_id(self, tree: str, path: str) -> str | None:
        """The id of the entry at ``path`` in ``tree``, if any (no listing)."""
        try:
            return str(self._tree(tree)[path].id)
        except KeyError:
            return None

    def blob_at_exists(self, tree: str, path: str) -> bool:
        return self.entry_id(tree, path) is not None

    def write_blobs(self, datas: list[bytes]) -> list[str]:
        """Blob ids of ``datas``, written loose, or as one pack by ``git fast-import`` from
        BULK_BLOBS on (a loose object costs a file: seconds for a 10,000-task import)."""
        if len(datas) < BULK_BLOBS:
            return [str(self._raw.create_blob(d)) for d in datas]
        return pack_blobs(self.git_dir, datas)

    def update_tree(self, base: str | None, changes: Mapping[str, bytes | None]) -> str:
        """A new tree: ``base`` with each path set to a blob of the given bytes (None deletes)."""
        return self.update_tree_blobs(base, changes)[0]

    def update_tree_blobs(self, base: str | None, changes: Mapping[str, bytes | None],
                          entries: Mapping[str, str | None] | None = None) -> tuple[str, dict[str, str]]:
        """``update_tree``, and the id of each blob it wrote by path (no lookups afterwards).
        ``entries`` sets paths to objects that exist already (None removes a path, a whole
        directory too); ``changes`` win where both name a path."""
        written = [p for p, data in changes.items() if data is not None]
        ids = dict(zip(written, self.write_blobs([changes[p] or b"" for p in written]), strict=True))
        return self._update_tree(base, {**(entries or {}), **{p: ids.get(p) for p in changes}})[0], ids

    def _update_tree(self, base: str | None, changes: Mapping[str, str | None]) -> tuple[str, int]:
        """(the new tree, its number of entries): an emptied subtree is removed without reading it back."""
        grouped: dict[str, dict[str, str | None]] = {}
        direct: dict[str, str | None] = {}
        for path, data in changes.items():
            head, sep, rest = path.partition("/")
            if sep:
                grouped.setdefault(head, {})[rest] = data
            else:
                direct[head] = data
        builder = self._raw.TreeBuilder(self._tree(base)) if base else self._raw.TreeBuilder()
        for name, oid in direct.items():
            if oid is None:
                if builder.get(name) is not None:
                    builder.remove(name)
            else:
                builder.insert(name, pygit2.Oid(hex=oid), _BLOB)
        for name, sub_changes in grouped.items():
            existing = builder.get(name)
            sub_base = str(existing.id) if existing is not None and existing.filemode == _TREE else None
            sub_tree, size = self._update_tree(sub_base, sub_changes)
            if size == 0:
                if existing is not None:
                    builder.remove(name)
            else:
                builder.insert(name, pygit2.Oid(hex=sub_tree), _TREE)
        return str(builder.write()), len(builder)

    def create_commit(self, tree: str, parents: list[str], message: str) -> str:
        oid = self._raw.create_commit(
            None, self._signature("AUTHOR"), self._signature("COMMITTER"), message, pygit2.Oid(hex=tree),
            [pygit2.Oid(hex=p) for p in parents],
        )
        return str(oid)

    def _signature(self, role: str) -> pygit2.Signature:
        """Who writes, as git says it: ``GIT_<role>_NAME``/``_EMAIL``, else ``user.name``/
        ``user.email`` (libgit2's default signature reads only the config: in CI and in
        containers the identity is often in the environment alone), else gitmem."""
        def clean(value: str | None) -> str:  # as git does: no angle brackets, no line breaks
            return " ".join((value or "").replace("<", "").replace(">", "").split())

        name = clean(os.environ.get(f"GIT_{role}_NAME") or self.config_get("user.name")) or "gitmem"
        email = clean(os.environ.get(f"GIT_{role}_EMAIL") or self.config_get("user.email")) or "gitmem@localhost"
        return pygit2.Signature(name, email)

    # -- refs and reflogs -------------------------------------------------
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

    def _reflog(self, ref: str) -> list[Any]:
        """``ref``'s reflog entries, newest first; none when it has no (readable) reflog."""
        try:
            reference = self._raw.references.get(ref)
            return list(reference.log()) if reference is not None else []
        except (pygit2.GitError, KeyError, ValueError, OSError):
            return []

    def reflog(self, ref: str) -> list[tuple[str, str]]:
        """(message, new id) of each entry of ``ref``'s reflog, newest first."""
        return [(message, new) for _, new, message in self.reflog_moves(ref)]

    def reflog_moves(self, ref: str) -> list[tuple[str, str, str]]:
        """(old id, new id, message) of each entry of ``ref``'s reflog, newest first."""
        return [(str(e.oid_old), str(e.oid_new), str(e.message or "")) for e in self._reflog(ref)]

    def reflog_start(self, ref: str) -> tuple[str, str, int] | None:
        """(message, new id, time) of the oldest entry of ``ref``'s reflog: when it was made."""
        entries = self._reflog(ref)
        if not entries:
            return None
        first = entries[-1]
        return str(first.message or ""), str(first.oid_new), int(first.committer.time)

    def branches(self) -> dict[str, str]:
        """Local branch short names -> tip commit."""
        prefix = "refs/heads/"
        return {name[len(prefix) :]: oid for name, oid in self.refs_under(prefix).items()}

    def delete_ref(self, name: str, old: str) -> None:
        """Delete ``name`` only if it still points at ``old``."""
        ref = self._raw.references.get(name)
        if ref is None or str(ref.target) != old:
            raise RefMoved(name)
        ref.delete()

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
            run_git(self.git_dir, ["--git-dir", self.git_dir, "update-ref", "--create-reflog", "-m", message, name, new, ""])
        except GitCommandError as exc:
            if "reference already exists" in exc.message:
                raise RefMoved(name) from exc
            if "lock" in exc.message:
                raise RefLocked(name) from exc
            raise

    # -- history --------------------------------------------------------------
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

    def reachable_commits(self) -> set[str]:
        """Every commit reachable from any ref or any worktree's HEAD (``git rev-list --all``)."""
        from gitmem.git.cli import run_git

        out = run_git(self.git_dir, ["--git-dir", self.git_dir, "rev-list", "--all"])
        return set(out.decode("ascii", "replace").split())

    def count_commits(self, tips: list[str]) -> int:
        """How many commits ``tips`` reach together (0 when git cannot say)."""
        from gitmem.git.cli import run_git

        if not tips:
            return 0
        out = run_git(self.git_dir, ["--git-dir", self.git_dir, "rev-list", "--count", *tips], check=False)
        text = out.decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else 0

    def merged_tree(self, ours: str, theirs: str) -> str | None:
        """The tree a merge of two commits would make, or None when it conflicts (``git merge-tree``)."""
        from gitmem.git.cli import run_git_result

        done = run_git_result(self.git_dir, ["--git-dir", self.git_dir, "merge-tree", "--write-tree", ours, theirs])
        tree = done.stdout.decode("ascii", "replace").split("\n", 1)[0].strip()
        return tree if done.returncode == 0 and tree else None

    def newest_first(self, tip: str, limit: int) -> list[CommitInfo]:
        """Up to ``limit`` commits reachable from ``tip``, newest first (children before parents)."""
        walker = self._raw.walk(pygit2.Oid(hex=tip), pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.TIME)
        return [self.commit_info(str(c.id)) for c, _ in zip(walker, range(limit), strict=False)]

    def history_shape(self, old: str | None, new: str, limit: int) -> int:
        """The most parents of any commit in ``old..new``; raises TooLarge past ``limit`` commits."""
        walker = self._raw.walk(pygit2.Oid(hex=new), pygit2.enums.SortMode.NONE)
        if old is not None:
            with contextlib.suppress(KeyError, ValueError, pygit2.GitError):
                walker.hide(pygit2.Oid(hex=old))
        most = 0
        for count, commit in enumerate(walker, 1):
            if count > limit:
                raise TooLarge(f"more than {limit} new commits")
            most = max(most, len(commit.parent_ids))
        return most

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
