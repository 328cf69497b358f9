"""Optional two-step login with an authenticator app (TOTP, RFC 6238) and one-time recovery codes."""

from __future__ import annotations

import hashlib
import secrets
import time
import unicodedata

import pyotp
import segno
from flask_babel import gettext
from sqlalchemy import delete, select

from tenants.db import db, new_id, utcnow
from tenants.models import RecoveryCode, User
from tenants.passwords import verify_password
from tenants.services import ValidationFailed, audit

ISSUER = "電話代行クラウド"
RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()


def qr_data_uri(user: User, secret: str) -> str:
    """The enrolment QR code as an SVG data URI (allowed by the page's content policy)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return str(segno.make(uri, error="m").svg_data_uri(scale=5))


def _step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step a code belongs to (±1 step of clock drift), never a step already used."""
    totp = pyotp.TOTP(secret)
    # Japanese keyboards often type full-width digits (１２３４５６).
    code = unicodedata.normalize("NFKC", code).strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == totp.digits):
        return None
    now = int(time.time())
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        step = at // totp.interval
        if (last_step is None or step > last_step) and secrets.compare_digest(totp.at(at), code):
            return step
    return None


def _hash(code: str) -> str:
    code = unicodedata.normalize("NFKC", code)
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def enable(user: User, secret: str, code: str, *, ip: str | None) -> list[str]:
    """Turn on two-step login once the app shows a valid code; return the recovery codes (once)."""
    step = _step(secret, code, None)
    if step is None:
        raise ValidationFailed(
            "code", gettext("The code is not right. Check the time on your phone.")
        )
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    codes = [
        f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}"
        for _ in range(RECOVERY_CODES)
    ]
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(
        RecoveryCode(id=new_id(), user_id=user.id, code_hash=_hash(c)) for c in codes
    )
    audit("2fa.enabled", actor=user, target=user.email, ip=ip)
    return codes


def disable(user: User, password: str, *, ip: str | None) -> None:
    if not verify_password(user.password_hash, password):
        raise ValidationFailed("password", gettext("The password is wrong."))
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit("2fa.disabled", actor=user, target=user.email, ip=ip)


def check(user: User, code: str, *, ip: str | None) -> bool:
    """A login's second step: a current authenticator code, or an unused recovery code."""
    if user.totp_secret is None:
        return False
    step = _step(user.totp_secret, code, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step  # a code works once
        return True
    recovery = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if recovery is not None:
        recovery.used_at = utcnow()
        audit("2fa.recovery_code_used", actor=user, target=user.email, ip=ip)
        return True
    audit("2fa.failed", actor=user, target=user.email, ip=ip)
    return False
