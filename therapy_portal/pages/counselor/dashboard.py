"""Dashboard: today at a glance."""

import reflex as rx

from ...components.counselor_shell import counselor_page
from ...components.status_badge import status_badge
from ...state.dashboard import DashboardState


def _card(row) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(row["time"], weight="bold"),
                rx.text(row["client"]),
                rx.text(row["counselor"], " · ", row["kind"], size="2", color_scheme="gray"),
                spacing="1",
            ),
            rx.spacer(),
            status_badge(row["status"], row["status_key"]),
            align="start",
            width="100%",
        ),
        width="100%",
    )


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["time"]),
        rx.table.cell(row["client"]),
        rx.table.cell(row["counselor"]),
        rx.table.cell(row["kind"]),
        rx.table.cell(status_badge(row["status"], row["status_key"])),
    )


@counselor_page("/dashboard", "Dashboard", on_load=[DashboardState.load])
def dashboard() -> rx.Component:
    return rx.vstack(
        rx.heading(rx.text.span("Today at "), DashboardState.practice_name, size="4", as_="h2"),
        rx.text(DashboardState.day_label, color_scheme="gray"),
        rx.foreach(
            DashboardState.alarms,
            lambda alarm: rx.callout(
                alarm, icon="shield-alert", color_scheme="red", role="alert", width="100%", class_name="security-alarm"
            ),
        ),
        rx.cond(
            DashboardState.rows.length() > 0,
            rx.box(
                rx.desktop_only(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                *[
                                    rx.table.column_header_cell(h)
                                    for h in ("Time", "Client", "Counselor", "Type", "Status")
                                ]
                            )
                        ),
                        rx.table.body(rx.foreach(DashboardState.rows, _row)),
                        variant="surface",
                        width="100%",
                    )
                ),
                rx.mobile_and_tablet(rx.vstack(rx.foreach(DashboardState.rows, _card), spacing="2", width="100%")),
                width="100%",
            ),
            rx.cond(DashboardState.loaded, rx.text("No appointments today.")),
        ),
        rx.callout(
            "Notifications (check-ins, requests, messages, consent due) will be listed here in a later release.",
            icon="info",
            color_scheme="gray",
        ),
        spacing="3",
        width="100%",
    )
