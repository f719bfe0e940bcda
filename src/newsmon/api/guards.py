"""What every answer of the API goes through: a bound on request bodies, enforced before
anything reads them, JSON for any error, and the security headers of the desk.

They are plain ASGI middleware: the body limit must act before FastAPI reads a body to
validate it (which happens before any dependency, the token check included), and the
headers must reach static files and errors alike.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DESK_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The desk builds every node of article text with textContent; the policy forbids the rest."""
_DOCS_POLICY = "frame-ancestors 'none'; object-src 'none'; base-uri 'none'"
"""/docs loads Swagger UI's own scripts: only the framing rules apply there."""
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


async def _send_json(send: Send, status: int, content: dict[str, Any]) -> None:
    body = json.dumps(content).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuses a request body over ``max_bytes`` with a JSON 413: at once when its
    Content-Length says so, else as soon as the bytes received pass the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self._app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        too_large = {"error": f"request body over the limit of {self._max_bytes} bytes"}
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _send_json(send, 400, {"error": "invalid Content-Length"})
                return
            if int(declared) > self._max_bytes:
                await _send_json(send, 413, too_large)
                return
        received = 0
        over = False

        async def limited_receive() -> Message:
            # Past the limit the app gets an empty last chunk, and its answer is replaced.
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_bytes:
                    over = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def replacing_send(message: Message) -> None:
            if not over:
                await send(message)
            elif message["type"] == "http.response.start":
                await _send_json(send, 413, too_large)

        await self._app(scope, limited_receive, replacing_send)


class JsonErrors:
    """Answers an exception that escaped the app with ``classify(path, exc)``'s status and JSON
    (inside the other middleware, so the answer is counted and carries the headers)."""

    def __init__(
        self, app: ASGIApp, classify: Callable[[str, Exception], tuple[int, dict[str, Any]]]
    ) -> None:
        self._app = app
        self._classify = classify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, receive, tracked)
        except Exception as e:
            if started:
                raise
            status, content = self._classify(str(scope.get("path", "")), e)
            await _send_json(send, status, content)


class SecurityHeaders:
    """Adds the Content-Security-Policy, no-sniff, framing and referrer headers to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        policy = _DOCS_POLICY if path.startswith(("/docs", "/redoc")) else DESK_POLICY

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"
                ]
                message["headers"] = [*headers, (b"content-security-policy", policy.encode()), *_HEADERS]
            await send(message)

        await self._app(scope, receive, with_headers)
