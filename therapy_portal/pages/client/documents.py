"""Documents: what the counselor shared, and files the client sends."""

import reflex as rx

from ...components.client_shell import client_page
from ...components.message_thread import file_row, upload_box
from ...services.documents import MAX_BYTES
from ...services.portal import NOT_ALLOWED
from ...state.portal_messages import PortalDocumentsState as S

UPLOAD_ID = "client-documents"


@client_page("/portal/documents", "Documents", on_load=[S.load])
def portal_documents() -> rx.Component:
    return rx.cond(
        S.available,
        rx.vstack(
            rx.heading("From your counselor", as_="h2", size="4"),
            rx.cond(
                S.shared.length() > 0,
                rx.vstack(rx.foreach(S.shared, lambda d: file_row(d)), spacing="0", width="100%"),
                rx.text("Nothing shared with you yet.", color_scheme="gray"),
            ),
            rx.heading("Send a document", as_="h2", size="4", margin_top="1rem"),
            upload_box(UPLOAD_ID, S.upload(rx.upload_files(upload_id=UPLOAD_ID)), "Choose files to send", MAX_BYTES),
            rx.cond(S.notice != "", rx.callout(S.notice, icon="circle-check", color_scheme="green", role="status")),
            rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", role="alert")),
            rx.heading("Sent by you", as_="h2", size="4", margin_top="1rem"),
            rx.cond(
                S.sent.length() > 0,
                rx.vstack(rx.foreach(S.sent, lambda d: file_row(d)), spacing="0", width="100%"),
                rx.text("You have not sent any documents.", color_scheme="gray"),
            ),
            spacing="3",
            width="100%",
        ),
        rx.cond(S.loaded, rx.callout(NOT_ALLOWED, icon="info", color_scheme="gray")),
    )
