"""Outbox (admins): what the practice has sent or will send, and why a message failed."""

import reflex as rx

from ...components.counselor_shell import counselor_page
from ...components.settings_fields import SELECT_STYLE
from ...state.outbox import FILTERS
from ...state.outbox import OutboxState as S

STATUS_COLORS = {"pending": "amber", "sending": "blue", "sent": "green", "failed": "red"}


def _status(row) -> rx.Component:
    return rx.match(
        row["status"], *[(k, rx.badge(k, color_scheme=c)) for k, c in STATUS_COLORS.items()], rx.badge(row["status"])
    )


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["created"]),
        rx.table.cell(row["channel"], " · ", row["kind"]),
        rx.table.cell(row["recipient"]),
        rx.table.cell(
            rx.button(
                rx.cond(row["subject"] != "", row["subject"], "(text message)"),
                on_click=S.open_message(row["id"]),
                variant="ghost",
                size="1",
            )
        ),
        rx.table.cell(_status(row), rx.cond(row["error"] != "", rx.text(row["error"], size="1", color_scheme="red"))),
        rx.table.cell(row["attempts"]),
        rx.table.cell(
            rx.cond(
                row["status"] == "failed",
                rx.button("Retry", size="1", on_click=S.retry(row["id"]), aria_label="Retry message " + row["id"]),
            )
        ),
    )


@counselor_page("/outbox", "Outbox", on_load=[S.load])
def outbox_page() -> rx.Component:
    return rx.cond(
        ~S.allowed,
        rx.callout("The Outbox is for practice admins.", icon="lock", color_scheme="red"),
        rx.vstack(
            rx.hstack(
                rx.el.label("Show", html_for="outbox-filter", style={"font_weight": "500"}),
                rx.el.select(
                    *[rx.el.option(f.title(), value=f) for f in FILTERS],
                    id="outbox-filter",
                    value=S.status_filter,
                    on_change=S.set_filter,
                    style={**SELECT_STYLE, "width": "12rem"},
                ),
                rx.text(S.total, " messages", size="2", color_scheme="gray"),
                align="center",
                spacing="3",
            ),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(h)
                                for h in ("Queued", "Type", "To", "Subject", "Status", "Attempts", "")
                            ]
                        )
                    ),
                    rx.table.body(rx.foreach(S.rows, _row)),
                    variant="surface",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.dialog.root(
                rx.dialog.content(
                    rx.dialog.title(S.view["subject"]),
                    rx.text("To: ", S.view["recipient"], size="2", color_scheme="gray"),
                    rx.box(
                        rx.text(S.view["body"], white_space="pre-wrap", size="2"),
                        max_height="60vh",
                        overflow_y="auto",
                        margin_y="1rem",
                    ),
                    rx.dialog.close(rx.button("Close", variant="soft")),
                    max_width="40rem",
                ),
                open=S.viewing,
                on_open_change=S.close_message,
            ),
            spacing="3",
            width="100%",
        ),
    )
