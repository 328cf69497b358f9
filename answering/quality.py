"""Quality review: each week a random sample of each operator's answered calls, reviewed against a
scorecard of shared criteria and criteria drawn from the shop's script as the operator saw it.

Score = weights of the items passed ÷ weights of the items that applied, in per cent; a failed
critical item fails the whole call (score 0). The shared items are the ones supervisors manage
(`answering.quality_criteria`); a reviewed call keeps the items and weights it was scored with. Sampling is seeded by week and operator and tops up
to the sample size, so running it twice (or hourly) never samples more.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Flask
from flask_babel import gettext
from sqlalchemy import case, func, select

from answering.models import Call
from answering.quality_criteria import Criterion, shared_criteria
from answering.quality_models import QaPlan, QaReview
from tenants.coverage.services import TOKYO, today_in_tokyo
from tenants.db import db, new_id, utcnow
from tenants.models import User
from tenants.scheduler import in_system_scope, periodic
from tenants.scripts.models import ScriptVersion

DEFAULT_SAMPLE = 5
MAX_SAMPLE = 100
MAX_NOTES = 4000
VERDICTS = ("pass", "fail", "na")


class ReviewRefused(ValueError):
    """A scorecard that cannot be saved; the message says why."""


# --- sampling ---------------------------------------------------------------------------------


def week_of(day: date) -> date:
    """The Monday (Asia/Tokyo) of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def sample_size() -> int:
    latest = db.session.scalar(select(QaPlan).order_by(QaPlan.set_at.desc()).limit(1))
    return latest.sample_size if latest else DEFAULT_SAMPLE


def set_sample_size(size: int, actor: User) -> QaPlan:
    if not 0 <= size <= MAX_SAMPLE:
        raise ReviewRefused(gettext("Choose a sample of 0 to %(n)d calls.", n=MAX_SAMPLE))
    plan = QaPlan(id=new_id(), sample_size=size, set_by=actor.id, set_at=utcnow())
    db.session.add(plan)
    return plan


def sample_week(week_start: date, size: int | None = None) -> int:
    """Top up each operator's sample of answered calls in the week to the size; returns how many
    calls were added (staff scope: every shop)."""
    size = sample_size() if size is None else size
    start = datetime.combine(week_start, time(), TOKYO)
    end = start + timedelta(days=7)
    calls = db.session.execute(
        select(Call.shop_id, Call.id, Call.operator_id, Call.arrived_at, Call.script_version)
        .where(
            Call.arrived_at >= start,
            Call.arrived_at < end,
            Call.outcome == "answered",
            Call.operator_id.is_not(None),
        )
        .order_by(Call.arrived_at, Call.id)
    ).all()
    taken = {
        (row.shop_id, row.call_id): row.operator_id
        for row in db.session.execute(
            select(QaReview.shop_id, QaReview.call_id, QaReview.operator_id).where(
                QaReview.week_start == week_start
            )
        )
    }
    by_operator: dict[uuid.UUID, list[Any]] = {}
    for call in calls:
        by_operator.setdefault(call.operator_id, []).append(call)
    added = 0
    for operator_id, theirs in sorted(by_operator.items()):
        have = sum(1 for who in taken.values() if who == operator_id)
        left = [c for c in theirs if (c.shop_id, c.id) not in taken]
        rng = random.Random(f"{week_start.isoformat()}:{operator_id}")  # noqa: S311 - a sample, not a secret
        for call in rng.sample(left, min(max(size - have, 0), len(left))):
            db.session.add(
                QaReview(
                    id=new_id(),
                    shop_id=call.shop_id,
                    call_id=call.id,
                    operator_id=operator_id,
                    week_start=week_start,
                    # as filed on the console; else the version in force when the call came
                    script_version=call.script_version
                    or _version_at(call.shop_id, call.arrived_at),
                )
            )
            added += 1
    return added


def _version_at(shop_id: uuid.UUID, at: datetime) -> int | None:
    """The number of the script version in force when the call came (what the operator saw)."""
    return db.session.scalar(
        select(func.max(ScriptVersion.number)).where(
            ScriptVersion.shop_id == shop_id, ScriptVersion.published_at <= at
        )
    )


@periodic("qa-weekly-sample", every=timedelta(hours=1))
def weekly_sample(app: Flask) -> None:
    """Sample last week once it has ended (idempotent: it only tops up to the size)."""
    with in_system_scope(app):
        sample_week(week_of(today_in_tokyo()) - timedelta(days=7))


# --- the scorecard ----------------------------------------------------------------------------


def script_of(review: QaReview) -> dict[str, Any] | None:
    if review.script_version is None:
        return None
    content = db.session.scalar(
        select(ScriptVersion.content).where(
            ScriptVersion.shop_id == review.shop_id,
            ScriptVersion.number == review.script_version,
        )
    )
    return dict(content) if content is not None else None


