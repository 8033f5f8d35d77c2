"""Client portal pages still to come (messages and documents arrive with their own work)."""

import reflex as rx

from ...components.client_shell import client_page


def _planned(what: str) -> rx.Component:
    return rx.callout(f"{what} is not built yet.", icon="construction", color_scheme="gray")


@client_page("/portal/messages", "Messages")
def portal_messages() -> rx.Component:
    return _planned("Secure messaging")


@client_page("/portal/documents", "Documents")
def portal_documents() -> rx.Component:
    return _planned("Document exchange")


@client_page("/portal/more", "More")
def portal_more() -> rx.Component:
    return _planned("Assessments, paperwork and payments")
