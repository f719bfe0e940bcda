"""Real local servers for tests: an HTTP receiver, an SMTP inbox (aiosmtpd), the newsmon API."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from newsmon.connectors.search import SearchEngine
from newsmon.services.process import free_port, wait_until
from newsmon.settings import Settings


class _QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class _LoopbackServer:
    """A real HTTP server on a free loopback port, served from a thread until ``close``."""

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> str:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class Receiver(_LoopbackServer):
    """A real HTTP server on loopback that records requests and answers scripted statuses;
    with a ``gate``, it answers only once the gate is set (a slow endpoint)."""

    def __init__(self, statuses: list[int], gate: threading.Event | None = None) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(_QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = dict(self.headers)
                headers["X-Received-At"] = str(time.time())
                receiver.requests.append((headers, body))
                if gate is not None:
                    gate.wait(timeout=60)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

        self.url = self._serve(Handler) + "/hook"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


class ApiServer:
    """``newsmon serve``'s app on a real uvicorn server in a thread, on a free port."""

    def __init__(self, settings: Settings, engine: SearchEngine) -> None:
        import uvicorn

        from newsmon.api.app import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings, engine), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        assert wait_until(lambda: self._server.started, timeout=20), "API server did not start"

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


class Site(_LoopbackServer):
    """A real HTTP server on loopback serving ``pages`` (path -> (status, headers, body)),
    answering 304 to a matching If-None-Match, and recording each request's headers."""

    def __init__(self, pages: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.pages = pages
        self.requests: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(_QuietHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, dict(self.headers)))
                status, headers, body = site.pages.get(self.path, (404, {}, b"not found"))
                etag = headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.url = self._serve(Handler)
