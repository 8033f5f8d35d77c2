"""Drive Reflex event handlers directly, as a hostile browser could, with chosen cookies and addresses."""

from __future__ import annotations

import pytest
import reflex as rx
from argon2 import PasswordHasher
from reflex_base import constants

import therapy_portal.therapy_portal  # noqa: F401  (registers every state class)
from therapy_portal.services import accounts, client_auth, pins
from therapy_portal.services import secrets as portal_secrets
from therapy_portal.services.accounts import COOKIE_NAME, token_digest
from therapy_portal.settings import get_settings


class Browser:
    """One browser tab's state tree, with the cookie header and address its websocket would carry."""

    def __init__(self, cookie: str = "", ip: str = "192.0.2.10", path: str = "/dashboard", query: str = ""):
        self.root = rx.State(_reflex_internal_init=True)
        self.set_request(cookie=cookie, ip=ip, path=path, query=query)

    def set_request(self, cookie: str = "", ip: str = "192.0.2.10", path: str = "/dashboard", query: str = ""):
        self.cookie, self.ip = cookie, ip
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

    @staticmethod
    def client_cookie_for(token: str) -> str:
        """The same for a client portal session (the `tp_client` cookie)."""
        return f"{client_auth.COOKIE_NAME}={client_auth.token_digest(token)}"

    def state(self, cls):
        return self.root.get_substate(cls.get_full_name().split(".")[1:])

    def frontend_view(self) -> str:
        """Everything this tab's state would send to the browser, as text."""
        return repr(self.root.dict())


@pytest.fixture
def browser():
    return Browser()


@pytest.fixture
def fast_hashes(monkeypatch, tmp_path):
    """argon2id with small costs (its strength is tested in tests/unit), and a secret key of this test's own."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", cheap)
    monkeypatch.setattr(pins, "_hasher", cheap)
    monkeypatch.setattr(client_auth, "_dummy_hash", None)  # made again with the cheap hasher
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "state-test-key")
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()
    yield
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()
