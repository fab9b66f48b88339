#!/bin/sh
# Claude Code PostToolUse hook for TodoWrite: mirror the todo list into gitmem tasks.
# Claude Code sends the hook event as JSON on stdin; its "tool_input" is the TodoWrite
# input ({"todos": [...]}), which is exactly what `git codex plan sync --format claude`
# reads. Never fails the agent's turn: errors go to stderr and the hook exits 0.
# Copy it anywhere and point .claude/settings.json at it (see settings.json beside it).
python3 -c 'import json, sys; json.dump(json.load(sys.stdin).get("tool_input") or {}, sys.stdout)' \
    | GITMEM_AGENT="${GITMEM_AGENT:-claude}" git codex plan sync --format claude >/dev/null || true
exit 0
