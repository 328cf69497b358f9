"""Outside call logs into demand history, for a queue that has no history with us.

Two formats: `anonbank` (the Anonymous Bank call-centre log: tab-separated, one row per call) and
`csv`, our documented generic format with one row per call and these columns:

    arrival,outcome,wait_s,handle_s
    2026-11-02T09:00:12,answered,14,185      (arrival in ISO 8601; local to --tz unless it has
    2026-11-02T09:01:40,abandoned,35,0        an offset; outcome answered or abandoned)

Malformed rows are reported with their line numbers and skipped; an abandon within
`SHORT_ABANDON_S` counts as a short abandon (DESIGN.md section 2).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from scheduling.demand import ensure_row, interval_start
from scheduling.models import DemandInterval, HistoryImport
from tenants.db import db, new_id

FORMATS = ("anonbank", "csv")


@dataclass(frozen=True)
class LoggedCall:
    arrived: datetime
    outcome: str  # answered, abandoned
    wait_s: int
    handle_s: int


@dataclass
class ImportSummary:
    rows: int = 0
    calls: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    malformed: list[tuple[int, str]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    intervals: int = 0
    already_imported: bool = False


def _clock(text: str) -> time:
    hours, minutes, seconds = (int(p) for p in text.split(":"))
    return time(hours, minutes, seconds)


def parse_anonbank(
    lines: Iterable[str], tz: ZoneInfo, summary: ImportSummary
) -> Iterator[LoggedCall]:
    """Calls offered to agents: answered (AGENT), or abandoned (HANG after joining the queue)."""
    for number, line in enumerate(lines, start=1):
        if number == 1 and line.startswith("vru+line"):
            continue
        summary.rows += 1
        fields = line.rstrip("\r\n").split("\t")
        try:
            if len(fields) != 17:
                raise ValueError(f"{len(fields)} fields instead of 17")
            year = int(fields[5][:2])
            day = date(
                1900 + year if year >= 70 else 2000 + year, int(fields[5][2:4]), int(fields[5][4:6])
            )
            outcome = fields[12]
            queued, wait = fields[9], int(fields[11])
            served, handle = fields[13], int(fields[15])
            if outcome == "PHANTOM":
                summary.skipped["line fault (PHANTOM)"] += 1
                continue
            if outcome == "HANG" and queued == "0:00:00":
                summary.skipped["ended in the voice menu"] += 1
                continue
            if outcome not in ("AGENT", "HANG"):
                raise ValueError(f"unknown outcome {outcome!r}")
            start = queued if queued != "0:00:00" else served
            arrived = datetime.combine(day, _clock(start), tz)
            if wait < 0 or handle < 0:
                raise ValueError("negative duration")
        except (ValueError, IndexError) as problem:
            summary.malformed.append((number, str(problem)))
            continue
        yield LoggedCall(
            arrived,
            "answered" if outcome == "AGENT" else "abandoned",
            wait,
            handle if outcome == "AGENT" else 0,
        )


def parse_csv(lines: Iterable[str], tz: ZoneInfo, summary: ImportSummary) -> Iterator[LoggedCall]:
    reader = csv.DictReader(lines)
    if not {"arrival", "outcome", "wait_s", "handle_s"} <= set(reader.fieldnames or []):
        summary.malformed.append((1, "the header must be arrival,outcome,wait_s,handle_s"))
        return
    for row in reader:
        summary.rows += 1
        try:
            arrived = datetime.fromisoformat(row["arrival"])
            if arrived.tzinfo is None:
                arrived = arrived.replace(tzinfo=tz)
            outcome = row["outcome"].strip().lower()
            if outcome not in ("answered", "abandoned"):
                raise ValueError(f"unknown outcome {outcome!r}")
            wait, handle = int(row["wait_s"]), int(row["handle_s"])
            if wait < 0 or handle < 0:
                raise ValueError("negative duration")
        except (ValueError, TypeError, KeyError) as problem:
            summary.malformed.append((reader.line_num, str(problem)))
            continue
        yield LoggedCall(arrived, outcome, wait, handle if outcome == "answered" else 0)


def import_history(
    queue: str,
    raw: bytes,
    *,
    file_format: str,
    tz: ZoneInfo,
    short_abandon_s: int,
    sl_threshold_s: int,
    progress: Iterable[str] | None = None,
) -> ImportSummary:
    """Add a call log to the queue's demand history; the same file a second time changes nothing."""
    summary = ImportSummary()
    digest = hashlib.sha256(raw).hexdigest()
    if (
        db.session.scalar(
            select(HistoryImport.id).where(
                HistoryImport.queue == queue, HistoryImport.sha256 == digest
            )
        )
        is not None
    ):
        summary.already_imported = True
        return summary
    text = raw.decode("utf-8-sig")
    lines: Iterable[str] = progress if progress is not None else io.StringIO(text)
    parser = parse_anonbank if file_format == "anonbank" else parse_csv
    totals: dict[datetime, Counter[str]] = defaultdict(Counter)
    for call in parser(lines, tz, summary):
        summary.calls += 1
        slot = totals[interval_start(call.arrived)]
        if call.outcome == "abandoned" and call.wait_s < short_abandon_s:
            slot["short_abandoned"] += 1
            summary.counts["short_abandoned"] += 1
            continue
        slot["offered"] += 1
        slot[call.outcome] += 1
        summary.counts["offered"] += 1
        summary.counts[call.outcome] += 1
        if call.outcome == "answered":
            slot["wait_s_answered"] += call.wait_s
            slot["handle_s"] += call.handle_s
            slot["answered_within_sl"] += int(call.wait_s <= sl_threshold_s)
        else:
            slot["wait_s_abandoned"] += call.wait_s
    columns = DemandInterval.__table__.c
    for start, counts in totals.items():
        ensure_row(queue, start)
        db.session.execute(
            update(DemandInterval)
            .where(DemandInterval.queue == queue, DemandInterval.interval_start == start)
            .values({name: columns[name] + value for name, value in counts.items()})
        )
    summary.intervals = len(totals)
    db.session.add(HistoryImport(id=new_id(), queue=queue, sha256=digest, calls=summary.calls))
    return summary
