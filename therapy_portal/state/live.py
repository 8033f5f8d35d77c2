"""Pages that show news as it arrives (a new secure message) without reloading.

A background task per open page polls the database every few seconds: one indexed query for the newest
message id, and a real read only when it changed. It stops when the tab moves to another page, when the
page is opened again (the newer task takes over), when the session ends (the tab is cleared and sent to
sign-in), and after MAX_TICKS in any case. Its session checks do not count as activity, so an open page
left alone still times out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

INTERVAL_SECONDS = 3.0
MAX_TICKS = 1200  # an hour


async def keep_fresh(state, path: str, resolve: Callable, refresh: Callable) -> AsyncIterator:
    """Run `refresh(identity)` on `state` while its tab stays on `path`; yields the events to send."""
    async with state:
        state._watch_id += 1
        mine = state._watch_id
    for _ in range(MAX_TICKS):
        await asyncio.sleep(INTERVAL_SECONDS)
        async with state:
            if state._watch_id != mine or (state.router.url.path or "").rstrip("/") != path:
                return
            who = resolve(touch=False)
            if who is None:
                denial = state._deny()
                yield denial
                return
            refresh(who)
