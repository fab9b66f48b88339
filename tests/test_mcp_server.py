"""``git codex mcp`` speaks MCP JSON-RPC over stdio to a real client process pipe."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("mcp") is None,
                                reason="the 'mcp' package is not installed (pip install 'gitmem[mcp]')")


class Client:
    def __init__(self, repo: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "gitmem", "mcp", "--agent", "tester"], cwd=repo,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.next_id = 0

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", **message}) + "\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, **({"params": params} if params is not None else {})})
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            assert line, f"server closed stdout; stderr: {self.proc.stderr.read() if self.proc.stderr else ''}"
            reply = json.loads(line)
            if reply.get("id") == self.next_id:
                assert "error" not in reply, reply
                return dict(reply["result"])

    def call(self, name: str, **arguments: Any) -> Any:
        result = self.request("tools/call", {"name": name, "arguments": arguments})
        assert not result.get("isError"), result
        return json.loads(result["content"][0]["text"])

    def call_text(self, name: str, **arguments: Any) -> str:
        result = self.request("tools/call", {"name": name, "arguments": arguments})
        assert not result.get("isError"), result
        return str(result["content"][0]["text"])

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=20)


def test_initialize_list_next_add(initialised: Path) -> None:
    client = Client(initialised)
    try:
        init = client.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                             "clientInfo": {"name": "pytest", "version": "1"}})
        assert init["serverInfo"]["name"] == "gitmem"
        client.send({"method": "notifications/initialized"})
        tools = client.request("tools/list")["tools"]
        names = {t["name"] for t in tools}
        assert {"context_brief", "next", "add", "update", "session_log", "plan_sync"} <= names
        assert len(json.dumps(tools)) < 8000  # about 2,000 tokens
        assert client.call("next") == {"task": None}
        added = client.call("add", title="Write the parser", priority=1)
        assert added["id"].startswith("t-")
        claimed = client.call("next", claim=True)["task"]
        assert claimed["id"] == added["id"] and claimed["status"] == "in_progress"
        client.call("session_log", summary="a turn", follow_ups=["Tell the team"])
        follow_up = next(i for i in client.call_text("context_brief").splitlines() if "Tell the team" in i)
        fid = follow_up.split("`")[-2]
        assert client.call("follow_up_done", id=fid) == {"session": client.call("session_log", summary="x")["session"],
                                                        "text": "Tell the team"}
        assert "Tell the team" not in client.call_text("context_brief")
        error = client.request("tools/call", {"name": "task_show", "arguments": {"id": "zzzz"}})
        assert error["isError"] and "error: no task matches" in error["content"][0]["text"]
    finally:
        assert client.close() == 0
