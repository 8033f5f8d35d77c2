"""The server-side check every guarded event handler runs before it does anything.

`guarded(var, resolve)` makes a decorator: the handler runs only when the state's `resolve` method
names someone; the identity is then available through `var` for that call. Otherwise the state's
`_deny()` answers (clear what the page showed, go to sign-in), so a handler called directly by a
signed-out browser changes nothing and reveals nothing.
"""

from __future__ import annotations

import functools
import inspect
from contextvars import ContextVar


def guarded(var: ContextVar, resolve: str):
    def decorator(fn):
        def enter(self):
            who = getattr(self, resolve)()
            if who is None:
                return None, self._deny()
            return var.set(who), None

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(self, *args, **kwargs):
                token, denial = enter(self)
                if token is None:
                    return denial
                try:
                    return await fn(self, *args, **kwargs)
                finally:
                    var.reset(token)

            return async_wrapper

        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            token, denial = enter(self)
            if token is None:
                return denial
            try:
                return fn(self, *args, **kwargs)
            finally:
                var.reset(token)

        return wrapper

    return decorator


def current(var: ContextVar, what: str):
    who = var.get()
    if who is None:
        raise RuntimeError(f"{what} used outside a guarded handler")
    return who
