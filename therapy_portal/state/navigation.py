"""Helpers for leaving the single-page app (the session cookie routes need a real request)."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from urllib.parse import quote

import reflex as rx


def hard_navigate(path: str):
    """A full page load: the browser sends and receives cookies, and the websocket reconnects with them."""
    return rx.call_script(f"window.location.replace({json.dumps(path)})")


def safe_next(path: str | None, default: str = "/dashboard") -> str:
    """Only same-site paths may be a post-sign-in destination (no open redirects)."""
    path = (path or "").strip()
    if not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 200:
        return default
    if path.startswith(("/login", "/api/", "/portal/login")):
        return default
    return path


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")


def read_cookie(cookie_header: str, name: str) -> str:
    try:
        jar = SimpleCookie()
        jar.load(cookie_header or "")
    except Exception:  # a malformed header from a hostile client means: no cookie
        return ""
    morsel = jar.get(name)
    return morsel.value if morsel else ""
