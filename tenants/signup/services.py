"""Registering a shop with its owner, and proving the owner's e-mail address."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta

import phonenumbers
from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tenants import services, signed_links
from tenants.config import settings_from
from tenants.db import db, new_id, utcnow
from tenants.jobs import enqueue_after_commit, task
from tenants.models import Shop, ShopMembership, ShopRole, User
from tenants.providers import build_message, mail_provider
from tenants.signup.models import ShopProfile

VERIFY_MAX_AGE = timedelta(days=7)
KANA = re.compile(r"^[ぁ-ゖァ-ヺー・ 　]+$")
POSTAL = re.compile(r"^\d{3}-?\d{4}$")
REGISTRATION = re.compile(r"^T\d{13}$")


@dataclass(frozen=True)
class Registration:
    shop_name: str
    shop_kana: str
    slug: str
    owner_name: str
    email: str
    password: str
    contact_phone: str
    legal_name: str
    postal_code: str
    address: str
    registration_number: str


def normalise(text: str) -> str:
    """Full-width digits and letters become half-width (NFKC); surrounding spaces go."""
    return unicodedata.normalize("NFKC", text).strip()


def check_registration_number(raw: str) -> str | None:
    """`T` and 13 digits (full-width accepted), or None when left empty."""
    value = normalise(raw).upper().replace("-", "").replace(" ", "")
    if not value:
        return None
    if not REGISTRATION.match(value):
        raise services.ValidationFailed(
            "registration_number",
            gettext("A registration number is T followed by 13 digits, like T1234567890123."),
        )
    return value


def check_contact_phone(raw: str) -> str:
    try:
        number = phonenumbers.parse(normalise(raw), "JP")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise services.ValidationFailed(
            "contact_phone", gettext("Enter a phone number like 03-1234-5678 or 090-1234-5678.")
        )
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def register(given: Registration, *, shop_id: uuid.UUID, ip: str | None) -> tuple[Shop, User]:
    """Create the shop (pending until the owner's e-mail is verified), its owner and profile.

    The caller scopes the transaction to `shop_id`, the new shop's id, so row-level security
    admits exactly these rows. One transaction: when any field is wrong, nothing is stored.
    """
    kana = normalise(given.shop_kana)
    if not KANA.match(kana):
        raise services.ValidationFailed(
            "shop_kana", gettext("Write the reading in hiragana or katakana.")
        )
    postal = normalise(given.postal_code)
    if not POSTAL.match(postal):
        raise services.ValidationFailed(
            "postal_code", gettext("Enter a postal code like 150-0001.")
        )
    for field, value in (
        ("legal_name", given.legal_name),
        ("address", given.address),
        ("owner_name", given.owner_name),
    ):
        if not value.strip():
            raise services.ValidationFailed(field, gettext("This field is required."))
    registration_number = check_registration_number(given.registration_number)
    phone = check_contact_phone(given.contact_phone)
    shop = services.create_shop(
        slug=given.slug, name=given.shop_name, name_kana=kana, shop_id=shop_id
    )
    shop.status = "pending"
    try:
        # Another shop's slug is invisible in this scope: let the unique constraint decide.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise services.ValidationFailed("slug", gettext("This shop ID is already taken.")) from None
    owner = services.create_user(
        email=given.email, display_name=given.owner_name, password=given.password
    )
    services.add_member(shop, owner, ShopRole.OWNER)
    db.session.add(
        ShopProfile(
            id=new_id(),
            shop_id=shop.id,
            contact_phone=phone,
            legal_name=given.legal_name.strip(),
            postal_code=postal if "-" in postal else f"{postal[:3]}-{postal[3:]}",
            address=given.address.strip(),
            registration_number=registration_number,
        )
    )
    services.audit("shop.signed_up", actor=owner, shop_id=shop.id, target=shop.slug, ip=ip)
    send_verification(owner)
    return shop, owner


def send_verification(user: User) -> None:
    enqueue_after_commit(
        send_verification_mail,
        key=f"verify-email:{user.id}:{utcnow().isoformat()}",
        user_id=str(user.id),
    )


def verification_token(user: User) -> str:
    return signed_links.make("verify-email", {"u": str(user.id), "e": user.email})


@task
def send_verification_mail(*, user_id: str) -> None:
    user = db.session.get(User, uuid.UUID(user_id))
    if user is None or user.email_verified_at is not None:
        return
    settings = settings_from(current_app.config)
    link = f"{settings.public_base_url}/signup/verify/{verification_token(user)}"
    with force_locale(user.locale):
        subject = gettext("Confirm your e-mail address")
        body = gettext(
            "%(name)s,\n\nThank you for signing up. Open this link to confirm your e-mail address"
            " and put your shop live (it works for 7 days):\n\n%(link)s\n",
            name=user.display_name,
            link=link,
        )
    mail_provider(settings.mail_url, current_app.instance_path).send(
        build_message(settings.mail_from, user.email, subject, body)
    )


def verify(token: str, *, ip: str | None) -> tuple[User | None, str | None]:
    """Mark the address of a signed link verified; or say why not ("expired", "invalid")."""
    data = signed_links.read("verify-email", token, VERIFY_MAX_AGE)
    if isinstance(data, str):
        return None, data
    try:
        user = db.session.get(User, uuid.UUID(str(data.get("u"))))
    except (ValueError, AttributeError):
        return None, "invalid"
    if user is None or user.email != data.get("e"):
        return None, "invalid"
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        services.audit("email.verified", actor=user, target=user.email, ip=ip)
    return user, None


def pending_shops(owner: User) -> list[Shop]:
    """Shops this owner signed up that wait for the e-mail check (the scope must name the user)."""
    return list(
        db.session.scalars(
            select(Shop)
            .join(ShopMembership, ShopMembership.shop_id == Shop.id)
            .where(
                ShopMembership.user_id == owner.id,
                ShopMembership.role == ShopRole.OWNER,
                Shop.status == "pending",
            )
        )
    )


def go_live(shop: Shop, owner: User) -> None:
    """Put a verified owner's pending shop live (the scope must be this shop)."""
    if owner.email_verified_at is not None and shop.status == "pending":
        shop.status = "active"


def profile(shop_id: uuid.UUID) -> ShopProfile | None:
    return db.session.scalar(select(ShopProfile).where(ShopProfile.shop_id == shop_id))
