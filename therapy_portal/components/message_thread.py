"""A secure-message thread and its compose box, shared by the client's and the counselor's pages."""

from __future__ import annotations

import reflex as rx


def _bubble(item, other_name) -> rx.Component:
    mine = item["mine"] != ""
    return rx.box(
        rx.text(rx.cond(mine, "You", other_name), " · ", item["when"], size="1", color_scheme="gray"),
        rx.text(item["body"], white_space="pre-wrap", overflow_wrap="anywhere", size="3"),
        align_self=rx.cond(mine, "flex-end", "flex-start"),
        background=rx.cond(mine, rx.color("accent", 3), rx.color("gray", 3)),
        border_radius="12px",
        padding="0.5rem 0.75rem",
        max_width="85%",
        class_name="message",
        custom_attrs={"data-mine": rx.cond(mine, "true", "false")},
    )


def thread(messages, other_name, empty: str) -> rx.Component:
    return rx.cond(
        messages.length() > 0,
        rx.flex(
            rx.foreach(messages, lambda m: _bubble(m, other_name)),
            direction="column",
            gap="0.5rem",
            width="100%",
            role="log",
            aria_live="polite",
            aria_label="Messages",
        ),
        rx.text(empty, color_scheme="gray"),
    )


def compose(draft, error, on_change, on_send, field_id: str) -> rx.Component:
    return rx.vstack(
        rx.el.label("Write a message", html_for=field_id, font_weight="500"),
        rx.text_area(
            id=field_id,
            value=draft,
            on_change=on_change,
            rows="4",
            width="100%",
            max_length=6000,
            aria_invalid=rx.cond(error != "", "true", "false"),
            aria_describedby=f"{field_id}-error",
        ),
        rx.cond(error != "", rx.text(error, id=f"{field_id}-error", color_scheme="red", size="2", role="alert")),
        rx.button(rx.icon("send", size=16, aria_hidden="true"), "Send message", on_click=on_send, size="3"),
        spacing="2",
        width="100%",
        align="start",
    )


def upload_box(upload_id: str, on_drop, label: str, max_bytes: int) -> rx.Component:
    """A drop zone that sends the chosen files at once. It sits in a <label>, which names the hidden file input
    for assistive technology and opens the file chooser on a click (the zone's own click is off, or the
    chooser would open twice); Enter or Space on the focused zone opens it too."""
    zone = rx.upload.root(
        rx.vstack(
            rx.icon("upload", size=22, aria_hidden="true"),
            rx.text(label, weight="medium"),
            rx.text("PDF, Word or images, up to 20 MB each. Tap to choose, or drop files here.", size="1"),
            align="center",
            spacing="1",
        ),
        id=upload_id,
        multiple=True,
        no_click=True,
        max_size=max_bytes,
        on_drop=on_drop,
        border=f"2px dashed {rx.color('accent', 7)}",
        border_radius="12px",
        padding="1rem",
        width="100%",
        text_align="center",
        cursor="pointer",
    )
    return rx.el.label(zone, display="block", width="100%")


def file_row(item, extra=None) -> rx.Component:
    # The download goes through the browser, not the single-page router (which would take the address for
    # a page): rx.download clicks a plain link with `download` from script.
    return rx.hstack(
        rx.icon("file-text", size=18, aria_hidden="true"),
        rx.vstack(
            rx.text(item["name"], weight="medium", overflow_wrap="anywhere"),
            rx.text(item["size"], " · ", item["when"], *(extra or []), size="1", color_scheme="gray"),
            spacing="0",
        ),
        rx.spacer(),
        rx.button(
            rx.icon("download", size=16, aria_hidden="true"),
            "Download",
            on_click=rx.download(url=item["href"]),
            variant="soft",
            size="2",
            aria_label="Download " + item["name"],
        ),
        align="center",
        width="100%",
        padding_y="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="document",
    )
