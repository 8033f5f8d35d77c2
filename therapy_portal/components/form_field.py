"""A labelled text input with its help and its message, bound to a dict var of a state."""

from __future__ import annotations

import reflex as rx


def text_field(
    label: str,
    name: str,
    values,
    errors,
    on_change,
    *,
    type_: str = "text",
    help_text: str = "",
    autocomplete: str = "off",
    input_mode: str | None = None,
    required: bool = False,
) -> rx.Component:
    id_ = f"field-{name}"
    extra = {"input_mode": input_mode} if input_mode else {}
    return rx.vstack(
        rx.el.label(label + (" *" if required else ""), html_for=id_, style={"font_weight": "500"}),
        rx.input(
            id=id_,
            type=type_,
            value=values[name],
            on_change=lambda v: on_change(name, v),
            auto_complete=autocomplete,
            aria_invalid=rx.cond(errors.contains(name), "true", "false"),
            aria_describedby=f"{id_}-error",
            width="100%",
            size="3",
            **extra,
        ),
        rx.text(help_text, size="1", color_scheme="gray") if help_text else rx.fragment(),
        rx.cond(
            errors.contains(name), rx.text(errors[name], id=f"{id_}-error", color_scheme="red", size="2", role="alert")
        ),
        spacing="1",
        width="100%",
    )


def client_fields(values, errors, on_change) -> list[rx.Component]:
    return [
        text_field("First name", "first_name", values, errors, on_change, required=True),
        text_field("Last name", "last_name", values, errors, on_change, required=True),
        text_field(
            "Date of birth",
            "date_of_birth",
            values,
            errors,
            on_change,
            help_text="MM/DD/YYYY",
            input_mode="numeric",
            required=True,
        ),
        text_field("Email", "email", values, errors, on_change, type_="email"),
        text_field(
            "Mobile number", "mobile", values, errors, on_change, type_="tel", help_text="For text-message notices"
        ),
        text_field("Address", "address", values, errors, on_change),
    ]
