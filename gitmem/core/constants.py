"""Names shared by every layer: refs, schema versions, limits."""

from __future__ import annotations

MEMORY_PREFIX = "refs/codex/branches/"
CLAIMS_REF = "refs/codex/claims"
BACKUP_PREFIX = "refs/codex/backups/"
REMOTE_PREFIX = "refs/codex-remotes/"
NOTES_REF = "refs/notes/codex"

FORMAT_VERSION = 2
"""Version of the memory layout and record encoding; bumped only for breaking changes.
Format 2 fans tasks out by one id character (format 1: two); this gitmem reads both and
writes format 2 (``store.memory``)."""

JSON_VERSION = 1
"""Version of the ``--json`` output shapes."""

LOCAL_DIR = "codex"
"""Directory under the git dir holding per-clone and per-worktree state."""

ID_PREFIX = "t-"
ID_LENGTH = 10
MIN_PREFIX = 4

MAX_TITLE = 500
MAX_TEXT = 64 * 1024
MAX_LABEL = 100
MAX_BLOB = 1024 * 1024
MAX_CLOCK_JUMP = 10**6

CLONE_TRAILER = "Codex-Clone"
"""The trailer naming the clone (its actor id) that made a memory commit: what ``undo`` takes back."""

HOOK_MARKER = "gitmem-hook-shim-v1"

RESPONSES = "responses-v3"
"""The folder of kept answers under ``.git/codex/cache`` (``fastpath.py``): one file per answer."""
