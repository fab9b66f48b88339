"""The rules: what each command does, in terms of the store."""
