"""The client portal layout: mobile first, a header with the practice name and a bottom navigation bar.

Tabs for features the counselor has turned off are not shown (the server refuses them as well).
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from ..state.portal import PortalState

# label, address, icon, the Portal Setting that must be on ("" = always shown)
TABS = [
    ("Home", "/portal", "house", ""),
    ("Book", "/portal/book", "calendar-plus", "make_appointment"),
    ("Messages", "/portal/messages", "message-square", "messages"),
    ("Documents", "/portal/documents", "file-text", "documents"),
    ("More", "/portal/more", "ellipsis", ""),
]


def _tab(label: str, href: str, icon: str, feature: str) -> rx.Component:
    path = rx.State.router.url.path
    active = (path == href) | (path == href + "/")
    link = rx.link(
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
    return rx.cond(PortalState.features[feature], link) if feature else link


def client_shell(title: str, content: rx.Component) -> rx.Component:
    return rx.box(
        rx.el.header(
            rx.hstack(
                rx.icon("heart-handshake", aria_hidden="true"),
                rx.heading(
                    rx.cond(PortalState.practice_name != "", PortalState.practice_name, "Client Portal"),
                    size="4",
                    as_="p",
                ),
                rx.spacer(),
                rx.cond(
                    PortalState.signed_in,
                    rx.button(
                        "Sign out", on_click=PortalState.sign_out, variant="soft", size="2", id="portal-sign-out"
                    ),
                ),
                align="center",
                max_width="40rem",
                margin_x="auto",
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
    """A signed-in portal page: the server checks the client's session before anything else loads."""

    def decorator(page: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def wrapped() -> rx.Component:
            return client_shell(title, page())

        wrapped.__name__ = page.__name__
        return rx.page(
            route=route, title=f"{title} · Client Portal", on_load=[PortalState.guard_page, *(on_load or [])]
        )(wrapped)

    return decorator
