"""How an invoice's items, quantities and statuses read, on the page and in the PDF."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _gettext

from billing import services
from billing.invoicing import Item
from billing.models import Invoice, InvoiceLine
from billing.pricing import days_of
from tenants.models import Shop
from tenants.numbers.services import national


def gettext(msgid: str, **values: object) -> str:
    return str(_gettext(msgid, **values))


def line_label(kind: str) -> str:
    labels = {
        "weekday_day": gettext("Coverage, weekday daytime (09:00–18:00)"),
        "weekday_night": gettext("Coverage, weekday night"),
        "weekend_holiday": gettext("Coverage, weekends and holidays"),
        "minimum": gettext("Monthly minimum (top-up)"),
        "phone": gettext("Phone number rental"),
        "fax": gettext("Fax number rental"),
        "goods": gettext("Goods"),
    }
    return labels.get(kind, kind)


def item_label(line: InvoiceLine | Item) -> str:
    """The item as the invoice names it; a number's rent names the number."""
    label = line_label(line.kind)
    return f"{label} {national(line.number)}" if line.number else label


def quantity(line: InvoiceLine | Item) -> str:
    if line.kind in ("weekday_day", "weekday_night", "weekend_holiday"):
        hours, minutes = divmod(line.quantity, 60)
        return gettext("%(hours)d h %(minutes)02d min", hours=hours, minutes=minutes)
    if line.kind == "goods":
        return str(line.quantity)
    if line.first_day is not None and line.last_day is not None:
        return gettext(
            "%(count)d days (%(first)s – %(last)s)",
            count=line.quantity,
            first=month_day(line.first_day),
            last=month_day(line.last_day),
        )
    return gettext("%(count)d days", count=line.quantity)


def month_day(value: date) -> str:
    return gettext("%(month)d/%(day)d", month=value.month, day=value.day)


#: Japan's reduced consumption-tax rate: its items are marked ※ on a qualified invoice.
REDUCED_RATES = (8,)


def subject_to(rate: int) -> str:
    """The line of a rate's total before tax, as the qualified invoice words it."""
    if rate in REDUCED_RATES:
        return gettext("Subject to %(rate)d%% (※ reduced rate)", rate=rate)
    return gettext("Subject to %(rate)d%%", rate=rate)


def consumption_tax(rate: int) -> str:
    return gettext("Consumption tax (%(rate)d%%)", rate=rate)


def status_label(status: str) -> str:
    labels = {
        "draft": gettext("Draft"),
        "open": gettext("Awaiting payment"),
        "paid": gettext("Paid"),
        "uncollectible": gettext("Uncollectible"),
        "void": gettext("Void"),
    }
    return labels.get(status, status)


def day(value: date) -> str:
    return gettext(
        "%(year)d-%(month)02d-%(day)02d", year=value.year, month=value.month, day=value.day
    )


def period_label(invoice: Invoice) -> str:
    year, month = (int(part) for part in invoice.period.split("-"))
    return gettext("%(year)d-%(month)02d", year=year, month=month)


def transaction_span(invoice: Invoice, shop: Shop) -> str:
    """The days the invoice covers (取引年月日 of a qualified invoice): its month, from the shop's
    first day with us if it began in that month, to its last if it closed in it (the days the
    month's amount was charged for)."""
    year, month = (int(part) for part in invoice.period.split("-"))
    month_days = days_of(year, month)
    active_from, active_until = services.active_days(shop)
    first, last = max(month_days[0], active_from), min(month_days[-1], active_until or date.max)
    if first > last:  # never billed so (the run bills active shops only): the whole month
        first, last = month_days[0], month_days[-1]
    return gettext("%(first)s – %(last)s", first=day(first), last=day(last))
