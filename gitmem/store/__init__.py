"""Memory storage: TOML codec, records, schemas, memory commits, claims, notes, local state."""
