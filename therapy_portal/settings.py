"""Typed settings, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


@dataclass(frozen=True)
class Settings:
    db_url: str
    redis_url: str
    trusted_proxy_hops: int
    public_url: str
    secret_key: str
    smtp_host: str
    smtp_port: int
    smtp_tls: str
    smtp_user: str
    smtp_password: str
    mail_from: str
    data_dir: Path
    stripe_secret_key: str
    email_transport: str
    sms_transport: str
    sms_account: str
    sms_token: str
    sms_from: str
    sms_base_url: str

    @property
    def payments_configured(self) -> bool:
        return bool(self.stripe_secret_key)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    data_dir = Path(_env("PORTAL_DATA_DIR", str(PROJECT_ROOT / "data")))
    return Settings(
        db_url=_env("REFLEX_DB_URL") or f"sqlite:///{data_dir / 'portal.db'}",
        redis_url=_env("REFLEX_REDIS_URL"),
        trusted_proxy_hops=int(_env("PORTAL_TRUSTED_PROXY_HOPS", "0") or 0),
        public_url=_env("PORTAL_PUBLIC_URL", "http://localhost:3000"),
        secret_key=_env("PORTAL_SECRET_KEY"),
        smtp_host=_env("PORTAL_SMTP_HOST"),
        smtp_port=int(_env("PORTAL_SMTP_PORT", "587") or 587),
        smtp_tls=_env("PORTAL_SMTP_TLS", "starttls"),
        smtp_user=_env("PORTAL_SMTP_USER"),
        smtp_password=_env("PORTAL_SMTP_PASSWORD"),
        mail_from=_env("PORTAL_MAIL_FROM", "no-reply@localhost"),
        data_dir=data_dir,
        stripe_secret_key=_env("PORTAL_STRIPE_SECRET_KEY"),
        # Without an SMTP host (or an SMS account) messages are recorded, not sent: the demo's Outbox shows them.
        email_transport=_env("PORTAL_EMAIL_TRANSPORT") or ("smtp" if _env("PORTAL_SMTP_HOST") else "record"),
        sms_transport=_env("PORTAL_SMS_TRANSPORT") or ("http" if _env("PORTAL_SMS_ACCOUNT") else "record"),
        sms_account=_env("PORTAL_SMS_ACCOUNT"),
        sms_token=_env("PORTAL_SMS_TOKEN"),
        sms_from=_env("PORTAL_SMS_FROM"),
        sms_base_url=_env("PORTAL_SMS_BASE_URL", "https://api.twilio.com"),
    )
