"""Typed settings, read from the environment once when the application is created."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """An environment variable holds a value the application cannot run with."""


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    """Everything the service is configured with (DESIGN.md section 9)."""

    database_url: str
    redis_url: str | None
    secret_key: str
    public_base_url: str
    database_app_role: str
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_api_base: str | None
    twilio_api_key: str | None
    twilio_api_secret: str | None
    twilio_twiml_app_sid: str | None
    stripe_secret_key: str | None
    stripe_webhook_secret: str | None
    stripe_api_base: str | None
    mail_url: str | None
    mail_from: str
    storage_url: str
    short_abandon_s: int
    sl_threshold_s: int
    after_call_work_s: int
    ring_timeout_s: int
    carrier_webhook_limit: str
    login_max_failures: int
    login_lockout_minutes: int
    shop_retention_days: int
    log_json: bool
    sentry_dsn: str | None

    @classmethod
    def from_env(cls, environ: Mapping[str, str], instance_path: str) -> Settings:
        instance = Path(instance_path)
        base_url = environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise SettingsError(
                f"PUBLIC_BASE_URL must start with http:// or https://, got {base_url!r}"
            )
        return cls(
            database_url=environ.get("DATABASE_URL") or f"sqlite:///{instance / 'answering.db'}",
            redis_url=environ.get("REDIS_URL") or None,
            secret_key=environ.get("SECRET_KEY") or _embedded_secret_key(instance),
            public_base_url=base_url,
            database_app_role=environ.get("DATABASE_APP_ROLE", "answering_app"),
            twilio_account_sid=environ.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=environ.get("TWILIO_AUTH_TOKEN") or None,
            twilio_api_base=environ.get("TWILIO_API_BASE") or None,
            twilio_api_key=environ.get("TWILIO_API_KEY") or None,
            twilio_api_secret=environ.get("TWILIO_API_SECRET") or None,
            twilio_twiml_app_sid=environ.get("TWILIO_TWIML_APP_SID") or None,
            stripe_secret_key=environ.get("STRIPE_SECRET_KEY") or None,
            stripe_webhook_secret=environ.get("STRIPE_WEBHOOK_SECRET") or None,
            stripe_api_base=environ.get("STRIPE_API_BASE") or None,
            mail_url=environ.get("MAIL_URL") or None,
            mail_from=environ.get("MAIL_FROM", "電話代行サービス <no-reply@answering.example.jp>"),
            storage_url=environ.get("STORAGE_URL") or f"file://{instance / 'storage'}",
            short_abandon_s=_int(environ, "SHORT_ABANDON_S", 5),
            sl_threshold_s=_int(environ, "SL_THRESHOLD_S", 20),
            after_call_work_s=_int(environ, "AFTER_CALL_WORK_S", 30),
            ring_timeout_s=_int(environ, "RING_TIMEOUT_S", 15),
            carrier_webhook_limit=environ.get("CARRIER_WEBHOOK_LIMIT", "100 per second"),
            login_max_failures=_int(environ, "LOGIN_MAX_FAILURES", 5),
            login_lockout_minutes=_int(environ, "LOGIN_LOCKOUT_MINUTES", 15),
            shop_retention_days=_int(environ, "SHOP_RETENTION_DAYS", 90),
            log_json=_bool(environ, "LOG_JSON", True),
            sentry_dsn=environ.get("SENTRY_DSN") or None,
        )

    def as_flask_config(self) -> dict[str, Any]:
        """The Flask and extension settings these values imply."""
        secure = self.public_base_url.startswith("https://")
        return dict(
            SETTINGS=self,
            SECRET_KEY=self.secret_key,
            SQLALCHEMY_DATABASE_URI=self.database_url,
            SQLALCHEMY_ENGINE_OPTIONS=_engine_options(self.database_url),
            SESSION_COOKIE_SECURE=secure,
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            REMEMBER_COOKIE_SECURE=secure,
            REMEMBER_COOKIE_HTTPONLY=True,
            PREFERRED_URL_SCHEME="https" if secure else "http",
            WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead of a clock
            MAX_CONTENT_LENGTH=4 * 1024 * 1024,  # the largest upload is a 2 MB product CSV
            RATELIMIT_STORAGE_URI=self.redis_url or "memory://",
            RATELIMIT_HEADERS_ENABLED=True,
            # A failing limit store lets the request through (and logs it) rather than fail it.
            RATELIMIT_SWALLOW_ERRORS=True,
            BABEL_DEFAULT_LOCALE="ja",
            BABEL_DEFAULT_TIMEZONE="Asia/Tokyo",
        )


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    return {}  # pooled connections that sat idle are checked before use (tenants.database)


def _embedded_secret_key(instance: Path) -> str:
    """A key kept in the instance folder, so that a local run keeps its sessions across restarts.

    Production sets SECRET_KEY; this only serves the embedded, single-machine mode.
    """
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def settings_from(app_config: Mapping[str, Any]) -> Settings:
    """The Settings stored on an application's config by `create_app`."""
    settings = app_config["SETTINGS"]
    if not isinstance(settings, Settings):
        raise TypeError("the application was not built by create_app")
    return settings


def environ_with(overrides: Mapping[str, Any] | None) -> dict[str, str]:
    """The process environment with upper-case string overrides (used by `create_app(config)`)."""
    environ = dict(os.environ)
    for key, value in (overrides or {}).items():
        if isinstance(value, str) and key.isupper():
            environ[key] = value
    return environ
