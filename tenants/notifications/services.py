"""Reading and changing a shop's notification settings, and the test delivery."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from tenants import services
from tenants.db import db, new_id, utcnow
from tenants.jobs import enqueue_after_commit, task
from tenants.models import Shop, User
from tenants.notifications import mail_template, webhooks
from tenants.notifications.models import NotificationSettings
from tenants.providers import build_message, mail_provider

CATEGORIES = ("message", "urgent", "voicemail", "fax")
MODES = ("instant", "digest", "off")
MAX_EMAILS = 5
DIGEST_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")  # Asia/Tokyo
DEFAULTS = {"message": "instant", "urgent": "instant", "voicemail": "instant", "fax": "instant"}


def settings_for(shop: Shop) -> NotificationSettings:
    row = db.session.scalar(
        select(NotificationSettings).where(NotificationSettings.shop_id == shop.id)
    )
    if row is None:
        row = NotificationSettings(
            id=new_id(),
            shop_id=shop.id,
            emails=[],
            webhook_url=None,
            webhook_secret=new_secret(),
            categories=dict(DEFAULTS),
            digest_time="18:00",
        )
        db.session.add(row)
    return row


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def update(
    shop: Shop,
    *,
    emails: list[str],
    webhook_url: str,
    categories: dict[str, str],
    digest_time: str | None = None,
    ip: str | None = None,
    actor: User | None = None,
) -> NotificationSettings:
    """Validate everything first; a bad field changes nothing (no digest time: keep the one set)."""
    cleaned = []
    for email in emails:
        email = services.normalise_email(email)
        if not services.EMAIL_RE.match(email):
            raise services.ValidationFailed(
                "emails", gettext("“%(email)s” is not an e-mail address.", email=email)
            )
        if email not in cleaned:
            cleaned.append(email)
    if len(cleaned) > MAX_EMAILS:
        raise services.ValidationFailed(
            "emails", gettext("At most %(count)d addresses.", count=MAX_EMAILS)
        )
    url = None
    if len(webhook_url) > 500:
        raise services.ValidationFailed(
            "webhook_url", gettext("Use at most %(count)d characters.", count=500)
        )
    if webhook_url.strip():
        try:
            url = webhooks.check_url(
                webhook_url, allow_private=current_app.config.get("WEBHOOK_ALLOW_PRIVATE", False)
            )
        except ValueError as problem:
            raise services.ValidationFailed("webhook_url", str(problem)) from None
    modes = dict(DEFAULTS)
    for category, mode in categories.items():
        if category not in CATEGORIES or mode not in MODES:
            raise services.ValidationFailed("categories", gettext("Unknown notification choice."))
        modes[category] = mode
    if modes["urgent"] == "digest":
        raise services.ValidationFailed(
            "categories", gettext("Urgent messages are sent at once, never in a digest.")
        )
    if digest_time is not None and not DIGEST_TIME.match(digest_time.strip()):
        raise services.ValidationFailed(
            "digest_time", gettext("Give the digest time as hours and minutes, like 18:00.")
        )
    row = settings_for(shop)
    row.emails, row.webhook_url, row.categories, row.updated_at = cleaned, url, modes, utcnow()
    if digest_time is not None:
        row.digest_time = digest_time.strip()
    services.audit("notifications.changed", actor=actor, shop_id=shop.id, target=shop.slug, ip=ip)
    return row


def message_template(row: NotificationSettings) -> tuple[str, str]:
    """The subject and body templates message e-mails use (the shop's, or the default)."""
    return (
        row.mail_subject or mail_template.DEFAULT_SUBJECT,
        row.mail_body or mail_template.DEFAULT_BODY,
    )


def check_template(subject: str, body: str) -> tuple[str, str]:
    """Both templates checked; TemplateInvalid names the first problem.

    An empty subject or body is refused rather than read as "the default": an owner who cleared
    the box by mistake would otherwise be switched to the standard e-mail without knowing it.
    Going back to the standard is its own, confirmed action (`reset_template`).
    """
    subject = subject.strip()
    body = body.replace("\r\n", "\n").strip("\n")
    if not subject:
        raise mail_template.TemplateInvalid(
            "subject",
            gettext(
                "E-mail subject: write a subject. To use the standard e-mail, press"
                " Back to the default instead."
            ),
        )
    if not body.strip():
        raise mail_template.TemplateInvalid(
            "body",
            gettext(
                "Body: the body is empty. To use the standard e-mail, press Back to the default"
                " instead of saving an empty body."
            ),
        )
    mail_template.check("subject", subject)
    mail_template.check("body", body)
    return subject, body


def save_template(
    shop: Shop, subject: str, body: str, ip: str | None = None, *, actor: User | None = None
) -> None:
    """Keep the shop's message e-mail template (the default is stored as no template)."""
    subject, body = check_template(subject, body)
    row = settings_for(shop)
    row.mail_subject = None if subject == mail_template.DEFAULT_SUBJECT else subject
    row.mail_body = None if body == mail_template.DEFAULT_BODY else body
    row.updated_at = utcnow()
    services.audit(
        "notifications.template_changed", actor=actor, shop_id=shop.id, target=shop.slug, ip=ip
    )


def reset_template(shop: Shop, ip: str | None = None, *, actor: User | None = None) -> None:
    """Message e-mails go back to the standard subject and body (the shop's own are dropped)."""
    row = settings_for(shop)
    if uses_default_template(row):
        return
    row.mail_subject = row.mail_body = None
    row.updated_at = utcnow()
    services.audit(
        "notifications.template_reset", actor=actor, shop_id=shop.id, target=shop.slug, ip=ip
    )


def uses_default_template(row: NotificationSettings) -> bool:
    return row.mail_subject is None and row.mail_body is None


def sample_values(shop: Shop) -> dict[str, str]:
    """What a preview fills the placeholders with: this shop and a made-up message."""
    return {
        "shop": shop.name,
        "caller": "090-1234-5678",
        "urgency": "通常",
        "urgent_mark": "",
        "topic": "注文・配送",
        "about": "注文・配送 / ご注文・配送について",
        "message": "お名前: 山田 花子\n注文番号: A-1001\n\n発送予定日を知りたいとのことです。",
        "received_at": "2026年11月24日 18:05",
        "url": "https://answering.example.jp/shops/" + shop.slug + "/messages/…",
    }


def rotate_secret(
    shop: Shop, ip: str | None = None, *, actor: User | None = None
) -> NotificationSettings:
    row = settings_for(shop)
    row.webhook_secret = new_secret()
    services.audit(
        "notifications.secret_rotated", actor=actor, shop_id=shop.id, target=shop.slug, ip=ip
    )
    return row


def request_test(shop: Shop) -> None:
    """Send a test to every address and to the webhook, after this transaction commits."""
    settings_for(shop)
    enqueue_after_commit(send_test, shop_id=shop.id, key=f"notify-test:{shop.id}:{utcnow()}")


def webhook_sender() -> webhooks.WebhookSender:
    return webhooks.HttpWebhookSender()


@task
def send_test(*, shop_id: uuid.UUID) -> None:
    shop = db.session.get(Shop, shop_id)
    row = db.session.scalar(
        select(NotificationSettings).where(NotificationSettings.shop_id == shop_id)
    )
    if shop is None or row is None:
        return
    results: list[str] = []
    config = current_app.config["SETTINGS"]
    for email in row.emails:
        message = build_message(
            config.mail_from,
            email,
            gettext("Test notification from %(shop)s", shop=shop.name),
            gettext(
                "This is a test. Messages we take for %(shop)s will arrive like this.",
                shop=shop.name,
            ),
        )
        mail_provider(config.mail_url, current_app.instance_path).send(message)
        results.append(f"mail:{len(row.emails)}")
    if row.webhook_url:
        try:
            # Checked again when sending: the name may point somewhere else since it was saved.
            webhooks.check_url(
                row.webhook_url,
                allow_private=current_app.config.get("WEBHOOK_ALLOW_PRIVATE", False),
            )
        except ValueError as refused:
            results.append(f"webhook:refused ({refused})")
            row.last_test_at, row.last_test_result = utcnow(), ", ".join(results)[:200]
            return
        body = webhooks.payload("test", shop.slug, {"message": "test"}, uuid.uuid4().hex)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "answering-webhooks/1",
            webhooks.SIGNATURE_HEADER: webhooks.sign(row.webhook_secret, body),
        }
        try:
            status = webhook_sender().post(row.webhook_url, body, headers)
            results.append(f"webhook:HTTP {status}")
        except OSError as error:
            results.append(f"webhook:{type(error).__name__}")
    row.last_test_at, row.last_test_result = utcnow(), ", ".join(dict.fromkeys(results))[:200]


def as_dict(row: NotificationSettings) -> dict[str, Any]:
    return {
        "emails": row.emails,
        "webhook_url": row.webhook_url,
        "webhook_secret": row.webhook_secret,
        "categories": row.categories,
        "digest_time": row.digest_time,
        "last_test_at": row.last_test_at,
        "last_test_result": row.last_test_result,
    }
