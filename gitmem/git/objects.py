"""Objects of the repository through libgit2: commits, trees and blobs, read and written.

``Repo`` (``git/repo.py``) is an ``Objects`` with HEAD, refs and config; the two modules
are the only code that talks to libgit2 (pygit2).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple, TypeVar

import pygit2

from gitmem.errors import CorruptMemory
from gitmem.git.cli import pack_blobs

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


class CommitInfo(NamedTuple):
    """What gitmem reads of a commit."""

    id: str
    tree: str
    parents: tuple[str, ...]
    message: str
    time: int


class Objects:
    """Reading and writing the objects of one opened repository."""

    def __init__(self, raw: pygit2.Repository) -> None:
        self._raw = raw
        self._odb: pygit2.Odb | None = None
        self.git_dir: str = raw.path

    def _promised_blob(self, oid: str) -> bytes | None:
        """A blob the object database lacks but a remote has promised (``Repo``: partial clones)."""
        return None

    def has_object(self, oid: str) -> bool:
        try:
            return oid in self._raw
        except (ValueError, pygit2.GitError):
            return False

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

    def write_blob(self, data: bytes) -> str:
        return str(self._raw.create_blob(data))

    def write_blobs(self, datas: list[bytes]) -> list[str]:
        """Blob ids of ``datas``, written loose, or as one pack by ``git fast-import`` from
        BULK_BLOBS on (a loose object costs a file: seconds for a 10,000-task import)."""
        if len(datas) < BULK_BLOBS:
            return [str(self._raw.create_blob(d)) for d in datas]
        return pack_blobs(self.git_dir, datas)

    def update_tree(self, base: str | None, changes: Mapping[str, bytes | None]) -> str:
        """A new tree: ``base`` with each path set to a blob of the given bytes (None deletes)."""
        return self.update_tree_blobs(base, changes)[0]

    def update_tree_blobs(self, base: str | None, changes: Mapping[str, bytes | None]) -> tuple[str, dict[str, str]]:
        """``update_tree``, and the id of each blob it wrote by path (no lookups afterwards)."""
        written = [p for p, data in changes.items() if data is not None]
        ids = dict(zip(written, self.write_blobs([changes[p] or b"" for p in written]), strict=True))
        return self._update_tree(base, {p: ids.get(p) for p in changes})[0], ids

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
        try:
            author = self._raw.default_signature
        except (KeyError, pygit2.GitError):
            author = pygit2.Signature("gitmem", "gitmem@localhost")
        oid = self._raw.create_commit(
            None, author, author, message, pygit2.Oid(hex=tree), [pygit2.Oid(hex=p) for p in parents]
        )
        return str(oid)
