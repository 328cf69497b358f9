"""The platform's reads and writes: shops, users, memberships, login, tokens, audit.

Services add and flush; the request or job that called them commits (DESIGN.md section 3, rule 1).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from tenants import signed_links
from tenants.config import settings_from
from tenants.db import db, new_id, utcnow
from tenants.jobs import enqueue_after_commit, task
from tenants.models import (
    ApiToken,
    AuditEvent,
    Shop,
    ShopMembership,
    ShopRole,
    StaffRole,
    User,
)
from tenants.passwords import hash_password, needs_rehash, password_problem, verify_password
from tenants.providers import build_message, mail_provider
from tenants.scoping import parse_id

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")
RESET_MAX_AGE = timedelta(hours=1)
TOKEN_PREFIX = "ans_"  # noqa: S105 - a public marker, not a secret


class ValidationFailed(ValueError):
    """Input a user can correct; `field` names the form field, the message is already translated."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def normalise_email(email: str) -> str:
    return email.strip().lower()


# --- shops, users, memberships ---------------------------------------------------------------


def create_shop(*, slug: str, name: str, name_kana: str, shop_id: uuid.UUID | None = None) -> Shop:
    """A new shop (tenant); the caller's scope must allow it (the system, or this new shop)."""
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise ValidationFailed("slug", gettext("Use 3–40 lower-case letters, digits or hyphens."))
    if db.session.scalar(select(Shop.id).where(Shop.slug == slug)) is not None:
        raise ValidationFailed("slug", gettext("This shop ID is already taken."))
    if not name.strip() or not name_kana.strip():
        raise ValidationFailed("name", gettext("Enter the shop's name and its reading."))
    shop = Shop(
        id=shop_id or new_id(),
        slug=slug,
        name=name.strip(),
        name_kana=name_kana.strip(),
        status="active",
    )
    db.session.add(shop)
    return shop


