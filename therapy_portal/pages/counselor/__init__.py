from . import (  # noqa: F401
    assessments,
    calendar,
    client_record,
    clients,
    dashboard,
    outbox,
    portal_settings,
    settings,
    sign_in,
)
