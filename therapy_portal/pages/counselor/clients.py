"""Individual → View clients: search, sort, page, and add a client."""

import reflex as rx

from ...components.counselor_shell import counselor_page
from ...components.form_field import client_fields
from ...components.settings_fields import SELECT_STYLE
from ...state.clients import ClientsState as S

SORT_OPTIONS = [
    ("last_name", "Last name"),
    ("first_name", "First name"),
    ("date_of_birth", "Date of birth"),
    ("newest", "Newest first"),
]


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row["name"], href="/clients/" + row["id"])),
        rx.table.cell(row["date_of_birth"]),
        rx.table.cell(row["email"]),
        rx.table.cell(row["mobile"]),
    )


def _card(row) -> rx.Component:
    return rx.link(
        rx.card(
            rx.text(row["name"], weight="bold"),
            rx.text("Born ", row["date_of_birth"], size="2", color_scheme="gray"),
            rx.text(row["mobile"], size="2"),
            width="100%",
        ),
        href="/clients/" + row["id"],
        underline="none",
        width="100%",
    )


def _add_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Add client"),
            rx.vstack(
                rx.grid(
                    *client_fields(S.form, S.errors, S.set_field),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    gap="0.75rem",
                    width="100%",
                ),
                rx.cond(
                    S.counselor_options.length() > 1,
                    rx.vstack(
                        rx.el.label("Counselor", html_for="field-counselor", style={"font_weight": "500"}),
                        rx.el.select(
                            rx.foreach(S.counselor_options, lambda c: rx.el.option(c["name"], value=c["id"])),
                            id="field-counselor",
                            value=S.form["counselor_id"],
                            on_change=lambda v: S.set_field("counselor_id", v),
                            style=SELECT_STYLE,
                        ),
                        rx.cond(
                            S.errors.contains("counselor"),
                            rx.text(S.errors["counselor"], color_scheme="red", size="2", role="alert"),
                        ),
                        spacing="1",
                        width="100%",
                    ),
                ),
                rx.flex(
                    rx.spacer(),
                    rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                    rx.button("Save client", on_click=S.save_new),
                    gap="0.5rem",
                    width="100%",
                ),
                spacing="3",
            ),
            max_width="40rem",
        ),
        open=S.adding,
        on_open_change=S.close_add,
    )


@counselor_page("/clients", "Clients", on_load=[S.load])
def clients_page() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.vstack(
                rx.el.label(
                    "Search clients", html_for="client-search", style={"font_weight": "500", "font_size": "0.85rem"}
                ),
                rx.input(
                    id="client-search",
                    value=S.query,
                    on_change=S.set_query.debounce(300),
                    placeholder="Name, date of birth, email or phone",
                    type="search",
                    width="100%",
                    size="3",
                ),
                spacing="1",
                flex="1",
                min_width="14rem",
            ),
            rx.vstack(
                rx.el.label("Sort by", html_for="client-sort", style={"font_weight": "500", "font_size": "0.85rem"}),
                rx.el.select(
                    *[rx.el.option(label, value=v) for v, label in SORT_OPTIONS],
                    id="client-sort",
                    value=S.sort,
                    on_change=S.set_sort,
                    style=SELECT_STYLE,
                ),
                spacing="1",
            ),
            rx.button(rx.icon("user-plus", size=16), "Add client", on_click=S.open_add, size="3"),
            gap="0.75rem",
            wrap="wrap",
            align="end",
            width="100%",
        ),
        rx.text(S.total, rx.cond(S.total == 1, " client", " clients"), size="2", color_scheme="gray", role="status"),
        rx.desktop_only(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[rx.table.column_header_cell(h) for h in ("Name", "Date of birth", "Email", "Mobile")]
                    )
                ),
                rx.table.body(rx.foreach(S.rows, _row)),
                variant="surface",
                width="100%",
            ),
            width="100%",
        ),
        rx.mobile_and_tablet(rx.vstack(rx.foreach(S.rows, _card), spacing="2", width="100%"), width="100%"),
        rx.hstack(
            rx.button("Previous page", on_click=S.go_page(-1), variant="soft", disabled=S.page <= 1),
            rx.text("Page ", S.page, " of ", S.pages, size="2"),
            rx.button("Next page", on_click=S.go_page(1), variant="soft", disabled=S.page >= S.pages),
            align="center",
            spacing="3",
        ),
        _add_dialog(),
        spacing="3",
        width="100%",
    )
