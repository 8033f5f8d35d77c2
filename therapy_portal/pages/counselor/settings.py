"""Settings (planned)."""

import reflex as rx

from ...components.counselor_shell import counselor_page, not_built_yet


@counselor_page("/settings", "Settings")
def settings_page() -> rx.Component:
    return not_built_yet("Practice settings")
