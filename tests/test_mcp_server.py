"""``git codex mcp`` over a real stdio pipe: the official MCP SDK's client drives every tool,
and raw JSON-RPC lines check what a sloppy or hostile client gets back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from conftest import git
from test_faults import read_only

SERVER = [sys.executable, "-m", "gitmem", "mcp", "--agent", "tester"]


class Raw:
    """JSON-RPC lines written by hand, read back one reply at a time."""

    def __init__(self, repo: Path, command: list[str] = SERVER) -> None:
        self.proc = subprocess.Popen(command, cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.next_id = 0

    def line(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def reply(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the server closed stdout"
        return dict(json.loads(line))

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.next_id += 1
        self.line(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                              **({"params": params} if params is not None else {})}))
        reply = self.reply()
        assert reply["id"] == self.next_id
        return reply

    def call(self, name: str, **arguments: Any) -> dict[str, Any]:
        return dict(self.request("tools/call", {"name": name, "arguments": arguments})["result"])

    def close(self) -> tuple[int, str]:
        assert self.proc.stdin is not None and self.proc.stderr is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=20)
        return code, self.proc.stderr.read()


def initialize(raw: Raw) -> dict[str, Any]:
    result = raw.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                        "clientInfo": {"name": "pytest", "version": "1"}})["result"]
    raw.line(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    return dict(result)


def test_the_sdk_client_reaches_every_operation_and_every_result_is_an_object(initialised: Path) -> None:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    results: dict[str, Any] = {}

    async def session() -> None:
        params = StdioServerParameters(command=SERVER[0], args=SERVER[1:], cwd=initialised)
        async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
            init = await client.initialize()
            results["instructions"] = init.instructions
            listing = await client.list_tools()
            results["tools"] = [t.model_dump(mode="json", exclude_none=True) for t in listing.tools]

            async def call(name: str, **arguments: Any) -> Any:
                result = await client.call_tool(name, arguments)
                assert not result.is_error, (name, result.content)
                assert isinstance(result.structured_content, dict), (name, result)
                results.setdefault("called", []).append(name)
                return result.structured_content

            assert await call("next") == {"task": None}
            first = (await call("add", title="Write the parser", priority=1))["id"]
            second = (await call("add", title="Document it", after=[first]))["id"]
            assert (await call("next", claim=True))["task"]["id"] == first
            assert (await call("release", id=first)) == {"released": True, "agent": "tester"}
            assert (await call("update", id=first, status="completed", evidence=["HEAD"]))["task"]["status"] == "completed"
            assert [t["id"] for t in (await call("tasks_list"))["tasks"]] == [second]
            assert (await call("task_show", id=second))["task"]["title"] == "Document it"
            session_id = (await call("session_log", summary="wrote the parser", follow_ups=["Tell the team"]))["session"]
            brief = (await call("context_brief", budget=2000))["brief"]
            follow_up = next(line for line in brief.splitlines() if "Tell the team" in line).split("`")[-2]
            assert await call("follow_up_done", id=follow_up) == {"session": session_id, "text": "Tell the team"}
            synced = await call("plan_sync", payload={"todos": [{"content": "Ship it", "status": "pending",
                                                                  "activeForm": "Shipping it"}]})
            assert len(synced["created"]) == 1
            assert (await call("session_end", summary="parser done"))["session"] == session_id

    anyio.run(session)
    assert {t["name"] for t in results["tools"]} == set(results["called"])
    assert len(json.dumps(results["tools"])) < 4000
    assert len(results["instructions"]) < 240 and results["instructions"].count(". ") <= 2
    assert git(initialised, "log", "-1", "--format=%s", "refs/codex/branches/main").startswith("session end")


def test_bad_calls_get_clear_errors_and_the_server_goes_on(initialised: Path) -> None:
    raw = Raw(initialised)
    initialize(raw)
    cases = {
        ("update", "status"): (raw.call("update", id="x", status="done"), "'done' is not one of"),
        ("next", "unknown"): (raw.call("next", claim=True, n=3), "Additional properties are not allowed ('n' was unexpected)"),
        ("context_brief", "negative"): (raw.call("context_brief", budget=-5), "-5 is less than the minimum of 200"),
        ("add", "type"): (raw.call("add", title=7), "7 is not of type 'string'"),
        ("add", "missing"): (raw.call("add"), "'title' is a required property"),
        ("task_show", "no such task"): (raw.call("task_show", id="zzzz"), "error: no task matches"),
        ("update", "blocked without reason"): (raw.call("update", id="zzzz", status="blocked"), "error: "),
    }
    for (tool, case), (result, words) in cases.items():
        assert result["isError"] and words in result["content"][0]["text"], (tool, case, result)
        assert result["content"][0]["text"].startswith("error: "), (tool, case, result)
    unknown = raw.request("tools/call", {"name": "rm_rf", "arguments": {}})
    assert unknown["error"]["code"] == -32602 and "rm_rf" in unknown["error"]["message"]
    raw.line("{not json")
    assert raw.reply()["error"]["code"] == -32700
    raw.line(json.dumps([{"jsonrpc": "2.0", "id": 99, "method": "ping"}]))
    assert raw.reply()["error"]["code"] == -32600
    assert raw.request("resources/list")["error"]["code"] == -32601
    assert raw.request("ping")["result"] == {}
    assert raw.call("next")["structuredContent"] == {"task": None}
    code, stderr = raw.close()
    assert code == 0 and stderr == ""


def test_initialize_and_tools_list_load_neither_git_nor_schemas(initialised: Path) -> None:
    """What makes the server answer within milliseconds: the first two requests import no
    pygit2, no jsonschema and no MCP SDK (tests/bench/bench_mcp.py measures the time)."""
    raw = Raw(initialised, [sys.executable, "-X", "importtime", *SERVER[1:]])
    assert initialize(raw)["serverInfo"]["name"] == "gitmem"
    assert len(raw.request("tools/list")["result"]["tools"]) == 11
    code, stderr = raw.close()
    imported = {line.split("|")[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")}
    assert code == 0 and imported, stderr[-500:]
    assert not {m for m in imported if m.split(".")[0] in ("pygit2", "jsonschema", "mcp")}


def test_a_read_only_git_is_a_tool_error_with_the_sandbox_hint_and_reads_work(initialised: Path) -> None:
    raw = Raw(initialised)
    initialize(raw)
    with read_only(initialised / ".git"):
        failed = raw.call("add", title="Inside the sandbox")
        assert failed["isError"] and "Read-only file system" in failed["content"][0]["text"]
        assert "sandbox" in failed["content"][0]["text"]
        assert raw.call("tasks_list")["structuredContent"] == {"tasks": []}
        assert not raw.call("context_brief")["isError"]
    code, stderr = raw.close()
    assert code == 0 and stderr == ""


@pytest.mark.parametrize("version", ["2024-11-05", "2025-11-25", "1999-01-01"])
def test_the_protocol_version_is_the_clients_when_known(initialised: Path, version: str) -> None:
    raw = Raw(initialised)
    result = raw.request("initialize", {"protocolVersion": version, "capabilities": {},
                                        "clientInfo": {"name": "pytest", "version": "1"}})["result"]
    assert result["protocolVersion"] == (version if version != "1999-01-01" else "2025-11-25")
    assert raw.close()[0] == 0
