"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, collecting every message it accepts."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy


def free_port() -> int:
    """A TCP port on 127.0.0.1 where nothing listens (at the moment of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    """`with MailServer() as mail:` … `mail.messages` — each accepted DATA is one envelope.

    Pass `port` to listen on a port chosen beforehand (a server that comes back after an outage).
    """

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.envelopes: list = []
        self._lock = threading.Lock()
        self._controller = None

    # aiosmtpd calls this on its own event loop thread.
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self._lock:
            self.envelopes.append(envelope)
        return "250 OK"

    def start(self) -> MailServer:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=5)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            envelopes = list(self.envelopes)
        return [message_from_bytes(e.original_content or e.content, policy=default_policy) for e in envelopes]
