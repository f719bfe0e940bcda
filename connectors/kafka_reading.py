"""What both Kafka readers share: the restriction they claim (offsets ``[start, +inf)``,
never split: one reader per partition, or one group member per process), the record they
emit, and the lag they report."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.transforms.core import RestrictionProvider
from kafka import KafkaConsumer, TopicPartition

from newsmon.connectors.metrics import CONSUMER_LAG
from newsmon.models.messages import KafkaRecord

UNBOUNDED_END = sys.maxsize
"""Claiming it finishes the restriction (a drain run's end)."""


class Starts(Protocol):
    @property
    def start_offset(self) -> int: ...


class UnboundedOffsets(RestrictionProvider):
    """``[element.start_offset, +inf)``; never split."""

    def initial_restriction(self, element: Starts) -> OffsetRange:
        return OffsetRange(element.start_offset, UNBOUNDED_END)

    def create_tracker(self, restriction: OffsetRange) -> OffsetRestrictionTracker:
        return OffsetRestrictionTracker(restriction)

    def restriction_size(self, element: Starts, restriction: OffsetRange) -> int:
        return 1

    def split(self, element: Starts, restriction: OffsetRange) -> Iterator[OffsetRange]:
        yield restriction


def record_of(message: Any) -> KafkaRecord:
    """kafka-python's ``ConsumerRecord`` as the pipeline's :class:`KafkaRecord`."""
    return KafkaRecord(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
        timestamp_ms=message.timestamp,
    )


def report_lag(consumer: KafkaConsumer, tp: TopicPartition) -> None:
    """Set the lag gauge of ``tp``: records after the consumer's position (once it knows the end)."""
    highwater = consumer.highwater(tp)
    if highwater is not None:
        CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(max(0, highwater - consumer.position(tp)))


@dataclass
class _Tally:
    """One bundle's records so far, and when the first came."""

    taken: int = 0
    first_at: float | None = None


class BundleBudget:
    """How many records a reader may still take into the bundle in progress, so that the
    bundle (the read and every stage after it, fused) takes about ``seconds``.

    The time per record is measured on finished bundles (from the first poll that returned
    records to the bundle's finalizer, over the records it read); until the first measure a
    bundle takes ``most`` records. A poll takes at most ``most`` records. A bundle faster
    per record than the estimate is believed at once: the first bundles of a run carry its
    one-off costs (the models' first calls, connections) and small bundles their fixed
    costs, and a slow estimate only keeps bundles small. A slower one moves the estimate
    halfway, so that one long article does not shrink the next bundles to nothing.
    """

    _SMOOTHING = 0.5

    def __init__(self, seconds: float, most: int) -> None:
        self._seconds = seconds
        self._most = most
        self._per_record: float | None = None
        self._bundle = _Tally()

    def start(self) -> None:
        """A bundle begins (the reader's ``start_bundle``)."""
        self._bundle = _Tally()

    def allowance(self, readers: int = 1) -> int:
        """Records the next poll of this bundle may take (0: let the bundle end), when
        ``readers`` polls share the bundle (each its fair part, so that no partition waits
        for another's backlog)."""
        fits = self._most if self._per_record is None else max(1, int(self._seconds / self._per_record))
        fair = -(-fits // max(1, readers))
        return max(0, min(self._most, fair, fits - self._bundle.taken))

    def took(self, records: int, now: float) -> Callable[[float], None] | None:
        """A poll returned ``records``; on the bundle's first records, the callback for its
        finalizer (call it with the time the bundle finished)."""
        bundle = self._bundle
        if records <= 0:
            return None
        bundle.taken += records
        if bundle.first_at is not None:
            return None
        bundle.first_at = now

        def finished(at: float) -> None:
            measured = max(at - now, 0.0) / bundle.taken
            previous = self._per_record
            self._per_record = (
                measured
                if previous is None or measured <= previous
                else previous + self._SMOOTHING * (measured - previous)
            )

        return finished

    @property
    def seconds_per_record(self) -> float | None:
        return self._per_record
