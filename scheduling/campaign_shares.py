"""A shop's share of its queue's calls, which the shop's campaign days multiply.

A queue answers many shops: a sale at one of them raises only that shop's part of the queue's
calls. The share is the shop's offered calls over the queue's in the four weeks before the day
(recorded per shop and day as calls end). A shop without calls in those weeks counts as one more
shop of the queue's average size; a queue with no calls recorded per shop (an imported history)
gives the shop the whole queue, as nothing tells its part.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from scheduling.models import ShopDemandDay
from tenants.db import db

SHARE_WINDOW = timedelta(weeks=4)


def record_offered(shop_id: uuid.UUID, queue: str, day: date, sign: int = 1) -> None:
    """Count (or, with `sign=-1`, take back) one offered call of the shop on `day`."""
    from scheduling.demand import add_counts

    add_counts(ShopDemandDay, {"shop_id": shop_id, "queue": queue, "day": day}, {"offered": sign})


def shop_share(queue: str, shop_id: uuid.UUID, day: date) -> float:
    """The shop's part (0 to 1) of the queue's offered calls in the four weeks before `day`."""
    rows = db.session.execute(
        select(ShopDemandDay.shop_id, func.sum(ShopDemandDay.offered))
        .where(
            ShopDemandDay.queue == queue,
            ShopDemandDay.day >= day - SHARE_WINDOW,
            ShopDemandDay.day < day,
        )
        .group_by(ShopDemandDay.shop_id)
    ).all()
    offered = {row[0]: float(row[1] or 0) for row in rows if row[1]}
    total = sum(offered.values())
    if not total:
        return 1.0
    if shop_id not in offered:
        return 1.0 / (len(offered) + 1)
    return offered[shop_id] / total
