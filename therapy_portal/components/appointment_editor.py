"""The dialog for adding, moving, re-typing and cancelling an appointment."""

from __future__ import annotations

import reflex as rx

from ..services.agenda import KIND_LABELS
from ..state.calendar import LENGTHS
from ..state.calendar import CalendarState as C
from .settings_fields import SELECT_STYLE


def _labelled(label: str, id_: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.el.label(label, html_for=id_, style={"font_weight": "500"}), control, spacing="1", width="100%")


def _select(id_: str, field: str, options) -> rx.Component:
    return rx.el.select(
        options, id=id_, value=C.editor[field], on_change=lambda v: C.set_editor(field, v), style=SELECT_STYLE
    )


def appointment_editor() -> rx.Component:
    client_field = rx.cond(
        C.editor_id == 0,
        _labelled(
            "Client",
            "appt-client",
            _select(
                "appt-client",
                "client_id",
                rx.foreach(C.client_options, lambda c: rx.el.option(c["name"], value=c["id"])),
            ),
        ),
        rx.text("Client: ", rx.text.span(C.editor_client_name, weight="bold")),
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(C.editor_id == 0, "New appointment", "Edit appointment")),
            rx.dialog.description("Times are in the practice's time zone.", size="2", color_scheme="gray"),
            rx.box(
                rx.vstack(
                    client_field,
                    rx.grid(
                        _labelled(
                            "Date",
                            "appt-date",
                            rx.input(
                                id="appt-date",
                                type="date",
                                value=C.editor["date"],
                                on_change=lambda v: C.set_editor("date", v),
                            ),
                        ),
                        _labelled(
                            "Start time",
                            "appt-time",
                            rx.input(
                                id="appt-time",
                                type="time",
                                step=300,
                                value=C.editor["time"],
                                on_change=lambda v: C.set_editor("time", v),
                            ),
                        ),
                        _labelled(
                            "Length",
                            "appt-minutes",
                            _select(
                                "appt-minutes", "minutes", [rx.el.option(f"{m} minutes", value=m) for m in LENGTHS]
                            ),
                        ),
                        _labelled(
                            "Type",
                            "appt-kind",
                            _select(
                                "appt-kind", "kind", [rx.el.option(label, value=k) for k, label in KIND_LABELS.items()]
                            ),
                        ),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        gap="0.75rem",
                        width="100%",
                    ),
                    rx.cond(
                        C.editor_id != 0,
                        _labelled(
                            "Status",
                            "appt-status",
                            _select(
                                "appt-status",
                                "status",
                                rx.foreach(C.status_options, lambda o: rx.el.option(o["label"], value=o["value"])),
                            ),
                        ),
                    ),
                    rx.cond(
                        C.editor_error != "",
                        rx.callout(
                            C.editor_error, icon="triangle-alert", color_scheme="red", role="alert", width="100%"
                        ),
                    ),
                    rx.flex(
                        rx.cond(
                            C.editor_id != 0,
                            rx.button(
                                "Cancel appointment",
                                type="button",
                                color_scheme="red",
                                variant="soft",
                                on_click=C.cancel_appointment,
                            ),
                        ),
                        rx.spacer(),
                        rx.dialog.close(rx.button("Close", type="button", variant="soft", color_scheme="gray")),
                        rx.button("Save", on_click=C.save_editor),
                        gap="0.5rem",
                        width="100%",
                        wrap="wrap",
                    ),
                    spacing="3",
                    width="100%",
                ),
            ),
            max_width="32rem",
        ),
        open=C.editor_open,
        on_open_change=C.close_editor,
    )
