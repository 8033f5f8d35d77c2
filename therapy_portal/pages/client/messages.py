"""The client's secure messages with their counselor."""

import reflex as rx

from ...components.client_shell import client_page
from ...components.message_thread import compose, thread
from ...services.portal import NOT_ALLOWED
from ...state.portal_messages import PortalMessagesState as S

CRISIS = "Messages are not for emergencies. If you are in crisis, call or text 988, or call 911."


@client_page("/portal/messages", "Messages", on_load=[S.load])
def portal_messages() -> rx.Component:
    return rx.cond(
        S.available,
        rx.vstack(
            rx.text("Your private conversation with ", S.counselor_name, ".", color_scheme="gray"),
            rx.callout(CRISIS, icon="life-buoy", color_scheme="amber", size="1", width="100%", high_contrast=True),
            thread(S.messages, S.counselor_name, "No messages yet. Write to your counselor below."),
            compose(S.draft, S.error, S.set_draft, S.send, "message-body"),
            spacing="3",
            width="100%",
        ),
        rx.cond(S.loaded, rx.callout(NOT_ALLOWED, icon="info", color_scheme="gray")),
    )
