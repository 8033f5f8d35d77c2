from . import (  # noqa: F401
    assessments,
    calendar,
    client_record,
    clients,
    dashboard,
    messages,
    outbox,
    portal_settings,
    settings,
    sign_in,
)
