"""Form fields for Portal Settings: native controls with visible labels, help text and the field's message."""

from __future__ import annotations

import reflex as rx

from ..services.portal_settings import FieldSpec
from ..state.portal_settings import PortalSettingsState as S

SELECT_STYLE = {
    "width": "100%",
    "padding": "0.45rem 0.5rem",
    "border_radius": "6px",
    "border": f"1px solid {rx.color('gray', 7)}",
    "background": rx.color("gray", 1),
    "font_size": "1rem",
    "min_height": "2.5rem",
}


def _error(name: str) -> rx.Component:
    return rx.cond(
        S.errors.contains(name),
        rx.text(S.errors[name], id=f"{name}-error", color_scheme="red", size="2", role="alert"),
    )


def _help(spec: FieldSpec) -> rx.Component:
    return rx.text(spec.help, id=f"{spec.name}-help", size="1", color_scheme="gray") if spec.help else rx.fragment()


def _described_by(spec: FieldSpec) -> str:
    return " ".join(x for x in (f"{spec.name}-help" if spec.help else "", f"{spec.name}-error") if x)


def _select(spec: FieldSpec) -> rx.Component:
    return rx.el.select(
        *[rx.el.option(label, value=value) for value, label in spec.choices],
        id=spec.name,
        value=S.values[spec.name],
        on_change=lambda v: S.set_value(spec.name, v),
        aria_describedby=_described_by(spec),
        aria_invalid=rx.cond(S.errors.contains(spec.name), "true", "false"),
        style=SELECT_STYLE,
    )


def _checkbox(id_: str, label: str, checked, on_change) -> rx.Component:
    return rx.hstack(
        rx.checkbox(id=id_, checked=checked, on_change=on_change, size="2"),
        rx.el.label(label, html_for=id_, style={"cursor": "pointer"}),
        align="center",
        spacing="2",
    )


def field(spec: FieldSpec) -> rx.Component:
    name = spec.name
    if spec.kind in ("select", "truefalse"):
        control = _select(spec)
    elif spec.kind == "number":
        control = rx.input(
            id=name,
            type="number",
            min=0,
            max=365,
            step=1,
            value=S.values[name],
            on_change=lambda v: S.set_value(name, v),
            aria_describedby=_described_by(spec),
            width="100%",
            max_width="10rem",
            size="3",
        )
    elif spec.kind == "text":
        control = rx.text_area(
            id=name,
            value=S.values[name],
            on_change=lambda v: S.set_value(name, v),
            aria_describedby=_described_by(spec),
            width="100%",
            rows="3",
        )
    elif spec.kind == "checkbox":
        return rx.vstack(
            _checkbox(name, spec.label, S.values[name] == "true", lambda c: S.set_value(name, c)),
            rx.box(_help(spec), _error(name), padding_left="1.6rem"),
            spacing="1",
            width="100%",
        )
    elif spec.kind == "weekdays":
        control = rx.el.fieldset(
            rx.el.legend(spec.label, style={"font_weight": "500", "margin_bottom": "0.25rem"}),
            rx.flex(
                *[
                    _checkbox(
                        f"weekday-{value}",
                        label,
                        S.values[name].split(",").contains(value),
                        lambda c, v=value: S.toggle_weekday(v, c),
                    )
                    for value, label in spec.choices
                ],
                wrap="wrap",
                gap="0.5rem 1.25rem",
            ),
            _error(name),
            style={"border": "none", "padding": 0, "margin": 0},
        )
        return control
    elif spec.kind == "notify":
        return rx.el.fieldset(
            rx.el.legend(spec.label, style={"font_weight": "500", "margin_bottom": "0.25rem"}),
            _help(spec),
            rx.hstack(
                _checkbox(
                    "notify_email",
                    "Email",
                    S.values["notify_email"] == "true",
                    lambda c: S.set_value("notify_email", c),
                ),
                _checkbox(
                    "notify_sms", "SMS", S.values["notify_sms"] == "true", lambda c: S.set_value("notify_sms", c)
                ),
                spacing="5",
                padding_y="0.25rem",
            ),
            _error(name),
            style={"border": "none", "padding": 0, "margin": 0},
        )
    else:  # pragma: no cover - a new kind must be given a control
        raise ValueError(spec.kind)
    return rx.vstack(
        rx.el.label(spec.label, html_for=name, style={"font_weight": "500"}),
        control,
        _help(spec),
        _error(name),
        spacing="1",
        width="100%",
    )
