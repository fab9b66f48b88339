"""The engine the use cases share: the workspace, drift and branch memory, folds, rewrites, trust."""
