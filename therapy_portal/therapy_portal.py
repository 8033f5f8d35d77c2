"""The Reflex app: the page modules register themselves; the API routes sit beside them."""

import reflex as rx

from . import pages  # noqa: F401
from .api import build_api
from .http_headers import security_headers
from .pages import client, counselor  # noqa: F401
from .session_cookie import digest_session_cookie
from .upload_limit import limit_upload_size
from .worker import outbox_worker


@rx.page(route="/", title="Therapy Portal", on_load=rx.redirect("/login"))
def index() -> rx.Component:
    return rx.center(rx.link("Sign in", href="/login"), min_height="100vh")


app = rx.App(
    api_transformer=[build_api(), digest_session_cookie, limit_upload_size, security_headers],
    # A page restored from the back/forward cache would skip its sign-in check: load it afresh.
    head_components=[rx.script("window.addEventListener('pageshow', e => { if (e.persisted) location.reload(); });")],
)

app.register_lifespan_task(outbox_worker)
