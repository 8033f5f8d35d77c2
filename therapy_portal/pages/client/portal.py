"""Client portal pages still to come (assessments, paperwork and payments arrive with their own work)."""

import reflex as rx

from ...components.client_shell import client_page


@client_page("/portal/more", "More")
def portal_more() -> rx.Component:
    return rx.callout(
        "Assessments, paperwork and payments are not built yet.", icon="construction", color_scheme="gray"
    )
