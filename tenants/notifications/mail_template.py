"""A shop's own template of the e-mail each message arrives in: a subject and a plain-text body
with placeholders in braces (`{shop}`, `{caller}` …), checked when saved, so an unknown name or a
stray brace is refused with a clear message, never found out when a message is mailed.

The mail is plain text: values go in as they are (nothing is read as HTML), and line breaks are
taken out of the subject so no value can add a header.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from flask_babel import lazy_gettext

MAX_SUBJECT = 200
MAX_BODY = 5000

#: The placeholders a template may use, with what each becomes.
PLACEHOLDERS = {
    "shop": lazy_gettext("the shop's name"),
    "caller": lazy_gettext("the caller's number, like 090-1234-5678"),
    "urgency": lazy_gettext("至急 or 通常"),
    "urgent_mark": lazy_gettext("【至急】 for an urgent message, else nothing"),
    "topic": lazy_gettext("what the call was about, in a word, like 注文・配送"),
    "about": lazy_gettext("what the call was about, with the shop's own category"),
    "message": lazy_gettext("what the operator took down: the form's fields and the message"),
    "received_at": lazy_gettext("when the call came in, like 2026年11月24日 18:05"),
    "url": lazy_gettext("the message in your inbox"),
}

DEFAULT_SUBJECT = "{urgent_mark}{shop}様へのご伝言: {topic}"
DEFAULT_BODY = """{shop} 御中

お電話のご伝言をお預かりしました。

受付日時: {received_at}
発信者番号: {caller}
用件: {about}
{message}

受信箱で見る: {url}"""


class TemplateInvalid(ValueError):
    """What is wrong with a template, for the owner; `field` is "subject" or "body"."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _parts(text: str) -> list[tuple[str, str | None]]:
    """The template as (literal text, placeholder or None) pairs; ValueError on a stray brace."""
    parts = []
    for literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None and (spec or conversion):
            name = f"{name}!{conversion}" if conversion else f"{name}:{spec}"
        parts.append((literal, name))
    return parts


def check(field: str, text: str) -> None:
    """Refuse a template with an unknown placeholder or an unpaired brace (say `{{` for a brace)."""
    label = lazy_gettext("E-mail subject") if field == "subject" else lazy_gettext("Body")
    limit = MAX_SUBJECT if field == "subject" else MAX_BODY
    if len(text) > limit:
        raise TemplateInvalid(
            field,
            str(lazy_gettext("%(field)s: at most %(count)d characters.", field=label, count=limit)),
        )
    if field == "subject" and ("\n" in text or "\r" in text):
        raise TemplateInvalid(field, str(lazy_gettext("The subject must be one line.")))
    try:
        parts = _parts(text)
    except ValueError:
        raise TemplateInvalid(
            field,
            str(
                lazy_gettext(
                    "%(field)s: a brace is not closed. Write placeholders like {shop}; for a brace itself write {{ or }}.",
                    field=label,
                )
            ),
        ) from None
    unknown = [name for _, name in parts if name is not None and name not in PLACEHOLDERS]
    if unknown:
        raise TemplateInvalid(
            field,
            str(
                lazy_gettext(
                    "%(field)s: {%(name)s} is not a placeholder. Use %(known)s.",
                    field=label,
                    name=unknown[0],
                    known=" ".join("{" + key + "}" for key in PLACEHOLDERS),
                )
            ),
        )


def render(text: str, values: Mapping[str, str], *, one_line: bool = False) -> str:
    """The template with its placeholders filled in (a checked template; unknown names stay)."""
    out = []
    for literal, name in _parts(text):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, "{" + name + "}"))
    rendered = "".join(out)
    if one_line:
        rendered = " ".join(rendered.splitlines()).strip()
    return rendered
