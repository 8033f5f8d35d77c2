"""The client portal layout: mobile first, a header with the practice name and a bottom navigation bar."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

TABS = [
    ("Home", "/portal", "house"),
    ("Book", "/portal/book", "calendar-plus"),
    ("Messages", "/portal/messages", "message-square"),
    ("Documents", "/portal/documents", "file-text"),
    ("More", "/portal/more", "ellipsis"),
]


def _tab(label: str, href: str, icon: str) -> rx.Component:
    path = rx.State.router.url.path
    active = (path == href) | (path == href + "/")
    return rx.link(
        rx.vstack(rx.icon(icon, size=22, aria_hidden="true"), rx.text(label, size="1"), align="center", spacing="1"),
        href=href,
        underline="none",
        aria_current=rx.cond(active, "page", "false"),
        color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 11)),
        flex="1",
        padding_y="0.5rem",
        min_height="3.25rem",
        text_align="center",
    )


def client_shell(title: str, content: rx.Component) -> rx.Component:
    return rx.box(
        rx.el.header(
            rx.hstack(
                rx.icon("heart-handshake", aria_hidden="true"), rx.heading("Client Portal", size="4"), align="center"
            ),
            padding="0.75rem 1rem",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
            background=rx.color("accent", 2),
        ),
        rx.el.main(
            rx.heading(title, size="6", as_="h1", margin_bottom="1rem"),
            content,
            padding="1rem",
            padding_bottom="5.5rem",
            max_width="40rem",
            margin_x="auto",
        ),
        rx.el.nav(
            rx.hstack(*[_tab(*t) for t in TABS], spacing="0", width="100%", max_width="40rem", margin_x="auto"),
            aria_label="Portal",
            position="fixed",
            bottom="0",
            left="0",
            right="0",
            background=rx.color("gray", 1),
            border_top=f"1px solid {rx.color('gray', 5)}",
            padding_bottom="env(safe-area-inset-bottom)",
        ),
        min_height="100vh",
    )


def client_page(route: str, title: str, on_load: list | None = None) -> Callable:
    def decorator(page: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def wrapped() -> rx.Component:
            return client_shell(title, page())

        wrapped.__name__ = page.__name__
        return rx.page(route=route, title=f"{title} · Client Portal", on_load=on_load or [])(wrapped)

    return decorator
