"""The portal's home: the client's appointments and what they may do with each."""

import reflex as rx

from ...components.client_shell import client_page
from ...components.status_badge import status_badge
from ...state.portal import PortalHomeState, PortalState


def _action(label: str, icon: str, handler, item, **props) -> rx.Component:
    return rx.button(
        rx.icon(icon, size=16, aria_hidden="true"),
        label,
        on_click=handler(item["id"]),
        size="2",
        variant="soft",
        **props,
    )


def _upcoming_card(item) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(item["day"], weight="bold"),
                rx.spacer(),
                status_badge(item["status"], item["status_key"]),
                width="100%",
                align="center",
            ),
            rx.text(item["time"], " · ", item["kind"]),
            rx.flex(
                rx.cond(
                    item["can_confirm"] != "",
                    _action("Confirm", "check", PortalHomeState.confirm, item, color_scheme="green"),
                ),
                rx.cond(
                    item["can_reschedule"] != "",
                    _action("Reschedule", "calendar-clock", PortalHomeState.start_reschedule, item),
                ),
                rx.cond(
                    item["can_decline"] != "",
                    _action("Decline", "x", PortalHomeState.ask_decline, item, color_scheme="red"),
                ),
                rx.cond(
                    item["can_add_to_calendar"] != "",
                    _action(
                        "Add to calendar",
                        "calendar-arrow-down",
                        PortalHomeState.download_ics,
                        item,
                        color_scheme="gray",
                    ),
                ),
                wrap="wrap",
                gap="2",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="appointment",
        custom_attrs={"data-appointment-id": item["id"]},
    )


def _past_row(item) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(item["day"], size="2", weight="medium"),
            rx.text(item["time"], " · ", item["kind"], size="2", color_scheme="gray"),
            spacing="0",
        ),
        rx.spacer(),
        status_badge(item["status"], item["status_key"]),
        width="100%",
        align="center",
        padding_y="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _decline_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Decline this appointment?"),
            rx.alert_dialog.description(PortalHomeState.decline_label),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Keep it", variant="soft", color_scheme="gray", on_click=PortalHomeState.cancel_decline)
                ),
                rx.alert_dialog.action(
                    rx.button("Yes, decline", color_scheme="red", on_click=PortalHomeState.decline_pending)
                ),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
        ),
        open=PortalHomeState.pending_decline != "",
    )


def _blocked() -> rx.Component:
    return rx.cond(
        PortalHomeState.blocked_message != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("clock-alert")),
            rx.callout.text(PortalHomeState.blocked_message, id="reschedule-blocked"),
            rx.button("OK", size="1", variant="soft", on_click=PortalHomeState.close_blocked, margin_left="auto"),
            color_scheme="amber",
            role="alert",
            width="100%",
        ),
    )


@client_page("/portal", "Welcome", on_load=[PortalHomeState.load])
def portal_home() -> rx.Component:
    return rx.vstack(
        rx.cond(PortalState.first_name != "", rx.text("Hello, ", PortalState.first_name, ".", size="4")),
        rx.cond(
            PortalHomeState.notice != "", rx.callout(PortalHomeState.notice, icon="info", role="status", width="100%")
        ),
        _blocked(),
        rx.cond(
            PortalState.features["make_appointment"],
            rx.link(
                rx.button(rx.icon("calendar-plus", aria_hidden="true"), "Make Appointment", size="3", width="100%"),
                href="/portal/book",
                width="100%",
            ),
        ),
        rx.heading("Upcoming appointments", as_="h2", size="4", margin_top="0.5rem"),
        rx.cond(
            PortalHomeState.upcoming.length() > 0,
            rx.vstack(rx.foreach(PortalHomeState.upcoming, _upcoming_card), spacing="3", width="100%"),
            rx.text("You have no upcoming appointments.", color_scheme="gray"),
        ),
        rx.heading("Past appointments", as_="h2", size="4", margin_top="1rem"),
        rx.cond(
            PortalHomeState.past.length() > 0,
            rx.vstack(rx.foreach(PortalHomeState.past, _past_row), spacing="0", width="100%"),
            rx.text("No past appointments.", color_scheme="gray"),
        ),
        rx.text("Times are in ", PortalHomeState.zone_label, ".", size="1", color_scheme="gray"),
        _decline_dialog(),
        spacing="3",
        width="100%",
    )
