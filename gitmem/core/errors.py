"""The GitmemError hierarchy; ``main`` alone maps errors to exit codes."""

from __future__ import annotations

CORRUPT_HINT = (
    "'git codex fsck' lists every problem; 'git codex undo' writes back the last good memory "
    "('git codex restore REV' an earlier one, from 'git codex log')"
)
"""The remedy for memory that cannot be read."""


MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError, RecursionError)
"""What turning a malformed stored document into records can raise (wrapped as CorruptMemory)."""


class GitmemError(Exception):
    """A user-facing failure: printed as ``error:`` plus an optional ``hint:``; exit 1."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class NotARepository(GitmemError):
    """No git repository at or above the working directory."""


class NoCommits(GitmemError):
    """The repository has no commits yet."""


class NotInitialised(GitmemError):
    """Memory was never created in this repository."""


class UnknownId(GitmemError):
    """No task matches the given id or prefix."""


class AmbiguousId(GitmemError):
    """A prefix matches several tasks."""


class InvalidInput(GitmemError):
    """Input rejected before anything was written."""


class CycleError(InvalidInput):
    """A dependency would close a cycle."""


class InvalidState(GitmemError):
    """The requested transition does not apply to the task's current state."""


class CorruptMemory(GitmemError):
    """A stored blob or ref cannot be read as memory."""


class ConcurrentUpdate(GitmemError):
    """A compare-and-swap kept failing after every retry."""


class LeftOut(GitmemError):
    """Part of what came from a remote failed the checks and was left out (the rest landed)."""


class Disabled(GitmemError):
    """``codex.enabled`` is false."""
