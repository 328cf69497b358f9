"""Japanese first, English available; dates in Asia/Tokyo, yen and phone numbers in Japanese formats."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from flask import Flask, has_request_context, session
from flask_babel import Babel, format_date, format_datetime, get_locale, to_user_timezone

from tenants.auth import logged_in_user

LOCALES = ("ja", "en")
babel = Babel()


def select_locale() -> str:
    if not has_request_context():
        return "ja"  # mails choose their reader's locale with force_locale; tools speak Japanese
    user = logged_in_user()
    if user is not None and user.locale in LOCALES:
        return user.locale
    chosen = session.get("locale")
    return chosen if chosen in LOCALES else "ja"


PATTERNS = {
    "ja": {
        "datetime": "yyyy年M月d日 HH:mm",
        "seconds": "yyyy年M月d日 HH:mm:ss",
        "date": "yyyy年M月d日",
        "time": "HH:mm",
        "day_time": "M月d日 HH:mm",
    },
    "en": {
        "datetime": "MMM d, yyyy HH:mm",
        "seconds": "MMM d, yyyy HH:mm:ss",
        "date": "MMM d, yyyy",
        "time": "HH:mm",
        "day_time": "MMM d HH:mm",
    },
}


def format_when(value: datetime | None, style: str = "datetime") -> str:
    """`2026年11月24日 13:05` in Japanese, `Nov 24, 2026 13:05` in English, in Asia/Tokyo.
    `seconds`: with the seconds (`2026年11月24日 13:05:09`), for a call's own timestamps.
    `moment`: the time alone when it is today, else the day too (`11月23日 22:10`)."""
    if value is None:
        return "—"
    language = getattr(get_locale(), "language", "ja")
    if style == "moment":
        today = to_user_timezone(datetime.now(UTC)).date()
        style = "time" if to_user_timezone(value).date() == today else "day_time"
    return str(format_datetime(value, PATTERNS.get(language, PATTERNS["ja"])[style]))


DAY_PATTERNS = {
    "ja": {"day": "M月d日(E)", "month": "yyyy年M月"},
    "en": {"day": "EEE, MMM d", "month": "MMMM yyyy"},
}


def format_day(value: date | str | None, style: str = "day") -> str:
    """A calendar day as `11月24日(火)` (`Tue, Nov 24` in English), or its month as `2026年11月`;
    takes a date or the ISO text reports carry (`2026-11-24`, `2026-11-24T14:00:00+09:00`)."""
    if value is None:
        return "—"
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    language = getattr(get_locale(), "language", "ja")
    return str(format_date(day, DAY_PATTERNS.get(language, DAY_PATTERNS["ja"])[style]))


def format_yen(amount: int) -> str:
    return f"¥{amount:,}"


def init_app(app: Flask) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations")
    )
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    from tenants import flashes

    flashes.init_app(app)
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["yen"] = format_yen
    from tenants.audit_labels import action_label
    from tenants.numbers.services import caller_label
    from tenants.suspension import reason_label

    app.jinja_env.filters["action_label"] = action_label
    app.jinja_env.filters["phone"] = caller_label
    app.jinja_env.filters["suspension_reason"] = reason_label
