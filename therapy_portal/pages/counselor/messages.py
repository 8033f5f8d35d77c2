"""Messages: the counselor's secure conversations with their clients, and the documents of each client."""

import reflex as rx

from ...components.counselor_shell import counselor_page
from ...components.message_thread import compose, file_row, thread, upload_box
from ...services.documents import MAX_BYTES
from ...services.messaging import MESSAGES_OFF
from ...state.inbox import InboxState as S

UPLOAD_ID = "share-documents"


def _thread_link(t) -> rx.Component:
    chosen = S.client_id == t["client_id"]
    return rx.link(
        rx.hstack(
            rx.text(t["name"], weight=rx.cond(t["unread"] != "", "bold", "regular"), trim="both"),
            rx.spacer(),
            rx.cond(t["unread"] != "", rx.badge(t["unread"], " unread", color_scheme="red", high_contrast=True)),
            rx.text(t["when"], size="1", color_scheme="gray"),
            align="center",
            width="100%",
            spacing="2",
        ),
        href=t["href"],
        underline="none",
        aria_current=rx.cond(chosen, "page", "false"),
        color=rx.color("gray", 12),
        background=rx.cond(chosen, rx.color("accent", 3), "transparent"),
        padding="0.5rem 0.75rem",
        border_radius="8px",
        width="100%",
        class_name="thread",
    )


def _inbox() -> rx.Component:
    return rx.vstack(
        rx.heading("Inbox", as_="h2", size="4"),
        rx.text(
            rx.cond(S.unread_total > 0, S.unread_total.to_string() + " unread", "No unread messages"),
            size="2",
            color_scheme="gray",
            role="status",
            id="unread-total",
        ),
        rx.cond(
            S.threads.length() > 0,
            rx.vstack(rx.foreach(S.threads, _thread_link), spacing="1", width="100%"),
            rx.text("No conversations yet. Open a client and choose Messages & documents.", size="2"),
        ),
        width="100%",
        spacing="2",
    )


def _documents() -> rx.Component:
    return rx.vstack(
        rx.heading("Documents", as_="h3", size="3"),
        rx.cond(
            S.documents_on,
            rx.vstack(
                upload_box(
                    UPLOAD_ID, S.share(rx.upload_files(upload_id=UPLOAD_ID)), "Share files with the client", MAX_BYTES
                ),
                rx.cond(
                    S.file_notice != "",
                    rx.callout(S.file_notice, icon="circle-check", color_scheme="green", role="status"),
                ),
                rx.cond(
                    S.file_error != "",
                    rx.callout(S.file_error, icon="triangle-alert", color_scheme="red", role="alert"),
                ),
                rx.cond(
                    S.files.length() > 0,
                    rx.vstack(
                        rx.foreach(S.files, lambda f: file_row(f, [" · ", f["from"]])), spacing="0", width="100%"
                    ),
                    rx.text("No documents yet.", size="2", color_scheme="gray"),
                ),
                width="100%",
                spacing="2",
            ),
            rx.text("Documents are turned off in this client's Portal Settings.", size="2", color_scheme="gray"),
        ),
        width="100%",
        spacing="2",
    )


def _conversation() -> rx.Component:
    return rx.cond(
        S.client_id != "",
        rx.vstack(
            rx.heading(S.client_name, as_="h2", size="4"),
            rx.cond(
                S.messages_on,
                rx.vstack(
                    thread(S.messages, S.client_name, "No messages yet."),
                    compose(S.draft, S.error, S.set_draft, S.send, "staff-message-body"),
                    width="100%",
                    spacing="3",
                ),
                rx.callout(MESSAGES_OFF, icon="info", color_scheme="gray"),
            ),
            rx.separator(),
            _documents(),
            width="100%",
            spacing="3",
        ),
        rx.cond(
            S.missing,
            rx.callout("That client was not found among your clients.", icon="info", color_scheme="gray"),
            rx.text("Choose a conversation.", color_scheme="gray"),
        ),
    )


@counselor_page("/messages", "Messages", on_load=[S.load])
def messages() -> rx.Component:
    return rx.grid(
        rx.card(_inbox(), width="100%"),
        rx.card(_conversation(), width="100%"),
        columns=rx.breakpoints(initial="1", md="2"),
        gap="1rem",
        width="100%",
        style={"grid_template_columns": rx.breakpoints(initial="1fr", md="18rem 1fr")},
    )
