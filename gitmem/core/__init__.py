"""Pure domain: records, edits, the convergent merge, the task graph rules, input checks, errors."""
