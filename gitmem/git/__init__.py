"""The only layer that talks to git (pygit2 and the ``git`` binary)."""
