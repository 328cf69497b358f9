"""The sign-up form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from tenants.forms import email_format
from tenants.passwords import MIN_LENGTH

_required = DataRequired(message=_l("This field is required."))


class SignupForm(FlaskForm):
    shop_name = StringField(_l("Shop name"), validators=[_required, Length(max=120)])
    shop_kana = StringField(
        _l("Shop name reading (furigana)"), validators=[_required, Length(max=120)]
    )
    slug = StringField(
        _l("Shop ID (used in addresses)"),
        validators=[
            _required,
            Regexp(
                r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$",
                message=_l("Use 3–40 lower-case letters, digits or hyphens."),
            ),
        ],
    )
    owner_name = StringField(_l("Your name"), validators=[_required, Length(max=120)])
    email = EmailField(_l("E-mail address"), validators=[_required, email_format, Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[
            _required,
            Length(min=MIN_LENGTH, max=256, message=_l("Use at least 10 characters.")),
        ],
    )
    contact_phone = StringField(_l("Contact phone"), validators=[_required, Length(max=20)])
    legal_name = StringField(
        _l("Name on invoices (company or owner)"), validators=[_required, Length(max=120)]
    )
    postal_code = StringField(_l("Postal code"), validators=[_required, Length(max=8)])
    address = StringField(_l("Address"), validators=[_required, Length(max=200)])
    registration_number = StringField(
        _l("Qualified invoice registration number (optional)"),
        validators=[Optional(), Length(max=20)],
    )
