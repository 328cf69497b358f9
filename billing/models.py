"""The rate card (a reference table: no shop owns it), and each shop's monthly invoices."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Model, ShopOwned, UTCDateTime, new_id, shop_foreign_key, utcnow


class RateCard(Model):
    __tablename__ = "rate_cards"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    weekday_day_yen_per_hour: Mapped[int] = mapped_column()
    weekday_night_yen_per_hour: Mapped[int] = mapped_column()
    weekend_holiday_yen_per_hour: Mapped[int] = mapped_column()
    phone_number_yen_per_month: Mapped[int] = mapped_column()
    fax_number_yen_per_month: Mapped[int] = mapped_column()
    monthly_minimum_yen: Mapped[int] = mapped_column()
    tax_rate_percent: Mapped[int] = mapped_column()
    issuer_name: Mapped[str] = mapped_column(String(120))
    issuer_registration_number: Mapped[str] = mapped_column(String(14))
    issuer_address: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invoice(ShopOwned, Model):
    """A shop's invoice for one month, billed in arrears: a qualified invoice (適格請求書).

    The issuer's and recipient's details are copied when it is issued, so a later change of either
    never rewrites an invoice already sent. `(shop_id, period)` is unique: a billing run that runs
    again finds the invoice and creates nothing.
    """

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("shop_id", "period"),)

    period: Mapped[str] = mapped_column(String(7))  # "2026-11"
    number: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="open")
    issued_on: Mapped[date] = mapped_column(Date)
    subtotal: Mapped[int] = mapped_column()
    tax: Mapped[int] = mapped_column()
    total: Mapped[int] = mapped_column()
    issuer_name: Mapped[str] = mapped_column(String(120))
    issuer_registration_number: Mapped[str] = mapped_column(String(14))
    issuer_address: Mapped[str] = mapped_column(String(200))
    recipient_name: Mapped[str] = mapped_column(String(120))
    recipient_registration_number: Mapped[str | None] = mapped_column(String(14))
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(80))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    reminders_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    suspension_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list[InvoiceLine]] = relationship(
        order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    taxes: Mapped[list[InvoiceTax]] = relationship(
        order_by="InvoiceTax.rate_percent.desc()", cascade="all, delete-orphan"
    )


class InvoiceLine(ShopOwned, Model):
    """One item: covered minutes of a band, the minimum's top-up, or a number's rent."""

    __tablename__ = "invoice_lines"
    __table_args__ = (shop_foreign_key("invoice_id", "invoices", ondelete="CASCADE"),)

    invoice_id: Mapped[uuid.UUID] = mapped_column()
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))  # a price band, "minimum", "phone" or "fax"
    quantity: Mapped[int] = mapped_column()  # minutes for a band, days otherwise
    amount: Mapped[int] = mapped_column()  # yen before tax
    tax_rate_percent: Mapped[int] = mapped_column()
    # A number's rent: which number, and its first and last day rented in the period.
    number: Mapped[str | None] = mapped_column(String(20))
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)


class InvoiceTax(ShopOwned, Model):
    """An invoice's total of one tax rate, and the tax on it, rounded down once."""

    __tablename__ = "invoice_taxes"
    __table_args__ = (shop_foreign_key("invoice_id", "invoices", ondelete="CASCADE"),)

    invoice_id: Mapped[uuid.UUID] = mapped_column()
    rate_percent: Mapped[int] = mapped_column()
    taxable: Mapped[int] = mapped_column()
    tax: Mapped[int] = mapped_column()


class StripeCustomer(ShopOwned, Model):
    """The shop's Customer in Stripe and the card saved through Checkout (brand and last digits)."""

    __tablename__ = "stripe_customers"
    __table_args__ = (UniqueConstraint("shop_id"),)

    customer_id: Mapped[str] = mapped_column(String(80))
    payment_method_id: Mapped[str | None] = mapped_column(String(80))
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StripeEvent(Model):
    """A Stripe event as received (by webhook or by reconciliation), stored before it is acted on.

    The event id is the key: a delivery seen before is answered and changes nothing.
    """

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[int] = mapped_column(index=True)  # Stripe's Unix time of the event
    source: Mapped[str] = mapped_column(String(20))  # "webhook" or "reconciliation"
    status: Mapped[str] = mapped_column(String(20), default="received")
    error: Mapped[str | None] = mapped_column(String(2000))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


#: A return of less than this (tax included) needs no qualified return invoice (少額返還の特例).
RETURN_INVOICE_FROM_YEN = 10_000


class CreditNote(ShopOwned, Model):
    """A credit or refund on an invoice; from ¥10,000 a qualified return invoice (返還インボイス)."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        shop_foreign_key("invoice_id", "invoices", ondelete="CASCADE"),
        UniqueConstraint("shop_id", "number"),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column()
    number: Mapped[str] = mapped_column(String(70))
    issued_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column()  # yen before tax, all rates
    #: The highest rate credited (the release before per-rate credits reads it); see `rates`.
    tax_rate_percent: Mapped[int] = mapped_column()
    tax: Mapped[int] = mapped_column()  # the sum of each rate's tax
    total: Mapped[int] = mapped_column()
    stripe_credit_note_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rates: Mapped[list[CreditNoteRate]] = relationship(
        order_by="CreditNoteRate.rate_percent.desc()", cascade="all, delete-orphan"
    )

    @property
    def is_return_invoice(self) -> bool:
        return self.total >= RETURN_INVOICE_FROM_YEN


class CreditNoteRate(ShopOwned, Model):
    """What a credit note returns at one tax rate, and the tax on it, rounded down once."""

    __tablename__ = "credit_note_rates"
    __table_args__ = (
        shop_foreign_key("credit_note_id", "credit_notes", ondelete="CASCADE"),
        UniqueConstraint("shop_id", "credit_note_id", "rate_percent"),
    )

    credit_note_id: Mapped[uuid.UUID] = mapped_column()
    rate_percent: Mapped[int] = mapped_column()
    amount: Mapped[int] = mapped_column()  # yen before tax
    tax: Mapped[int] = mapped_column()
