"""The counselor layout: sidebar navigation, practice name, user menu. Wraps every dashboard page."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from ..state.staff import StaffState

NAV = [
    ("Calendar", "/calendar", "calendar-days"),
    ("Clients", "/clients", "users"),
    ("Messages", "/messages", "message-square"),
    ("Assessments", "/assessments", "clipboard-list"),
    ("Dashboard", "/dashboard", "layout-dashboard"),
    ("Settings", "/settings", "settings"),
]


def _nav_link(label: str, href: str, icon: str) -> rx.Component:
    path = rx.State.router.url.path
    active = (path == href) | (path == href + "/")
    return rx.link(
        rx.hstack(rx.icon(icon, size=18, aria_hidden="true"), rx.text(label, size="3"), align="center", spacing="3"),
        href=href,
        underline="none",
        aria_current=rx.cond(active, "page", "false"),
        padding_x="0.75rem",
        padding_y="0.5rem",
        border_radius="8px",
        color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 12)),
        background=rx.cond(active, rx.color("accent", 3), "transparent"),
        _hover={"background": rx.color("accent", 3)},
        width="100%",
    )


def _user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("circle-user", size=18, aria_hidden="true"),
                rx.text(StaffState.user_name, trim="both"),
                rx.icon("chevron-down", size=14, aria_hidden="true"),
                variant="ghost",
                aria_label="User menu",
            )
        ),
        rx.menu.content(
            rx.box(
                rx.text(StaffState.user_role, size="1", color_scheme="gray"), padding_x="0.75rem", padding_y="0.25rem"
            ),
            rx.menu.separator(),
            rx.menu.item("Sign out", on_select=StaffState.sign_out),
        ),
    )


ADMIN_NAV = [("Outbox", "/outbox", "mail")]


def _sidebar() -> rx.Component:
    return rx.vstack(
        rx.heading(StaffState.practice_name, size="4", padding_x="0.75rem", padding_y="1rem"),
        rx.el.nav(
            rx.vstack(
                *[_nav_link(*item) for item in NAV],
                rx.cond(StaffState.user_role == "admin", rx.fragment(*[_nav_link(*item) for item in ADMIN_NAV])),
                spacing="1",
                width="100%",
            ),
            aria_label="Main",
            width="100%",
        ),
        rx.spacer(),
        _user_menu(),
        width="15rem",
        height="100vh",
        overflow_y="auto",
        padding="1rem",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        position="sticky",
        top="0",
        align="start",
    )


def _top_bar() -> rx.Component:
    """Narrow screens: the practice name, a menu button for the sections, and the user menu."""
    return rx.hstack(
        rx.menu.root(
            rx.menu.trigger(rx.icon_button(rx.icon("menu"), variant="ghost", aria_label="Sections")),
            rx.menu.content(
                *[rx.menu.item(label, on_select=rx.redirect(href)) for label, href, _ in NAV],
                rx.cond(
                    StaffState.user_role == "admin",
                    rx.fragment(*[rx.menu.item(label, on_select=rx.redirect(href)) for label, href, _ in ADMIN_NAV]),
                ),
            ),
        ),
        rx.heading(StaffState.practice_name, size="3", trim="both"),
        rx.spacer(),
        _user_menu(),
        width="100%",
        padding="0.5rem 0.75rem",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        align="center",
    )


def _checking() -> rx.Component:
    return rx.center(rx.hstack(rx.spinner(), rx.text("Checking your sign-in…")), min_height="60vh", width="100%")


def counselor_shell(title: str, content: rx.Component) -> rx.Component:
    body = rx.box(
        rx.heading(title, size="6", as_="h1", margin_bottom="1rem"),
        content,
        padding=["1rem", "1rem", "1.5rem 2rem"],
        width="100%",
        max_width="72rem",
    )
    return rx.cond(
        StaffState.signed_in,
        rx.hstack(
            rx.desktop_only(_sidebar()),
            rx.vstack(
                rx.mobile_and_tablet(_top_bar(), width="100%"),
                rx.el.main(body, width="100%"),
                spacing="0",
                width="100%",
            ),
            spacing="0",
            align="start",
            width="100%",
        ),
        _checking(),
    )


def counselor_page(route: str, title: str, on_load: list | None = None) -> Callable:
    """Register a dashboard page: shell, title and the sign-in guard, which runs before the page's own loaders."""

    def decorator(page: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def wrapped() -> rx.Component:
            return counselor_shell(title, page())

        wrapped.__name__ = page.__name__
        return rx.page(
            route=route, title=f"{title} · Therapy Portal", on_load=[StaffState.guard_page, *(on_load or [])]
        )(wrapped)

    return decorator


def not_built_yet(what: str) -> rx.Component:
    return rx.callout(
        f"{what} is not built yet. It is planned; nothing on this page is live.",
        icon="construction",
        color_scheme="gray",
    )
