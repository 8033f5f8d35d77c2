"""Build and start the real app (production build, one port) on a free port with its own database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    def __init__(self, name: str, data_dir: Path, extra_env: dict[str, str] | None = None):
        self.name = name
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.db_url = f"sqlite:///{data_dir / 'portal.db'}"
        self.env = {
            **os.environ,
            "PORTAL_DATA_DIR": str(data_dir),
            "REFLEX_DB_URL": self.db_url,
            # Each server builds into a work folder of its own, so two can run side by side.
            "REFLEX_WEB_WORKDIR": str(ROOT / f".web-{name}"),
            "REFLEX_STATES_WORKDIR": str(data_dir / "states"),
            "PORTAL_PUBLIC_URL": self.url,
            **(extra_env or {}),
        }
        self.env.pop("REFLEX_REDIS_URL", None) if not (extra_env or {}).get("REFLEX_REDIS_URL") else None
        self.proc: subprocess.Popen | None = None
        self.log_path = ARTIFACTS / f"server-{name}.log"

    def run_cli(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "therapy_portal", *args], cwd=ROOT, env=self.env, check=True)

    def start(self, timeout: float = 420) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.run_cli("seed-demo")
        log = open(self.log_path, "w")  # noqa: SIM115  (kept open for the server's life)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reflex",
                "run",
                "--env",
                "prod",
                "--single-port",
                "--frontend-port",
                str(self.port),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited early; see {self.log_path}:\n{self.log_path.read_text()[-3000:]}")
            if self._answers("/ping") and self._answers("/login"):
                return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the app did not answer within {timeout}s; see {self.log_path}")

    def _answers(self, path: str) -> bool:
        try:
            with urllib.request.urlopen(self.url + path, timeout=2) as r:  # noqa: S310 (our own localhost server)
                return r.status == 200
        except Exception:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
