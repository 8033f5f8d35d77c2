from . import assessments, calendar, client_record, clients, dashboard, outbox, portal_settings, settings, sign_in  # noqa: F401
