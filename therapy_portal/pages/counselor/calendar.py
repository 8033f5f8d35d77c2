"""Calendar (SPEC 1.1): whose calendar, which days, and the appointments on them."""

import reflex as rx

from ...components.appointment_editor import appointment_editor
from ...components.calendar_grid import calendar_grid
from ...components.counselor_shell import counselor_page
from ...components.settings_fields import SELECT_STYLE
from ...services.calendar_view import VIEWS
from ...state.calendar import CalendarState as C


def _view_button(view: str) -> rx.Component:
    pressed = C.view == view
    return rx.button(
        view,
        on_click=C.set_view(view),
        variant=rx.cond(pressed, "solid", "outline"),
        aria_pressed=rx.cond(pressed, "true", "false"),
        size="2",
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.el.label("Counselor", html_for="counselor", style={"font_weight": "500", "font_size": "0.85rem"}),
            rx.el.select(
                rx.foreach(C.counselors, lambda c: rx.el.option(c["name"], value=c["id"])),
                id="counselor",
                value=C.counselor_id,
                on_change=C.choose_counselor,
                style={**SELECT_STYLE, "min_width": "14rem"},
            ),
            spacing="1",
        ),
        rx.cond(
            C.can_edit_settings,
            rx.link(
                rx.button("Portal Settings", variant="soft", size="2"),
                href="/calendar/portal-settings?counselor=" + C.counselor_id,
            ),
        ),
        rx.hstack(*[_view_button(v) for v in VIEWS], spacing="1", role="group", aria_label="View"),
        rx.hstack(
            rx.icon_button(rx.icon("chevron-left"), on_click=C.step(-1), variant="soft", aria_label="Previous"),
            rx.button("Today", on_click=C.go_today, variant="soft"),
            rx.icon_button(rx.icon("chevron-right"), on_click=C.step(1), variant="soft", aria_label="Next"),
            spacing="1",
        ),
        gap="0.75rem 1rem",
        wrap="wrap",
        align="end",
        width="100%",
    )


@counselor_page("/calendar", "Calendar", on_load=[C.load])
def calendar_page() -> rx.Component:
    return rx.vstack(
        _toolbar(),
        rx.heading(C.title, as_="h2", size="4", id="calendar-title"),
        rx.cond(C.notice != "", rx.callout(C.notice, icon="info", role="status", width="100%")),
        calendar_grid(),
        appointment_editor(),
        spacing="3",
        width="100%",
    )
