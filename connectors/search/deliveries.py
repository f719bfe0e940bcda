"""Which alerts reached which channel: one record (alert id + channel) per delivery in the
rule-state index, so that an alert read again (a replay after a crash or a restart) is not
sent to a channel it reached.

A record is written after its delivery succeeded and before the bundle's offsets are
committed (:meth:`DeliveryLog.flush` in ``finish_bundle``): a crash between the two can
repeat that delivery (at-least-once; receivers dedupe on the alert id), never lose it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from newsmon.connectors.search.base import SearchEngine, WriteBuffer
from newsmon.models.alert import Alert


def delivery_id(alert: Alert, reference: str) -> str:
    """Id of the record that ``alert`` reached the channel ``reference``: one per alert
    group (a story's alerts of one rule are one notification), else per alert."""
    return hashlib.sha256(f"delivered\n{alert.group_key}\n{reference}".encode()).hexdigest()[:32]


class DeliveryLog:
    """Delivery records in ``index``; what this process looked up or noted is remembered
    until :meth:`forget` (the end of a bundle)."""

    def __init__(self, engine: SearchEngine, index: str) -> None:
        self._engine = engine
        self._index = index
        self._writes = WriteBuffer(engine, index)
        self._reached: set[str] = set()

    def look_up(self, deliveries: list[tuple[Alert, str]]) -> None:
        """Load the records of these (alert, channel) pairs in one multi-get (a get by id is
        real-time: a record flushed by the previous bundle is seen at once)."""
        wanted = [i for i in (delivery_id(a, r) for a, r in deliveries) if i not in self._reached]
        if wanted:
            engine, index = self._engine, self._index
            found = engine.with_retries(lambda: engine.get_many(index, wanted))
            self._reached.update(record for record, source in found.items() if source is not None)

    def reached(self, alert: Alert, reference: str) -> bool:
        """True if a record (looked up, or noted since the last :meth:`forget`) says so."""
        return delivery_id(alert, reference) in self._reached

    def note(self, alert: Alert, reference: str) -> None:
        """Record that the delivery succeeded (written by :meth:`flush`)."""
        record = delivery_id(alert, reference)
        self._reached.add(record)
        self._writes.add(
            record,
            {
                "kind": "delivery",
                "rule_id": alert.rule_id,
                "article_id": alert.article_id,
                "event_time": datetime.now(UTC).isoformat(),
                "keys": [alert.group_key, reference],
            },
        )

    def flush(self) -> None:
        self._writes.flush()

    def forget(self) -> None:
        self._reached.clear()
