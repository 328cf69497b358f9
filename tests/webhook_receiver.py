"""A shop's server on localhost: checks each webhook's signature as a receiver must, keeps the
verified ones, and can be taken down and brought back on the same address."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from tenants.notifications import webhooks


class SigningReceiver:
    def __init__(self) -> None:
        self.secret = ""
        self.events: list[dict[str, Any]] = []
        self.refused = 0
        self.server = self._server(0)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hooks/answering"
        self.thread: threading.Thread | None = None

    def _server(self, port: int) -> HTTPServer:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                header = self.headers.get(webhooks.SIGNATURE_HEADER, "")
                if not webhooks.verify(receiver.secret, body, header):
                    receiver.refused += 1
                    self.send_response(401)
                else:
                    receiver.events.append(json.loads(body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        return HTTPServer(("127.0.0.1", port), Handler)

    def start(self) -> None:
        if self.thread is not None:
            self.server = self._server(self.port)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
