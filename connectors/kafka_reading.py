"""What both Kafka readers share: the restriction they claim (offsets ``[start, +inf)``,
never split: one reader per partition, or one group member per process), the record they
emit, and the lag they report."""

from __future__ import annotations

import sys
from collections.abc import Iterator
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
