"""A local stand-in for Twilio's Messages API that checks each request the way Twilio would.

POST /2010-04-01/Accounts/{account}/Messages.json, HTTP Basic auth (account SID, auth token), form fields
To (E.164), From and Body. Answers 201 with a JSON message resource when all is right, 401 on bad
credentials, 400 on missing or malformed fields, 404 on any other path.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass
class SmsRequest:
    path: str
    auth_ok: bool
    content_type: str
    form: dict[str, str]
    status: int


@dataclass
class SmsServer:
    account: str
    token: str
    requests: list[SmsRequest] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def accepted(self) -> list[SmsRequest]:
        with self._lock:
            return [r for r in self.requests if r.status == 201]

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def _record(self, request: SmsRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def start(self) -> SmsServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output quiet
                pass

            def _answer(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                parsed = (
                    parse_qs(raw, keep_blank_values=True) if content_type == "application/x-www-form-urlencoded" else {}
                )
                form = {k: v[0] for k, v in parsed.items()}
                expected = f"Basic {base64.b64encode(f'{server.account}:{server.token}'.encode()).decode()}"
                auth_ok = self.headers.get("Authorization") == expected
                path_ok = self.path == f"/2010-04-01/Accounts/{server.account}/Messages.json"
                if not path_ok:
                    status, payload = 404, {"code": 20404, "message": "The requested resource was not found"}
                elif not auth_ok:
                    status, payload = 401, {"code": 20003, "message": "Authentication Error - invalid username"}
                elif not form.get("To") or not E164.match(form["To"]):
                    status, payload = 400, {"code": 21211, "message": "The 'To' number is not a valid phone number."}
                elif not form.get("From"):
                    status, payload = 400, {"code": 21603, "message": "A 'From' phone number is required."}
                elif not form.get("Body"):
                    status, payload = 400, {"code": 21602, "message": "Message body is required."}
                else:
                    status = 201
                    payload = {
                        "sid": "SM" + uuid.uuid4().hex,
                        "account_sid": server.account,
                        "to": form["To"],
                        "from": form["From"],
                        "body": form["Body"],
                        "status": "queued",
                    }
                server._record(SmsRequest(self.path, auth_ok, content_type, form, status))
                self._answer(status, payload)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> SmsServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
