"""Client portal sign-in: last name, date of birth and PIN."""

import reflex as rx

from ...state.portal import PortalLoginState


def _field(label: str, id_: str, hint: str = "", **props) -> rx.Component:
    described = {"aria_describedby": f"{id_}-hint"} if hint else {}
    return rx.vstack(
        rx.el.label(label, html_for=id_, font_weight="500"),
        rx.input(id=id_, name=id_, required=True, width="100%", size="3", **described, **props),
        rx.text(hint, id=f"{id_}-hint", size="1", color_scheme="gray") if hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


@rx.page(route="/portal/login", title="Sign in · Client Portal", on_load=PortalLoginState.on_open)
def portal_login() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.hstack(
                        rx.icon("heart-handshake", aria_hidden="true"),
                        rx.text("Client Portal", weight="medium"),
                        align="center",
                    ),
                    rx.heading("Sign in", as_="h1", size="6"),
                    rx.text("Use the PIN your counselor gave you.", color_scheme="gray"),
                    rx.cond(
                        PortalLoginState.notice != "", rx.callout(PortalLoginState.notice, icon="info", width="100%")
                    ),
                    _field("Last name", "last_name", auto_complete="family-name", max_length=100),
                    _field(
                        "Date of birth",
                        "date_of_birth",
                        "MM/DD/YYYY, for example 03/14/1985",
                        input_mode="numeric",
                        auto_complete="bday",
                        placeholder="MM/DD/YYYY",
                        max_length=10,
                    ),
                    _field(
                        "PIN",
                        "pin",
                        "4 to 8 digits",
                        type="password",
                        input_mode="numeric",
                        auto_complete="current-password",
                        max_length=8,
                    ),
                    rx.cond(
                        PortalLoginState.error != "",
                        rx.text(PortalLoginState.error, color_scheme="red", role="alert", size="2", id="login-error"),
                    ),
                    # Disabled until connected: a submit before then would be a plain GET with the secrets in the address.
                    rx.button("Sign in", type="submit", size="3", width="100%", disabled=~rx.State.is_hydrated),
                    rx.text(
                        "Forgot your PIN? Call the office and your counselor will set a new one.",
                        size="2",
                        color_scheme="gray",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=PortalLoginState.submit,
                reset_on_submit=False,
            ),
            width="100%",
            max_width="24rem",
            size="4",
        ),
        min_height="100vh",
        padding="1rem",
        background=rx.color("gray", 2),
    )
