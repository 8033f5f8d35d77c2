"""Counselor sign-in."""

import reflex as rx

from ...state.sign_in import SignInState


@rx.page(route="/login", title="Sign in · Therapy Portal", on_load=SignInState.on_open)
def sign_in() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Sign in", as_="h1", size="6"),
                    rx.text("Therapy Portal for counselors and staff", color_scheme="gray"),
                    rx.cond(SignInState.notice != "", rx.callout(SignInState.notice, icon="info", width="100%")),
                    rx.el.label("Email", html_for="email", font_weight="500"),
                    rx.input(
                        id="email",
                        name="email",
                        type="email",
                        auto_complete="username",
                        required=True,
                        width="100%",
                        size="3",
                    ),
                    rx.el.label("Password", html_for="password", font_weight="500"),
                    rx.input(
                        id="password",
                        name="password",
                        type="password",
                        auto_complete="current-password",
                        required=True,
                        width="100%",
                        size="3",
                    ),
                    rx.cond(
                        SignInState.error != "",
                        rx.text(SignInState.error, color_scheme="red", role="alert", size="2"),
                    ),
                    # Disabled until connected: a submit before then would be a plain GET with the secrets in the address.
                    rx.button("Sign in", type="submit", size="3", width="100%", disabled=~rx.State.is_hydrated),
                    spacing="3",
                    width="100%",
                ),
                on_submit=SignInState.submit,
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
