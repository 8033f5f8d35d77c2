"""A client's page: Details and the "Client Portal / My Therapist" tab."""

import reflex as rx

from ...components.counselor_shell import counselor_page
from ...components.form_field import client_fields
from ...state.client_record import ClientRecordState as S

DETAIL_LABELS = [("date_of_birth", "Date of birth"), ("email", "Email"), ("mobile", "Mobile"), ("address", "Address")]


def _details() -> rx.Component:
    view = rx.vstack(
        rx.data_list.root(
            *[
                rx.data_list.item(
                    rx.data_list.label(label), rx.data_list.value(rx.cond(S.details[key] != "", S.details[key], "—"))
                )
                for key, label in DETAIL_LABELS
            ],
            rx.data_list.item(rx.data_list.label("Counselor"), rx.data_list.value(S.counselor)),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        ),
        rx.button("Edit details", on_click=S.start_edit, variant="soft"),
        spacing="3",
    )
    edit = rx.vstack(
        rx.grid(
            *client_fields(S.form, S.errors, S.set_field),
            columns=rx.breakpoints(initial="1", sm="2"),
            gap="0.75rem",
            width="100%",
        ),
        rx.cond(S.errors.contains("form"), rx.text(S.errors["form"], color_scheme="red", role="alert")),
        rx.hstack(
            rx.button("Save", on_click=S.save_edit),
            rx.button("Cancel", on_click=S.cancel_edit, variant="soft", color_scheme="gray"),
        ),
        spacing="3",
        width="100%",
    )
    return rx.vstack(
        rx.cond(S.notice != "", rx.callout(S.notice, icon="circle-check", color_scheme="green", role="status")),
        rx.cond(S.editing, edit, view),
        spacing="3",
        width="100%",
    )


def _on_file(label: str, present) -> rx.Component:
    return rx.hstack(
        rx.cond(
            present,
            rx.icon("circle-check", color=rx.color("green", 9), aria_hidden="true"),
            rx.icon("circle-x", color=rx.color("red", 9), aria_hidden="true"),
        ),
        rx.text(label, ": ", rx.cond(present, "on file", "missing")),
        align="center",
    )


def _portal() -> rx.Component:
    return rx.vstack(
        rx.card(
            rx.heading("Contact details on file", as_="h3", size="3", margin_bottom="0.5rem"),
            _on_file("Email", S.has_email),
            _on_file("Mobile number", S.has_mobile),
            rx.cond(
                ~S.has_email,
                rx.text(
                    "Add an email address on the Details tab to send the invitation.", size="2", color_scheme="gray"
                ),
            ),
            width="100%",
        ),
        rx.card(
            rx.heading("Client PIN", as_="h3", size="3", margin_bottom="0.5rem"),
            rx.text(S.pin_status, size="2", color_scheme="gray"),
            rx.cond(
                S.locked_status != "",
                rx.callout.root(
                    rx.callout.icon(rx.icon("lock")),
                    rx.callout.text(S.locked_status, id="portal-locked"),
                    rx.button("Unlock", on_click=S.unlock, size="2", color_scheme="amber", id="portal-unlock"),
                    color_scheme="amber",
                    margin_top="0.5rem",
                ),
            ),
            rx.vstack(
                rx.el.label("New PIN (4 to 8 digits)", html_for="client-pin", style={"font_weight": "500"}),
                rx.hstack(
                    rx.input(
                        id="client-pin",
                        value=S.pin_input,
                        on_change=S.set_pin_input,
                        input_mode="numeric",
                        auto_complete="off",
                        aria_describedby="client-pin-error",
                        aria_invalid=rx.cond(S.pin_error != "", "true", "false"),
                        max_length=12,
                        width="10rem",
                        size="3",
                    ),
                    rx.button("Save PIN", on_click=S.save_pin, variant="soft", size="3"),
                    rx.button("Generate", on_click=S.generate_pin, variant="outline", size="3"),
                    wrap="wrap",
                ),
                rx.cond(
                    S.pin_error != "",
                    rx.text(S.pin_error, id="client-pin-error", color_scheme="red", size="2", role="alert"),
                ),
                spacing="1",
                margin_top="0.5rem",
            ),
            rx.cond(
                S.pin_notice != "",
                rx.callout(S.pin_notice, icon="key-round", color_scheme="green", role="status", margin_top="0.75rem"),
            ),
            width="100%",
        ),
        rx.card(
            rx.heading("Invitation", as_="h3", size="3", margin_bottom="0.5rem"),
            rx.text(S.invitation_status, size="2"),
            rx.text(
                "Send emails the client portal invitation with the PIN you just set.", size="2", color_scheme="gray"
            ),
            rx.button(rx.icon("send", size=16), "Send", on_click=S.send_invitation, margin_top="0.5rem"),
            rx.cond(
                S.portal_error != "",
                rx.callout(
                    S.portal_error, icon="triangle-alert", color_scheme="red", role="alert", margin_top="0.75rem"
                ),
            ),
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


@counselor_page("/clients/[client_id]", "Client", on_load=[S.load])
def client_record_page() -> rx.Component:
    return rx.cond(
        S.missing,
        rx.callout("That client was not found.", icon="search-x", color_scheme="red"),
        rx.vstack(
            rx.hstack(
                rx.heading(S.name, as_="h2", size="5"),
                rx.cond(
                    S.is_own,
                    rx.link(
                        rx.button(
                            rx.icon("message-square", size=16, aria_hidden="true"),
                            "Messages & documents",
                            variant="soft",
                        ),
                        href="/messages?client=" + S.client_id.to_string(),
                    ),
                ),
                align="center",
                wrap="wrap",
                gap="3",
            ),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("Details", value="details"),
                    rx.tabs.trigger("Client Portal / My Therapist", value="portal"),
                ),
                rx.tabs.content(_details(), value="details", padding_top="1rem"),
                rx.tabs.content(_portal(), value="portal", padding_top="1rem"),
                value=S.tab,
                on_change=S.set_tab,
                width="100%",
            ),
            rx.link("← All clients", href="/clients"),
            spacing="3",
            width="100%",
        ),
    )
