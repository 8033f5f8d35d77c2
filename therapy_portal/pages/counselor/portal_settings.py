"""Portal Settings (SPEC 1.2), every item of the seed in its order, grouped under headings."""

import reflex as rx

from ...components.counselor_shell import counselor_page
from ...components.settings_fields import field
from ...services.portal_settings import GROUPS
from ...state.portal_settings import PortalSettingsState as S


def _group(title: str, specs) -> rx.Component:
    return rx.card(
        rx.heading(title, as_="h2", size="4", margin_bottom="0.75rem"),
        rx.grid(
            *[field(spec) for spec in specs], columns=rx.breakpoints(initial="1", md="2"), gap="1.25rem", width="100%"
        ),
        width="100%",
    )


def _status() -> rx.Component:
    return rx.cond(
        S.status != "",
        rx.callout(
            S.status,
            icon=rx.cond(S.errors.length() > 0, "triangle-alert", "circle-check"),
            color_scheme=rx.cond(S.errors.length() > 0, "red", "green"),
            role="status",
            width="100%",
        ),
    )


@counselor_page("/calendar/portal-settings", "Portal Settings", on_load=[S.load])
def portal_settings_page() -> rx.Component:
    return rx.cond(
        S.problem != "",
        rx.callout(S.problem, icon="lock", color_scheme="red"),
        rx.cond(
            S.counselor_id > 0,
            rx.el.section(
                rx.vstack(
                    rx.hstack(
                        rx.text("Settings for ", rx.text.span(S.counselor_name, weight="bold")),
                        rx.spacer(),
                        rx.link("Back to calendar", href="/calendar"),
                        width="100%",
                        wrap="wrap",
                    ),
                    *[_group(title, specs) for title, specs in GROUPS],
                    _status(),
                    rx.button("Save", on_click=S.save, size="3"),
                    spacing="4",
                    width="100%",
                ),
                aria_label="Portal Settings",
            ),
            rx.spinner(),
        ),
    )
