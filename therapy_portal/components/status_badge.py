import reflex as rx

STATUS_COLORS = {
    "requested": "amber",
    "scheduled": "blue",
    "confirmed": "green",
    "declined": "red",
    "rescheduled": "purple",
    "cancelled": "gray",
    "checked_in": "teal",
    "completed": "grass",
    "no_show": "tomato",
}


def status_badge(label, key) -> rx.Component:
    return rx.match(
        key,
        *[
            (k, rx.badge(label, color_scheme=color, variant="soft", high_contrast=True))
            for k, color in STATUS_COLORS.items()
        ],
        rx.badge(label, variant="soft", high_contrast=True),
    )
