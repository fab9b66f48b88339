"""A scripted model on 127.0.0.1: answers an agent's model requests with the next step of a
script, streamed as the agent's API streams it, and keeps every request it was sent.

OpenAI's Responses API (``POST /v1/responses``) for Codex CLI, Anthropic's Messages API
(``POST /v1/messages``) for Claude Code and the Gemini API (``:streamGenerateContent``) for
Gemini CLI, all as server-sent events. A step is a list of tool
calls (``Call``) or a final text (``Say``); a step may also be a function of the request, for
answers that depend on what the agent sent (a tool's output, say). Only requests that offer
tools (the agent's own loop) take a step; side requests (a title, a summary) get a short text."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Call:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Say:
    text: str


Step = list[Call] | Say | Callable[[dict[str, Any]], "list[Call] | Say"]


@dataclass
class ScriptedModel:
    script: list[Step]
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    calls: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def describe(self) -> str:
        """Each request the agent's loop sent, in a line: for a failing test's message."""
        return "\n".join(f"{n}: model={b.get('model')} tools={len(b.get('tools') or [])} "
                          f"outputs={sorted(tool_outputs(b))}" for n, b in enumerate(self.requests))

    def next_step(self, body: dict[str, Any]) -> list[Call] | Say:
        """The script's next step (a plain answer once it runs out)."""
        self.requests.append(body)
        self.calls += 1
        step = self.script.pop(0) if self.script else Say("Nothing more to do.")
        return step(body) if callable(step) else step

    def next_events(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The Responses API events of the next step."""
        step = self.next_step(body)
        rid = f"resp_{self.calls}"
        items: list[dict[str, Any]]
        if isinstance(step, Say):
            items = [{"type": "message", "role": "assistant", "id": f"msg_{self.calls}",
                      "content": [{"type": "output_text", "text": step.text}]}]
        else:
            items = [{"type": "function_call", "id": f"fc_{self.calls}_{n}", "call_id": f"call_{self.calls}_{n}",
                      "name": c.name, "arguments": json.dumps(c.arguments)} for n, c in enumerate(step)]
        usage = {"input_tokens": 100, "input_tokens_details": None, "output_tokens": 10,
                 "output_tokens_details": None, "total_tokens": 110}
        return [{"type": "response.created", "response": {"id": rid}},
                *({"type": "response.output_item.done", "item": item} for item in items),
                {"type": "response.completed", "response": {"id": rid, "usage": usage}}]


    def anthropic_events(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The Messages API events of the next step (a side request's: one short text)."""
        # A side request (a title, a quota probe: no tools, or the small model) takes no step.
        side = not body.get("tools") or "haiku" in str(body.get("model"))
        step = Say("Parser work") if side else self.next_step(body)
        blocks: list[tuple[dict[str, Any], dict[str, Any]]]
        if isinstance(step, Say):
            blocks = [({"type": "text", "text": ""}, {"type": "text_delta", "text": step.text})]
        else:
            blocks = [({"type": "tool_use", "id": f"toolu_{self.calls}_{n}", "name": c.name, "input": {}},
                       {"type": "input_json_delta", "partial_json": json.dumps(c.arguments)}) for n, c in enumerate(step)]
        events: list[dict[str, Any]] = [{"type": "message_start", "message": {
            "id": f"msg_{self.calls}", "type": "message", "role": "assistant", "model": body.get("model"), "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 100, "output_tokens": 1}}}]
        for n, (start, delta) in enumerate(blocks):
            events += [{"type": "content_block_start", "index": n, "content_block": start},
                       {"type": "content_block_delta", "index": n, "delta": delta},
                       {"type": "content_block_stop", "index": n}]
        stop = "end_turn" if isinstance(step, Say) else "tool_use"
        return [*events, {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                          "usage": {"output_tokens": 10}}, {"type": "message_stop"}]


    def gemini_chunks(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The Gemini API chunks of the next step (a side request's, without tools: one short text)."""
        step = self.next_step(body) if body.get("tools") else Say("ok")
        parts = [{"text": step.text}] if isinstance(step, Say) else \
            [{"functionCall": {"name": c.name, "args": c.arguments}} for c in step]
        return [{"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
                 "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 10, "totalTokenCount": 110}}]


def tool_outputs(body: dict[str, Any]) -> dict[str, str]:
    """call id -> output of every tool call the agent answered in this request (either API)."""
    found = {str(i.get("call_id")): str(i.get("output")) for i in body.get("input", [])
             if isinstance(i, dict) and i.get("type") == "function_call_output"}
    for content in body.get("contents", []):
        for part in content.get("parts", []) if isinstance(content, dict) else []:
            answer = part.get("functionResponse") if isinstance(part, dict) else None
            if isinstance(answer, dict):
                found[str(answer.get("id") or answer.get("name"))] = json.dumps(answer.get("response"))
    for message in body.get("messages", []):
        for block in message.get("content", []) if isinstance(message.get("content"), list) else []:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                content = block.get("content")
                text = content if isinstance(content, str) else "".join(
                    c.get("text", "") for c in content or [] if isinstance(c, dict))
                found[str(block.get("tool_use_id"))] = text
    return found


def offered_tools(body: dict[str, Any]) -> list[str]:
    """Tool names offered in a request; an MCP server's come in a namespace (``mcp__NAME.tool``)."""
    names = [str(f.get("name")) for t in body.get("tools", []) for f in t.get("functionDeclarations", [])]
    for tool in [t for t in body.get("tools", []) if "functionDeclarations" not in t]:
        name = str(tool.get("name") or tool.get("type"))
        names.extend([f"{name}.{t.get('name')}" for t in tool.get("tools", [])] if tool.get("type") == "namespace" else [name])
    return names


@contextmanager
def serving(model: ScriptedModel) -> Iterator[ScriptedModel]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
            path = self.path.split("?")[0]
            if path.endswith("/messages/count_tokens"):
                self.answer_json({"input_tokens": 100})
                return
            if path.endswith("/messages") and not body.get("stream"):
                self.answer_json({"id": "msg_side", "type": "message", "role": "assistant", "model": body.get("model"),
                                  "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
                                  "usage": {"input_tokens": 1, "output_tokens": 1}})
                return
            if path.endswith((":streamGenerateContent", ":generateContent")):
                with lock:
                    chunks = model.gemini_chunks(body)
                if path.endswith(":generateContent"):
                    self.answer_json(chunks[0])
                    return
                self.stream(f"data: {json.dumps(chunk)}\r\n\r\n" for chunk in chunks)
                return
            if path.endswith(":countTokens"):
                self.answer_json({"totalTokens": 100})
                return
            if not path.endswith(("/responses", "/messages")):
                self.send_error(404)
                return
            with lock:
                events = model.next_events(body) if path.endswith("/responses") else model.anthropic_events(body)
            self.stream(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n" for event in events)

        def stream(self, frames: Iterator[str]) -> None:
            """Server-sent events, one frame each."""
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            for frame in frames:
                self.wfile.write(frame.encode())
            self.wfile.flush()

        def answer_json(self, value: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(value).encode())

        def do_GET(self) -> None:
            self.send_error(404)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    model.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield model
    except BaseException as exc:  # what the agent asked, for the failing test's report
        exc.add_note("requests the scripted model answered:\n" + model.describe())
        raise
    finally:
        server.shutdown()
        server.server_close()
