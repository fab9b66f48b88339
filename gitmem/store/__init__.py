"""Memory storage: TOML codec, records, schemas, merge, memory commits, local state."""
