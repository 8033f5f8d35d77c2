"""All tables, imported together so SQLModel.metadata is complete."""

from .audit import AuditEvent
from .client_sessions import ClientSession, LoginFailure
from .clients import Client
from .documents import Document
from .messaging import SecureMessage
from .notifications import Channel, OutboxMessage, OutboxStatus
from .practice import PortalSettings, Practice, Role, SchedulerView, User
from .scheduling import (
    ACTIVE_STATUSES,
    ActorKind,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
)
from .sessions import StaffSession
from .types import UTCDateTime, utcnow

__all__ = [
    "ACTIVE_STATUSES",
    "ActorKind",
    "Appointment",
    "AppointmentKind",
    "AppointmentStatus",
    "AuditEvent",
    "Channel",
    "ClientSession",
    "OutboxMessage",
    "OutboxStatus",
    "Client",
    "Document",
    "SecureMessage",
    "LoginFailure",
    "PortalSettings",
    "Practice",
    "Role",
    "SchedulerView",
    "StaffSession",
    "User",
    "UTCDateTime",
    "utcnow",
]
