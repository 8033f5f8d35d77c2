"""Clients (planned)."""

import reflex as rx

from ...components.counselor_shell import counselor_page, not_built_yet


@counselor_page("/clients", "Clients")
def clients_page() -> rx.Component:
    return not_built_yet("The client list")
