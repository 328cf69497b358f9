"""Billing's periodic jobs: the monthly run on the 1st (JST) for the month before; Stripe reconciliation."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask

from billing import collection, reminders, stripe_events
from billing.runs import NoIssuer, Period, bill_period
from tenants.coverage.services import today_in_tokyo
from tenants.db import db
from tenants.scheduler import periodic
from tenants.scoping import SYSTEM, set_scope

log = logging.getLogger(__name__)


@periodic("billing-run", every=timedelta(hours=1), lock_timeout=timedelta(hours=6))
def monthly_billing(app: Flask) -> None:
    """Invoice last month's shops that have no invoice yet.

    It runs every hour: the first run of the 1st (JST) bills the month that just ended, and later
    runs find nothing to do, or catch up on shops a failed or missed run left out. Each shop is its
    own transaction, so a run that stops half-way loses nothing.
    """
    with app.app_context():
        set_scope(db.session, SYSTEM)
        today = today_in_tokyo()
        try:
            summary = bill_period(
                Period.before(today), today, after_invoice=collection.enqueue_collection
            )
        except NoIssuer as error:
            db.session.rollback()
            log.error("billing run skipped: %s", error)
            return
        if summary.created or summary.failed:
            log.info(
                "billing %s: %d invoice(s) created, %d failed",
                summary.period,
                summary.created,
                len(summary.failed),
            )


@periodic("stripe-reconcile", every=timedelta(days=1))
def reconcile_stripe(app: Flask) -> None:
    """Read Stripe's recent events and handle any whose webhook never reached us; reactivate the
    shops suspended for non-payment whose overdue invoices are paid by now."""
    with app.app_context():
        set_scope(db.session, SYSTEM)
        added = stripe_events.reconcile()
        reactivated = stripe_events.reconcile_suspended()
        db.session.commit()
        if added:
            log.warning("stripe reconciliation found %d event(s) never delivered", added)
        if reactivated:
            log.info("%d shop(s) reactivated: their overdue invoices are paid", reactivated)


@periodic("payment-reminders", every=timedelta(hours=1))
def payment_reminders(app: Flask) -> None:
    """Mail the owners whose payment failed 3 or 7 days ago (day 0 is mailed at the failure)."""
    with app.app_context():
        set_scope(db.session, SYSTEM)
        queued = reminders.queue_all_due()
        db.session.commit()
        if queued:
            log.info("%d payment reminder(s) queued", queued)
