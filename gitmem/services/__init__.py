"""Use cases: what each command does, over the engine and the store."""
