"""Make Appointment: choose a day, then a free time, then in person or online; also used to reschedule."""

import reflex as rx

from ...components.client_shell import client_page
from ...state.portal import BookState, PortalState


def _day_button(day) -> rx.Component:
    chosen = BookState.day == day["date"]
    return rx.button(
        day["label"],
        on_click=BookState.choose_day(day["date"]),
        variant=rx.cond(chosen, "solid", "outline"),
        aria_pressed=rx.cond(chosen, "true", "false"),
        size="2",
        class_name="day-option",
        custom_attrs={"data-date": day["date"]},
    )


def _slot_button(slot) -> rx.Component:
    chosen = BookState.slot == slot["start"]
    return rx.button(
        slot["label"],
        on_click=BookState.choose_slot(slot["start"]),
        variant=rx.cond(chosen, "solid", "outline"),
        aria_pressed=rx.cond(chosen, "true", "false"),
        size="2",
        class_name="slot-option",
    )


def _kind_choice() -> rx.Component:
    return rx.cond(
        PortalState.features["online_appointment"] & (BookState.reschedule_id == 0),
        rx.vstack(
            rx.text("How would you like to meet?", weight="medium", id="kind-label"),
            rx.radio_group.root(
                rx.radio_group.item("In person", value="in_person"),
                rx.radio_group.item("Online video", value="online"),
                value=BookState.kind,
                on_change=BookState.set_kind,
                aria_labelledby="kind-label",
                direction="column",
                spacing="2",
            ),
            spacing="2",
        ),
    )


def _chooser() -> rx.Component:
    return rx.vstack(
        rx.cond(
            BookState.notification_message != "",
            rx.callout(BookState.notification_message, icon="info", width="100%", id="client-notification-message"),
        ),
        rx.cond(BookState.rules_text != "", rx.text(BookState.rules_text, size="2", color_scheme="gray")),
        rx.heading("1. Choose a day", as_="h2", size="3"),
        rx.cond(
            BookState.days.length() > 0,
            rx.flex(
                rx.foreach(BookState.days, _day_button),
                wrap="wrap",
                gap="2",
                role="group",
                aria_label="Days with free times",
            ),
            rx.text("There are no free times in the booking window. Please contact the office.", color_scheme="gray"),
        ),
        rx.cond(
            BookState.day != "",
            rx.vstack(
                rx.heading("2. Choose a time on ", BookState.day_label, as_="h2", size="3"),
                rx.cond(
                    BookState.slots.length() > 0,
                    rx.flex(
                        rx.foreach(BookState.slots, _slot_button),
                        wrap="wrap",
                        gap="2",
                        role="group",
                        aria_label="Free times",
                    ),
                    rx.text("No free times left on this day. Choose another day.", color_scheme="gray"),
                ),
                spacing="2",
                width="100%",
            ),
        ),
        rx.cond(
            BookState.slot != "",
            rx.vstack(
                _kind_choice(),
                rx.button(
                    rx.cond(BookState.reschedule_id != 0, "Move my appointment to ", "Book "),
                    BookState.day_label,
                    " at ",
                    BookState.slot_label,
                    on_click=BookState.submit,
                    size="3",
                    width="100%",
                    id="book-submit",
                ),
                spacing="3",
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


@client_page("/portal/book", "Make Appointment", on_load=[BookState.load])
def portal_book() -> rx.Component:
    return rx.vstack(
        rx.cond(BookState.reschedule_id != 0, rx.text("Choose a new time for your appointment.", size="3")),
        rx.cond(
            BookState.error != "",
            rx.callout(
                BookState.error, icon="triangle-alert", color_scheme="red", role="alert", width="100%", id="book-error"
            ),
        ),
        rx.cond(
            BookState.done != "",
            rx.vstack(
                rx.callout(
                    BookState.done,
                    icon="circle-check",
                    color_scheme="green",
                    role="status",
                    width="100%",
                    id="book-done",
                ),
                rx.link("Back to my appointments", href="/portal"),
                spacing="3",
                width="100%",
            ),
            rx.cond(BookState.ready, _chooser()),
        ),
        spacing="3",
        width="100%",
    )
