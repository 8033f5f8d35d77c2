"""The Reflex app: the page modules register themselves; the API routes sit beside them."""

import reflex as rx

from . import pages  # noqa: F401
from .api import build_api
from .pages import client, counselor  # noqa: F401


@rx.page(route="/", title="Therapy Portal", on_load=rx.redirect("/login"))
def index() -> rx.Component:
    return rx.center(rx.link("Sign in", href="/login"), min_height="100vh")


app = rx.App(
    api_transformer=build_api(),
)
