"""Web forms of the platform pages; Flask-WTF adds and checks the CSRF token of each."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from tenants.passwords import MIN_LENGTH

# The same shape `tenants.services` accepts; deliverability is proven by the mail itself.
email_format = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address."))


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), email_format, Length(max=254)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), email_format, Length(max=254)]
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_LENGTH, max=256)]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class LocaleForm(FlaskForm):
    locale = SelectField(choices=[SelectChoice("ja", "日本語"), SelectChoice("en", "English")])
    next = HiddenField()


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    shop = SelectField(_l("Shop"), choices=[], validate_choice=True)


class EmptyForm(FlaskForm):
    """A form with nothing but its CSRF token (log-out, revoke)."""
