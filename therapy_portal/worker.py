"""The outbox worker: started with the app's backend (and by `python -m therapy_portal worker`)."""

from __future__ import annotations

import asyncio
import logging
import time

from sqlmodel import select

from .db import session_scope
from .models import Practice
from .services import notify

log = logging.getLogger("therapy_portal.worker")
POLL_SECONDS = 2.0
STALE_CHECK_SECONDS = 60.0


def _transports():
    with session_scope() as db:
        practice = db.exec(select(Practice)).first()
    return notify.transports_from_settings(practice_name=practice.name if practice else "")


def _cycle(worker_id: str, transport_for, last_stale_check: float) -> float:
    if time.monotonic() - last_stale_check >= STALE_CHECK_SECONDS:
        notify.fail_stale_claims()
        last_stale_check = time.monotonic()
    notify.run_once(worker_id, transport_for)
    return last_stale_check


async def outbox_worker() -> None:
    """Runs for the life of the backend; the slow parts (SMTP, HTTP) run in a thread."""
    worker_id = notify.new_worker_id()
    transport_for = None
    last_stale_check = 0.0
    while True:
        try:
            transport_for = transport_for or await asyncio.to_thread(_transports)
            last_stale_check = await asyncio.to_thread(_cycle, worker_id, transport_for, last_stale_check)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup must not end the worker
            log.exception("outbox worker cycle failed")
        await asyncio.sleep(POLL_SECONDS)


def run_forever() -> None:
    asyncio.run(outbox_worker())