def create_user(
    *, email: str, display_name: str, password: str, staff_role: StaffRole | None = None
) -> User:
    """A new login; a staff user when `staff_role` is given, otherwise someone to add to a shop."""
    email = normalise_email(email)
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise ValidationFailed("email", gettext("Enter a valid e-mail address."))
    if len(display_name.strip()) > 120:
        raise ValidationFailed("name", gettext("Use at most %(count)d characters.", count=120))
    if find_user(email) is not None:
        raise ValidationFailed("email", gettext("An account with this e-mail address exists."))
    problem = password_problem(password)
    if problem:
        raise ValidationFailed("password", problem)
    user = User(
        id=new_id(),
        email=email,
        display_name=display_name.strip() or email,
        password_hash=hash_password(password),
        staff_role=staff_role.value if staff_role else None,
        locale="ja",
        is_active=True,
        failed_logins=0,
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def add_member(shop: Shop, user: User, role: ShopRole) -> ShopMembership:
    if user.is_staff:
        raise ValidationFailed("email", gettext("Staff accounts cannot join a shop."))
    membership = ShopMembership(id=new_id(), shop_id=shop.id, user=user, role=role.value)
    db.session.add(membership)
    return membership


def memberships_of(user: User) -> list[ShopMembership]:
    """The user's shops, oldest first (the scope must include the user's id)."""
    return list(
        db.session.scalars(
            select(ShopMembership)
            .where(ShopMembership.user_id == user.id)
            .join(ShopMembership.shop)
            .order_by(ShopMembership.created_at)
        )
    )


def membership_for(user: User, slug: str) -> ShopMembership:
    """The user's membership in the shop with this slug, or 404 when it is not one of theirs."""
    membership = db.session.scalar(
        select(ShopMembership)
        .join(ShopMembership.shop)
        .where(ShopMembership.user_id == user.id, Shop.slug == slug)
    )
    if membership is None:
        raise NotFound()
    return membership


def shop_by_slug(slug: str) -> Shop:
    """For staff and shop-scoped tokens: the shop visible in the current scope, or 404."""
    shop = db.session.scalar(select(Shop).where(Shop.slug == slug))
    if shop is None:
        raise NotFound()
    return shop


def set_staff_role(user: User, role: StaffRole, *, actor: User | None, ip: str | None) -> None:
    if user.memberships:
        raise ValidationFailed("email", gettext("Shop members cannot be given a staff role."))
    before = user.staff_role
    user.staff_role = role.value
    audit("role.change", actor=actor, target=user.email, ip=ip, detail={"from": before, "to": role})


# --- login ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    error: str | None = None  # "invalid", "locked", "inactive"
    locked_until: datetime | None = None


def authenticate(email: str, password: str, *, ip: str | None) -> LoginOutcome:
    """Check a password, counting failures; after too many the account is locked for a while."""
    settings = settings_from(current_app.config)
    user = find_user(email)
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        audit("login.refused_locked", actor=user, target=user.email, ip=ip)
        return LoginOutcome(None, "locked", user.locked_until)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= settings.login_max_failures:
                user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                user.failed_logins = 0
                audit("login.locked", actor=user, target=user.email, ip=ip)
                return LoginOutcome(None, "locked", user.locked_until)
        audit("login.failed", actor=user, target=normalise_email(email)[:200], ip=ip)
        return LoginOutcome(None, "invalid")
    if not user.is_active:
        audit("login.refused_inactive", actor=user, target=user.email, ip=ip)
        return LoginOutcome(None, "inactive")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit("login.success", actor=user, target=user.email, ip=ip)
    return LoginOutcome(user)


def set_password(user: User, password: str, *, ip: str | None) -> None:
    problem = password_problem(password)
    if problem:
        raise ValidationFailed("password", problem)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    audit("password.changed", actor=user, target=user.email, ip=ip)


# --- password reset by signed link ---------------------------------------------------------------


def _password_fingerprint(user: User) -> str:
    # Part of the link, so that a link stops working once the password it was for has changed.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def password_reset_token(user: User) -> str:
    return signed_links.make(
        "password-reset", {"u": str(user.id), "p": _password_fingerprint(user)}
    )


def user_for_reset_token(token: str) -> tuple[User | None, str | None]:
    """The user a reset link is for, or None and why: "expired" or "invalid"."""
    data = signed_links.read("password-reset", token, RESET_MAX_AGE)
    if isinstance(data, str):
        return None, data
    try:
        user = db.session.get(User, uuid.UUID(str(data.get("u"))))
    except (ValueError, AttributeError):
        return None, "invalid"
    if user is None or not user.is_active or data.get("p") != _password_fingerprint(user):
        return None, "invalid"
    return user, None


def request_password_reset(email: str, *, ip: str | None) -> None:
    """Send a reset link if the address has an account; say nothing either way."""
    user = find_user(email)
    audit("password.reset_requested", actor=user, target=normalise_email(email)[:200], ip=ip)
    if user is not None and user.is_active:
        # One mail per request: the key carries the moment it was asked for.
        enqueue_after_commit(
            send_password_reset_mail,
            key=f"password-reset:{user.id}:{utcnow().isoformat()}",
            user_id=str(user.id),
        )


@task
def send_password_reset_mail(*, user_id: str) -> None:
    """Mail the reset link; the link is made when the mail is sent, so it is never stored."""
    user = db.session.get(User, uuid.UUID(user_id))
    if user is None or not user.is_active:
        return
    settings = settings_from(current_app.config)
    link = f"{settings.public_base_url}/password/reset/{password_reset_token(user)}"
    with force_locale(user.locale):
        subject = gettext("Resetting your password")
        body = gettext(
            "%(name)s,\n\nA password reset was requested for this address. Open this link within"
            " one hour to choose a new password:\n\n%(link)s\n\nIf you did not ask for this, ignore"
            " this mail; your password stays as it is.\n",
            name=user.display_name,
            link=link,
        )
    message = build_message(settings.mail_from, user.email, subject, body)
    mail_provider(settings.mail_url, current_app.instance_path).send(message)


# --- API tokens ----------------------------------------------------------------------------------


def _token_hash(plaintext: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; passwords use argon2id.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(
    user: User, *, name: str, shop: Shop | None, ip: str | None = None
) -> tuple[ApiToken, str]:
    """A new token, returned with its only plaintext copy: for `shop`, or for the user's staff role."""
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationFailed("name", gettext("Give the token a name of at most 80 characters."))
    if shop is None and not user.is_staff:
        raise ValidationFailed("shop", gettext("Choose the shop this token is for."))
    if shop is not None and not any(m.shop_id == shop.id for m in user.memberships):
        raise NotFound()
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        id=new_id(),
        user=user,
        shop_id=shop.id if shop else None,
        name=name,
        prefix=plaintext[:12],
        token_hash=_token_hash(plaintext),
    )
    db.session.add(token)
    audit(
        "token.created",
        actor=user,
        shop_id=shop.id if shop else None,
        target=name,
        ip=ip,
        detail={"prefix": token.prefix},
    )
    return token, plaintext


def find_live_token(plaintext: str) -> ApiToken | None:
    """The token with this value, unless it is revoked or its user is disabled."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(plaintext)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    return token


def token_entitled(token: ApiToken) -> bool:
    """Whether the holder still has what the token is scoped to (the scope must name the user)."""
    if token.shop_id is None:
        entitled = token.user.is_staff
    else:
        entitled = bool(
            db.session.scalar(
                select(func.count())
                .select_from(ShopMembership)
                .where(
                    ShopMembership.shop_id == token.shop_id,
                    ShopMembership.user_id == token.user_id,
                )
            )
        )
    now = utcnow()
    if entitled and (token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5)):
        token.last_used_at = now
    return entitled


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def revoke_token(user: User, token_id: Any, *, ip: str | None) -> ApiToken:
    """Revoke one of the user's own tokens; someone else's token id is 404."""
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == parse_id(token_id), ApiToken.user_id == user.id)
    )
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit(
            "token.revoked",
            actor=user,
            shop_id=token.shop_id,
            target=token.name,
            ip=ip,
            detail={"prefix": token.prefix},
        )
    return token


# --- audit ---------------------------------------------------------------------------------------


def audit(
    action: str,
    *,
    actor: User | None,
    shop_id: uuid.UUID | None = None,
    target: str | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_user_id=actor.id if actor else None,
        shop_id=shop_id,
        target=target[:200] if target else None,
        ip=ip,
        detail={k: str(v) if v is not None else None for k, v in (detail or {}).items()},
    )
    db.session.add(event)
    return event


def audit_events(limit: int = 200) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.at.desc()).limit(limit)))
