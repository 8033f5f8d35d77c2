"""The client portal's pages. Sign-in and every feature behind it arrive with the client-portal work."""

import reflex as rx

from ...components.client_shell import client_page


def _planned(what: str) -> rx.Component:
    return rx.callout(
        f"{what} is not built yet. Sign-in with last name, date of birth and PIN comes first.",
        icon="construction",
        color_scheme="gray",
    )


@client_page("/portal", "Welcome")
def portal_home() -> rx.Component:
    return _planned("The client portal")


@client_page("/portal/book", "Make Appointment")
def portal_book() -> rx.Component:
    return _planned("Booking")


@client_page("/portal/messages", "Messages")
def portal_messages() -> rx.Component:
    return _planned("Secure messaging")


@client_page("/portal/documents", "Documents")
def portal_documents() -> rx.Component:
    return _planned("Document exchange")


@client_page("/portal/more", "More")
def portal_more() -> rx.Component:
    return _planned("Assessments, paperwork and payments")
