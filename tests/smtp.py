"""A real SMTP server on localhost that keeps what it receives: the stand-in for the mail provider."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self, inbox: list[EmailMessage]) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.inbox.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpStandIn:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = _free_port()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        # A stopped controller's event loop is closed: each start gets a fresh one.
        self.controller = Controller(_Keep(self.messages), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Take the server down; `start` brings it back on the same port with the same inbox."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
