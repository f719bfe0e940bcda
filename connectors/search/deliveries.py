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


def delivery_id(key: str, reference: str) -> str:
    """Id of the record that what ``key`` names (an alert, or an alert group) reached the
    channel ``reference``."""
    return hashlib.sha256(f"delivered\n{key}\n{reference}".encode()).hexdigest()[:32]


class DeliveryLog:
    """Delivery records in ``index``; what this process looked up or noted is remembered
    until :meth:`forget` (the end of a bundle). With ``per_group``, one record per alert
    group and channel (a story's alerts of one rule are one notification); else one per
    alert (the alerts topic gets every alert)."""

    def __init__(self, engine: SearchEngine, index: str, per_group: bool = False) -> None:
        self._engine = engine
        self._index = index
        self._per_group = per_group
        self._writes = WriteBuffer(engine, index)
        self._reached: set[str] = set()

    def _key(self, alert: Alert) -> str:
        return alert.group_key if self._per_group else alert.id

    def _id(self, alert: Alert, reference: str) -> str:
        return delivery_id(self._key(alert), reference)

    def look_up(self, deliveries: list[tuple[Alert, str]]) -> None:
        """Load the records of these (alert, channel) pairs in one multi-get (a get by id is
        real-time: a record flushed by the previous bundle is seen at once)."""
        wanted = [i for i in (self._id(a, r) for a, r in deliveries) if i not in self._reached]
        if wanted:
            engine, index = self._engine, self._index
            found = engine.with_retries(lambda: engine.get_many(index, wanted))
            self._reached.update(record for record, source in found.items() if source is not None)

    def reached(self, alert: Alert, reference: str) -> bool:
        """True if a record (looked up, or noted since the last :meth:`forget`) says so."""
        return self._id(alert, reference) in self._reached

    def note(self, alert: Alert, reference: str) -> None:
        """Record that the delivery succeeded (written by :meth:`flush`)."""
        record = self._id(alert, reference)
        self._reached.add(record)
        self._writes.add(
            record,
            {
                "kind": "delivery",
                "rule_id": alert.rule_id,
                "article_id": alert.article_id,
                "event_time": datetime.now(UTC).isoformat(),
                "keys": [self._key(alert), reference],
            },
        )

    def flush(self) -> None:
        self._writes.flush()

    def forget(self) -> None:
        self._reached.clear()
