"""Reading Kafka as a member of the consumer group: Kafka assigns the partitions, and moves
those of a member that dies (its session times out) to the others.

One splittable element per process: a member polling whatever partitions the group gives
it, each call one poll, then a checkpoint so the bundle (and its commit) can finish. As
with the per-partition reader, a bundle's offsets are committed in its finalizer, after
everything downstream succeeded (in the alerts transaction when the bundle sent alerts).
A commit refused because the group moved the partitions on (the member was too slow, or
fenced) is not an error: the partitions' new owner reads the uncommitted records again,
and the transaction of their alerts is aborted, so nothing is lost or doubled; this
member seeks back to what was committed for any partition it still holds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from newsmon.connectors.kafka_reading import (
    UNBOUNDED_END,
    BundleBudget,
    UnboundedOffsets,
    record_of,
    report_lag,
)
from newsmon.connectors.kafka_transactions import BundleTransaction
from newsmon.connectors.metrics import BUNDLE_SECONDS, RECORDS_READ
from newsmon.models.messages import KafkaRecord
from newsmon.settings import KafkaSettings

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class GroupMember:
    """The one element of a group read: which topic this process follows. Its restriction
    counts polls (each call claims one), from ``start_offset``."""

    topic: str
    start_offset: int = 0


_POLLS = beam.DoFn.RestrictionParam(UnboundedOffsets())


class ReadAsGroupMemberFn(beam.DoFn):
    """Polls the partitions the consumer group assigns this process (see the module)."""

    def __init__(self, settings: KafkaSettings, options: Any) -> None:
        self._settings = settings
        self._options = options  # KafkaReadOptions

    def setup(self) -> None:
        self._consumer: KafkaConsumer | None = None
        self._last_record_at = time.monotonic()
        self._transaction: BundleTransaction | None = None
        if self._options.transactional_id is not None:
            self._transaction = BundleTransaction.of(self._settings, self._options.transactional_id)
        self._budget = BundleBudget(self._options.bundle_seconds, self._options.max_poll_records)

    def start_bundle(self) -> None:
        self._budget.start()

    def teardown(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None

    def _member(self, topic: str) -> KafkaConsumer:
        if self._consumer is None:
            self._consumer = KafkaConsumer(
                **self._settings.client_config(),
                group_id=self._options.group_id,
                enable_auto_commit=False,
                auto_offset_reset=self._options.auto_offset_reset,
                max_poll_records=self._options.max_poll_records,
                max_partition_fetch_bytes=self._settings.max_message_bytes,
                session_timeout_ms=self._options.session_timeout_ms,
                heartbeat_interval_ms=max(1000, self._options.session_timeout_ms // 4),
            )
            self._consumer.subscribe([topic])
            _LOG.info("joined consumer group %s on topic %s", self._options.group_id, topic)
        return self._consumer

    @beam.DoFn.unbounded_per_element()  # type: ignore[untyped-decorator]
    def process(
        self,
        element: GroupMember,
        bundle_finalizer: Any = beam.DoFn.BundleFinalizerParam,
        tracker: Any = _POLLS,
    ) -> Iterator[KafkaRecord]:
        allowance = self._budget.allowance()
        if allowance == 0:
            tracker.defer_remainder()  # the bundle is full: read on in the next
            return
        if not tracker.try_claim(tracker.current_restriction().start):
            return
        consumer = self._member(element.topic)
        batch = consumer.poll(timeout_ms=self._options.poll_timeout_ms, max_records=allowance)
        now = time.monotonic()
        first: dict[TopicPartition, int] = {}
        following: dict[TopicPartition, int] = {}
        for tp, messages in batch.items():
            read = RECORDS_READ.labels(tp.topic, str(tp.partition))
            for message in messages:
                first.setdefault(tp, message.offset)
                following[tp] = message.offset + 1
                read.inc()
                yield record_of(message)
        for tp in consumer.assignment():
            report_lag(consumer, tp)
        measure = self._budget.took(sum(len(messages) for messages in batch.values()), now)
        if measure is not None:
            bundle_finalizer.register(lambda: measure(time.monotonic()))
        if following:
            self._last_record_at = now
            if self._transaction is not None:
                for tp, offset in following.items():
                    self._transaction.note_offsets(tp, offset)
            bundle_finalizer.register(self._commit_callback(consumer, first, following, now))
        elif (
            self._options.idle_timeout_s is not None
            and now - self._last_record_at >= self._options.idle_timeout_s
        ):
            _LOG.info("group member idle for %.1fs: done", now - self._last_record_at)
            tracker.try_claim(UNBOUNDED_END)
            return
        tracker.defer_remainder()

    def _commit_callback(
        self,
        consumer: KafkaConsumer,
        first: dict[TopicPartition, int],
        following: dict[TopicPartition, int],
        read_at: float,
    ) -> Any:
        def commit() -> None:
            BUNDLE_SECONDS.observe(time.monotonic() - read_at)
            try:
                transaction = self._transaction
                if transaction is None or not transaction.commit(consumer.group_metadata()):
                    consumer.commit({tp: OffsetAndMetadata(n, "", -1) for tp, n in following.items()})
                return
            except KafkaError as e:
                _LOG.warning(
                    "commit refused (%s): the group moved partitions on; the rest is read again",
                    e,
                )
            if self._transaction is not None:
                self._transaction.abort()
            held = consumer.assignment()
            for tp, offset in first.items():
                if tp in held:
                    consumer.seek(tp, offset)

        return commit
