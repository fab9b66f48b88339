"""Derived data: every cache and carried fact, recomputable from git (removing it changes speed, not answers)."""
