"""Digest intervals: the clock-aligned M-minute intervals a digest rule reports on, and
the id of the record that one interval's digest reached a channel. Sending them is
``connectors/digests.py``."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

# How far back an unsent interval is still sent (e.g. after the pipeline was down).
CATCH_UP = timedelta(days=1)


def completed_intervals(minutes: float, now: datetime) -> list[tuple[datetime, datetime]]:
    """The clock-aligned intervals of ``minutes`` that ended within CATCH_UP before ``now``."""
    span = minutes * 60
    last_end = int(now.timestamp() // span) * span
    start = last_end - int(CATCH_UP.total_seconds() // span) * span
    intervals = []
    while start + span <= last_end:
        intervals.append((datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(start + span, UTC)))
        start += span
    return intervals


def digest_id(rule_id: str, start: datetime, channel: str) -> str:
    """Id of the record that the digest of ``rule_id`` for the interval from ``start`` reached ``channel``."""
    return hashlib.sha256(f"{rule_id}\ndigest:{start.isoformat()}\n{channel}".encode()).hexdigest()[:32]
