"""Who runs a command: the agent and its conversation, as the agent's own tool environment says.

``$GITMEM_AGENT`` names the agent when set. Otherwise the variables each agent puts in the
environment of the commands its model runs name it: Claude Code sets ``CLAUDECODE=1``, Codex
``CODEX_THREAD_ID``, Gemini CLI ``GEMINI_CLI=1``. Codex and Claude Code also say which
conversation (``CODEX_THREAD_ID``, ``CLAUDE_CODE_SESSION_ID``), so a command the model runs
lands in the gitmem session of that very conversation; Gemini CLI does not, and its commands
use the session its SessionStart hook opened in the worktree.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

CONVERSATION_VARS = {"codex": "CODEX_THREAD_ID", "claude": "CLAUDE_CODE_SESSION_ID"}
_MARKERS = (("claude", "CLAUDECODE"), ("codex", "CODEX_THREAD_ID"), ("gemini", "GEMINI_CLI"))
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def agent(environ: Mapping[str, str] = os.environ) -> str:
    """The agent running this command: $GITMEM_AGENT, else the one whose shell this is, else ``cli``."""
    given = environ.get("GITMEM_AGENT")
    if given:
        return given
    return next((name for name, var in _MARKERS if environ.get(var)), "cli")


def conversation_id(value: object) -> str | None:
    """``value`` if it is a plain conversation id (the agents use UUIDs), else None."""
    return value if isinstance(value, str) and _ID.match(value) else None


def conversation(agent_name: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """The conversation ``agent_name`` runs this command in, when its environment says."""
    var = CONVERSATION_VARS.get(agent_name)
    return conversation_id(environ.get(var)) if var else None
