"""Importers: files written by other tools in, plain records out (no git, no memory)."""
