"""The part of MCP a tools-only server speaks: JSON-RPC 2.0 over stdio, one message per line.

Standard library only, so that ``initialize`` and ``tools/list`` are answered within tens of
milliseconds of start (the ``mcp`` SDK alone takes over a second to import, and agents send
their first model request before a slow server is ready). ``tools/call`` arguments are
checked against the tool's JSON Schema (jsonschema is imported by the first call); a tool's
failure is a result with ``isError`` and the CLI's ``error:``/``hint:`` text; nothing a
client sends ends the loop or prints a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
"""Protocol revisions this server answers; a client asking for another gets the newest."""
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602


class ToolFailure(Exception):
    """A tool call that failed in a way the model should read (``isError`` result)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What a tool returns: the JSON object, and the text shown to the model (its JSON unless set)."""

    data: Mapping[str, Any]
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    properties: Mapping[str, Any]
    run: Callable[[dict[str, Any]], Answer]
    required: tuple[str, ...] = ()

    @property
    def schema(self) -> dict[str, Any]:
        return {"type": "object", "properties": dict(self.properties), "required": list(self.required),
                "additionalProperties": False}

    def listing(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "inputSchema": self.schema}


@dataclass
class Server:
    name: str
    version: Callable[[], str]
    instructions: str
    tools: Iterable[Tool]
    crashed: Callable[[str, BaseException], str] = lambda name, exc: f"error: {name} failed ({type(exc).__name__})"
    """The ``isError`` text for an unexpected exception (it is recorded, not printed)."""
    by_name: dict[str, Tool] = field(init=False)

    def __post_init__(self) -> None:
        self.by_name = {tool.name: tool for tool in self.tools}

    def serve(self, stdin: TextIO, stdout: TextIO) -> None:
        """Answer each request line until stdin closes."""
        for line in stdin:
            if not line.strip():
                continue
            reply = self.handle(line)
            if reply is not None:
                stdout.write(json.dumps(reply, ensure_ascii=False) + "\n")
                stdout.flush()

    def handle(self, line: str) -> dict[str, Any] | None:
        """The reply to one message, None for a notification."""
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):
            return _error(None, PARSE_ERROR, "Parse error: not a JSON message")
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0" or not isinstance(message.get("method"), str):
            ident = message.get("id") if isinstance(message, dict) else None
            return _error(ident if isinstance(ident, str | int) else None, INVALID_REQUEST,
                          "Invalid Request: expected one JSON-RPC 2.0 object with a method")
        if "id" not in message:
            return None  # notifications/initialized, notifications/cancelled, ...
        ident, method, params = message["id"], message["method"], message.get("params") or {}
        if not isinstance(params, dict):
            return _error(ident, INVALID_PARAMS, "params must be an object")
        if method == "initialize":
            asked = params.get("protocolVersion")
            return _result(ident, {
                "protocolVersion": asked if asked in VERSIONS else VERSIONS[0],
                "capabilities": {"tools": {"listChanged": False}},
                "serverInfo": {"name": self.name, "version": self.version()},
                "instructions": self.instructions,
            })
        if method == "ping":
            return _result(ident, {})
        if method == "tools/list":
            return _result(ident, {"tools": [tool.listing() for tool in self.by_name.values()]})
        if method == "tools/call":
            tool = self.by_name.get(params.get("name"))  # type: ignore[arg-type]
            arguments = params.get("arguments") or {}
            if tool is None:
                return _error(ident, INVALID_PARAMS, f"Unknown tool: {params.get('name')!r}; see tools/list")
            if not isinstance(arguments, dict):
                return _error(ident, INVALID_PARAMS, "arguments must be an object")
            return _result(ident, self.call(tool, arguments))
        return _error(ident, METHOD_NOT_FOUND, f"Method not found: {method}")

    def call(self, tool: Tool, arguments: dict[str, Any]) -> dict[str, Any]:
        problem = invalid(tool, arguments)
        if problem:
            return _failed(f"error: {tool.name}: {problem}")
        try:
            answer = tool.run(arguments)
        except ToolFailure as exc:
            return _failed(str(exc))
        except Exception as exc:
            return _failed(self.crashed(tool.name, exc))
        data = dict(answer.data)
        text = answer.text if answer.text is not None else json.dumps(data, ensure_ascii=False)
        return {"content": [{"type": "text", "text": text}], "structuredContent": data, "isError": False}


def invalid(tool: Tool, arguments: Mapping[str, Any]) -> str | None:
    """Why ``arguments`` do not fit the tool's schema, in a sentence; None if they do."""
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(tool.schema).iter_errors(dict(arguments)), key=lambda e: list(e.path))
    if not errors:
        return None
    first = errors[0]
    where = ".".join(str(p) for p in first.path)
    return (f"argument {where!r}: " if where else "") + str(first.message)


def _failed(text: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": True}


def _result(ident: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "result": result}


def _error(ident: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "error": {"code": code, "message": message}}
