"""Drive Reflex event handlers directly, as a hostile browser could, with chosen cookies and addresses."""

from __future__ import annotations

import pytest
import reflex as rx
from reflex_base import constants

import therapy_portal.therapy_portal  # noqa: F401  (registers every state class)
from therapy_portal.services.accounts import COOKIE_NAME, token_digest


class Browser:
    """One browser tab's state tree, with the cookie header and address its websocket would carry."""

    def __init__(self, cookie: str = "", ip: str = "192.0.2.10", path: str = "/dashboard", query: str = ""):
        self.root = rx.State(_reflex_internal_init=True)
        self.set_request(cookie=cookie, ip=ip, path=path, query=query)

    def set_request(self, cookie: str = "", ip: str = "192.0.2.10", path: str = "/dashboard", query: str = ""):
        router_data = {
            constants.RouteVar.HEADERS: {"cookie": cookie} if cookie else {},
            constants.RouteVar.CLIENT_IP: ip,
            constants.RouteVar.PATH: path,
            constants.RouteVar.ORIGIN: path + (f"?{query}" if query else ""),
            constants.RouteVar.QUERY: dict(p.split("=", 1) for p in query.split("&") if "=" in p),
        }
        self.root.router_data = self.root._update_router_vars(router_data, {})

    @staticmethod
    def cookie_for(token: str) -> str:
        """The cookie header as the app's state sees it: the edge middleware has digested the token."""
        return f"{COOKIE_NAME}={token_digest(token)}"

    def state(self, cls):
        return self.root.get_substate(cls.get_full_name().split(".")[1:])

    def frontend_view(self) -> str:
        """Everything this tab's state would send to the browser, as text."""
        return repr(self.root.dict())


@pytest.fixture
def browser():
    return Browser()