def script_criteria(script: Mapping[str, Any] | None, call: Call) -> list[Criterion]:
    """Drawn from the script the operator saw: its greeting, and the answer for the caller's topic."""
    found: list[Criterion] = []
    greeting = (script or {}).get("greeting") or ""
    label = (
        gettext("Greeting said as written: “%(text)s”", text=greeting[:80])
        if greeting
        else gettext("Greeted with the shop's name")
    )
    found.append(Criterion("greeting", label, 2, source="script"))
    topic = call.menu_choice or ""
    found.append(
        Criterion(
            "correct_answer",
            gettext("Correct answer from the script given (topic: %(topic)s)", topic=topic)
            if topic
            else gettext("Correct answer from the script given"),
            3,
            source="script",
        )
    )
    return found


def criteria_for(review: QaReview, call: Call) -> list[Criterion]:
    """A reviewed call's own items as it was scored (names, weights, critical marks of that day,
    retired items included); a call still to review gets the script's and today's shared items."""
    if review.items:
        return [
            Criterion(
                str(item["key"]),
                str(item["label"]),
                int(item["weight"]),
                bool(item["critical"]),
                str(item.get("source", "shared")),
            )
            for item in review.items
        ]
    return [*script_criteria(script_of(review), call), *shared_criteria()]


def answers_for(script: Mapping[str, Any] | None, topic: str | None) -> list[dict[str, Any]]:
    """The script's Q&A entries about the caller's topic (tags, question or category words)."""
    if not script or not topic:
        return []
    word = topic.casefold()
    return [
        faq
        for faq in script.get("faqs", [])
        if word in str(faq.get("question", "")).casefold()
        or any(
            word in str(tag).casefold() or str(tag).casefold() in word
            for tag in faq.get("tags", [])
        )
    ][:5]


def score(criteria: list[Criterion], verdicts: Mapping[str, str]) -> tuple[float | None, bool]:
    """(score in per cent or None when nothing weighted applied, whether a critical item failed)."""
    critical_failed = any(c.critical and verdicts.get(c.key) == "fail" for c in criteria)
    weighed = [c for c in criteria if not c.critical and verdicts.get(c.key) in ("pass", "fail")]
    total = sum(c.weight for c in weighed)
    if critical_failed:
        return 0.0, True
    if total == 0:
        return None, False
    passed = sum(c.weight for c in weighed if verdicts.get(c.key) == "pass")
    return round(100 * passed / total, 1), False


def save_review(review: QaReview, call: Call, form: Mapping[str, str], reviewer: User) -> QaReview:
    """Fill the scorecard: every item needs a verdict (pass, fail, n/a); notes up to 4,000 chars."""
    criteria = criteria_for(review, call)
    verdicts = {c.key: form.get(f"item-{c.key}", "") for c in criteria}
    missing = [c for c in criteria if verdicts[c.key] not in VERDICTS]
    if missing:
        raise ReviewRefused(gettext("Give every item a verdict: %(item)s", item=missing[0].label))
    notes = form.get("coaching_notes", "").strip()
    if len(notes) > MAX_NOTES:
        raise ReviewRefused(gettext("Keep the coaching notes under %(n)d characters.", n=MAX_NOTES))
    review.score, review.critical_failed = score(criteria, verdicts)
    review.items = [
        {
            "key": c.key,
            "label": str(c.label),
            "weight": c.weight,
            "critical": c.critical,
            "source": c.source,
            "verdict": verdicts[c.key],
        }
        for c in criteria
    ]
    review.coaching_notes = notes
    review.status = "reviewed"
    review.reviewer_id = reviewer.id
    review.reviewed_at = utcnow()
    return review


# --- lists and trends -------------------------------------------------------------------------


def reviews(
    *,
    week_start: date | None = None,
    status: str | None = None,
    operator_id: uuid.UUID | None = None,
) -> list[tuple[QaReview, Call]]:
    query = select(QaReview, Call).join(
        Call, (Call.shop_id == QaReview.shop_id) & (Call.id == QaReview.call_id)
    )
    if week_start is not None:
        query = query.where(QaReview.week_start == week_start)
    if status is not None:
        query = query.where(QaReview.status == status)
    if operator_id is not None:
        query = query.where(QaReview.operator_id == operator_id)
    rows = db.session.execute(query.order_by(QaReview.week_start.desc(), Call.arrived_at))
    return [(review, call) for review, call in rows]


@dataclass(frozen=True)
class Trend:
    key: uuid.UUID
    week_start: date
    reviewed: int
    mean_score: float | None
    critical_failed: int


def trends(by: str, weeks: int = 8) -> list[Trend]:
    """Reviewed calls per operator (or shop) and week: the mean score and critical failures."""
    column = QaReview.operator_id if by == "operator" else QaReview.shop_id
    since = week_of(today_in_tokyo()) - timedelta(days=7 * (weeks - 1))
    rows = db.session.execute(
        select(
            column,
            QaReview.week_start,
            func.count(),
            func.avg(QaReview.score),
            func.sum(case((QaReview.critical_failed.is_(True), 1), else_=0)),
        )
        .where(QaReview.status == "reviewed", QaReview.week_start >= since)
        .group_by(column, QaReview.week_start)
        .order_by(column, QaReview.week_start)
    )
    return [
        Trend(
            key, week, count, round(float(mean), 1) if mean is not None else None, int(fails or 0)
        )
        for key, week, count, mean, fails in rows
    ]
