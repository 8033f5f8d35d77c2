"""The calendar grid: a time column, one column per day, empty rows to click, appointment cards on top."""

from __future__ import annotations

import reflex as rx

from ..services.calendar_view import ROW_PX
from ..state.calendar import CalendarState as C
from .status_badge import STATUS_COLORS

TIME_COL = "4.5rem"
DAY_MIN = "7.5rem"


def _status_color(key) -> rx.Var:
    return rx.match(key, *[(k, rx.color(c, 9)) for k, c in STATUS_COLORS.items()], rx.color("gray", 9))


def _card_body(card, large: bool = False) -> rx.Component:
    size = "3" if large else "1"
    return rx.vstack(
        rx.text(card["client"], weight="bold", size=size, trim="both"),
        rx.text(card["outside"], card["time"], size=size),
        rx.text(card["kind"], " · ", card["status"], size=size, color_scheme="gray"),
        spacing="0",
        align="start",
        overflow="hidden",
    )


def _card(card) -> rx.Component:
    button = rx.el.button(
        _card_body(card),
        on_click=C.open_card(card["id"]),
        aria_label="Appointment: " + card["client"] + ", " + card["time"] + ", " + card["kind"] + ", " + card["status"],
        data_status=card["status_key"],
        style={
            "width": "100%",
            "height": "100%",
            "text_align": "left",
            "padding": "2px 6px",
            "border_radius": "6px",
            "border": f"1px solid {rx.color('gray', 6)}",
            "border_left": "4px solid",
            "border_left_color": _status_color(card["status_key"]),
            "background": rx.color("gray", 1),
            "box_shadow": "0 1px 2px rgba(0,0,0,0.08)",
            "overflow": "hidden",
            "cursor": "pointer",
            "font": "inherit",
            "color": "inherit",
        },
    )
    # The wrapper carries the position, so a tooltip anchors to the card itself.
    return rx.box(
        rx.cond(
            C.display_tooltip,
            rx.hover_card.root(
                rx.hover_card.trigger(button),
                rx.hover_card.content(
                    rx.vstack(
                        _card_body(card, large=True), rx.text(card["date"], size="2", color_scheme="gray"), spacing="1"
                    ),
                    role="tooltip",
                    max_width="20rem",
                    side="right",
                ),
                open_delay=150,
            ),
            button,
        ),
        position="absolute",
        top=card["top"],
        height=card["height"],
        left=rx.cond(card["active"] == "1", "2px", "55%"),
        right="2px",
        opacity=rx.cond(card["active"] == "1", "1", "0.6"),
        z_index="2",
    )


def _empty_cell(day, row) -> rx.Component:
    return rx.el.button(
        on_click=C.new_at(day["key"], row["time"]),
        aria_label="New appointment " + day["long"] + " at " + row["label"],
        title="New appointment at " + row["label"],
        style={
            "display": "block",
            "width": "100%",
            "height": f"{ROW_PX}px",
            "border": "none",
            "border_bottom": f"1px solid {rx.color('gray', 4)}",
            "background": "transparent",
            "cursor": "pointer",
            "padding": 0,
        },
        _hover={"background": rx.color("accent", 3)},
    )


def _day_column(day) -> rx.Component:
    background = rx.cond(C.odd_even_colors & (day["odd"] == "1"), rx.color("accent", 2), rx.color("gray", 1))
    return rx.box(
        rx.box(
            rx.text(day["label"], weight=rx.cond(day["today"] == "1", "bold", "regular")),
            data_today=day["today"],
            text_align="center",
            padding_y="0.4rem",
            border_bottom=f"1px solid {rx.color('gray', 6)}",
            background=rx.cond(day["today"] == "1", rx.color("accent", 4), "transparent"),
            height="2.25rem",
        ),
        rx.box(
            rx.foreach(C.rows, lambda row: _empty_cell(day, row)),
            rx.foreach(C.cards, lambda card: rx.cond(card["day"] == day["key"], _card(card))),
            position="relative",
        ),
        data_day=day["key"],
        data_odd=day["odd"],
        background=background,
        border_left=f"1px solid {rx.color('gray', 5)}",
        flex="1",
        min_width=DAY_MIN,
        role="group",
        aria_label=day["long"],
    )


def _time_column() -> rx.Component:
    return rx.box(
        rx.box(height="2.25rem", border_bottom=f"1px solid {rx.color('gray', 6)}"),
        rx.foreach(
            C.rows,
            lambda row: rx.box(
                rx.text(row["label"], size="1", color_scheme="gray"),
                height=f"{ROW_PX}px",
                padding_right="0.4rem",
                text_align="right",
                border_bottom=f"1px solid {rx.color('gray', 4)}",
                data_row=row["time"],
            ),
        ),
        width=TIME_COL,
        min_width=TIME_COL,
        position="sticky",
        left="0",
        background=rx.color("gray", 2),
        z_index="3",
    )


def calendar_grid() -> rx.Component:
    return rx.box(
        rx.flex(_time_column(), rx.foreach(C.days, _day_column), width="100%"),
        overflow_x="auto",
        border=f"1px solid {rx.color('gray', 6)}",
        border_radius="8px",
        width="100%",
        role="region",
        aria_label="Calendar",
        tab_index=0,
    )
