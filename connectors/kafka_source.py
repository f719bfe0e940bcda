"""Reading Kafka in Beam with kafka-python: an unbounded splittable DoFn per partition.

Beam's own ``ReadFromKafka`` is a cross-language transform that needs a Java expansion
service and SDK harness; this source runs on the local Python runners too and stays
runner-agnostic.

Delivery is at-least-once with commits after the fact: each bundle registers a bundle
finalizer that commits the consumer-group offsets of the records it read. Beam calls
finalizers only after the whole bundle (so the downstream sinks' ``finish_bundle``
flushes to the search engine and the dead-letter topic) succeeded. A crash before that
leaves the offsets uncommitted, and the records are read again on restart; idempotent
document ids make the repeat harmless.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import PBegin, PCollection
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from newsmon.connectors.kafka_group_source import GroupMember, ReadAsGroupMemberFn
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
class PartitionStart:
    """Where reading of one partition begins (the group's committed offset, or the reset point)."""

    topic: str
    partition: int
    start_offset: int


@dataclass(frozen=True)
class KafkaReadOptions:
    """Picklable options of :class:`ReadFromKafkaTopic`."""

    topic: str
    group_id: str
    poll_timeout_ms: int = 1000
    max_poll_records: int = 500
    # How long a bundle should take: the read takes as many records as fit (BundleBudget).
    bundle_seconds: float = 15.0
    auto_offset_reset: str = "earliest"
    idle_timeout_s: float | None = None
    commit_offsets: bool = True
    # With idle_timeout_s: how long a drained partition waits for its last offset commit.
    commit_wait_s: float = 60.0
    # Spread the records over the runner's parallel workers (a Reshuffle after the read).
    # Only for runners that run stages in parallel (Flink): Beam's local runner would hold
    # the shuffled records until the unbounded read ends.
    redistribute: bool = False
    # (K, N): read the K-th of N shares of the partitions (N processes split the topic).
    share: tuple[int, int] = (1, 1)
    # Commit offsets in the alerts sink's transaction when a bundle sent alerts (exactly-once
    # alerts, local runner only: see newsmon.connectors.kafka_transactions).
    transactional_id: str | None = None
    # "static": partitions map to readers (and to shares of processes); "group": the
    # process is a member of the consumer group and Kafka assigns (and reassigns) them.
    assignment: str = "static"
    session_timeout_ms: int = 10_000


def _consumer(settings: KafkaSettings, options: KafkaReadOptions) -> KafkaConsumer:
    return KafkaConsumer(
        **settings.client_config(),
        group_id=options.group_id,
        enable_auto_commit=False,
        auto_offset_reset=options.auto_offset_reset,
        max_poll_records=options.max_poll_records,
        max_partition_fetch_bytes=settings.max_message_bytes,
    )


def partitions_of_share(partitions: Iterable[int], share: tuple[int, int]) -> list[int]:
    """The partitions the K-th of N processes reads: every N-th, starting at the K-th.

    Shares are disjoint and together cover every partition, so N processes with the same
    consumer group read each record once between them.
    """
    part, count = share
    if not 1 <= part <= count:
        raise ValueError(f"share {part}/{count}: K must be between 1 and N")
    return [p for position, p in enumerate(sorted(partitions)) if position % count == part - 1]


def start_offsets(
    consumer: KafkaConsumer, topic: str, auto_offset_reset: str, share: tuple[int, int] = (1, 1)
) -> list[PartitionStart]:
    """Per partition of this process' share: the group's committed offset, else the beginning or the end."""
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        raise ValueError(f"Kafka topic {topic!r} does not exist; run `newsmon init` first")
    mine = partitions_of_share(partitions, share)
    if not mine:
        raise ValueError(
            f"share {share[0]}/{share[1]} of topic {topic!r} holds no partition: "
            f"the topic has {len(partitions)}, fewer than the {share[1]} processes"
        )
    tps = [TopicPartition(topic, p) for p in mine]
    beginning = consumer.beginning_offsets(tps)
    end = consumer.end_offsets(tps)
    starts = []
    for tp in tps:
        committed = consumer.committed(tp)
        if committed is None:
            offset = beginning[tp] if auto_offset_reset == "earliest" else end[tp]
        else:
            # Retention may have deleted what the group last committed.
            offset = max(committed, beginning[tp])
        starts.append(PartitionStart(topic, tp.partition, offset))
    return starts


class _DiscoverPartitionsFn(beam.DoFn):
    def __init__(self, settings: KafkaSettings, options: KafkaReadOptions) -> None:
        self._settings = settings
        self._options = options

    def process(self, _: Any) -> Iterator[PartitionStart]:
        consumer = _consumer(self._settings, self._options)
        try:
            starts = start_offsets(
                consumer, self._options.topic, self._options.auto_offset_reset, self._options.share
            )
            for start in starts:
                _LOG.info(
                    "reading topic=%s partition=%d from_offset=%d",
                    start.topic,
                    start.partition,
                    start.start_offset,
                )
                yield start
        finally:
            consumer.close()


_TRACKER_PARAM = beam.DoFn.RestrictionParam(UnboundedOffsets())
_POLL_WHILE_OTHERS_BUSY_MS = 10


class _ReadPartitionFn(beam.DoFn):
    """Polls one partition per call, then checkpoints so the bundle (and its commit) can finish."""

    def __init__(self, settings: KafkaSettings, options: KafkaReadOptions) -> None:
        self._settings = settings
        self._options = options
        self._records_read = Metrics.counter("newsmon.kafka", "records_read")

    def setup(self) -> None:
        self._consumers: dict[TopicPartition, KafkaConsumer] = {}
        self._last_record_at: dict[TopicPartition, float] = {}
        # Per partition: the offset a registered but not yet run finalizer will commit.
        self._awaiting_commit: dict[TopicPartition, int] = {}
        # Partitions whose last poll returned records.
        self._busy: set[TopicPartition] = set()
        self._transaction: BundleTransaction | None = None
        if self._options.transactional_id is not None:
            self._transaction = BundleTransaction.of(self._settings, self._options.transactional_id)
        # One budget for the bundle: the runner calls every partition's read in it in turn.
        self._budget = BundleBudget(self._options.bundle_seconds, self._options.max_poll_records)

    def start_bundle(self) -> None:
        self._budget.start()

    def teardown(self) -> None:
        for consumer in self._consumers.values():
            consumer.close()
        self._consumers.clear()

    def _consumer_for(self, tp: TopicPartition) -> KafkaConsumer:
        consumer = self._consumers.get(tp)
        if consumer is None:
            consumer = _consumer(self._settings, self._options)
            # Manual assignment, not subscribe(): partitions map to restrictions, and a
            # group without live members accepts our offset commits.
            consumer.assign([tp])
            self._consumers[tp] = consumer
        return consumer

    @beam.DoFn.unbounded_per_element()  # type: ignore[untyped-decorator]
    def process(
        self,
        element: PartitionStart,
        bundle_finalizer: Any = beam.DoFn.BundleFinalizerParam,
        # Beam passes the tracker by keyword: it must be the last parameter.
        tracker: Any = _TRACKER_PARAM,
    ) -> Iterator[KafkaRecord]:
        tp = TopicPartition(element.topic, element.partition)
        allowance = self._budget.allowance(readers=max(1, len(self._consumers)))
        if allowance == 0:
            # This bundle has as many records as fit in its time: read on in the next.
            tracker.defer_remainder()
            return
        consumer = self._consumer_for(tp)
        position = tracker.current_restriction().start
        if consumer.position(tp) != position:
            consumer.seek(tp, position)
        batch = consumer.poll(timeout_ms=self._poll_timeout_ms(tp), max_records=allowance)
        now = time.monotonic()
        last_offset = None
        read = RECORDS_READ.labels(tp.topic, str(tp.partition))
        messages = batch.get(tp, [])
        for message in messages:
            if not tracker.try_claim(message.offset):
                return
            last_offset = message.offset
            self._records_read.inc()
            read.inc()
            yield record_of(message)
        report_lag(consumer, tp)
        measure = self._budget.took(len(messages), now)
        if measure is not None:
            bundle_finalizer.register(lambda: measure(time.monotonic()))
        if last_offset is not None:
            self._busy.add(tp)
            self._last_record_at[tp] = now
            if self._transaction is not None:
                self._transaction.note_offsets(tp, last_offset + 1)
            if self._options.commit_offsets:
                self._awaiting_commit[tp] = last_offset + 1
                bundle_finalizer.register(self._commit_callback(consumer, tp, last_offset + 1, now))
        else:
            self._busy.discard(tp)
            self._last_record_at.setdefault(tp, now)
            if self._drained(tp, now - self._last_record_at[tp]):
                # Claiming the end of the unbounded range finishes this restriction.
                tracker.try_claim(UNBOUNDED_END)
                return
        tracker.defer_remainder()

    def _poll_timeout_ms(self, tp: TopicPartition) -> int:
        """How long a poll of ``tp`` may wait for records: ``poll_timeout_ms`` when this
        reader's other partitions are quiet too, else a few milliseconds. The runner calls
        the partitions in turn on one thread: an empty partition waiting its full timeout
        would hold up the backlog of the others (about 2% of a drain's time was spent so)."""
        if self._busy - {tp}:
            return min(self._options.poll_timeout_ms, _POLL_WHILE_OTHERS_BUSY_MS)
        return self._options.poll_timeout_ms

    def _drained(self, tp: TopicPartition, idle_for: float) -> bool:
        """With an idle timeout: whether this partition's read may finish now.

        Idle long enough, and the commit of what was read has run: a runner may finalize
        bundles well after they end (Flink: when a checkpoint completes), and once the
        read finishes the job ends without that last commit. Waits for it up to
        ``commit_wait_s`` more, then finishes anyway (the next run re-reads the rest).
        """
        timeout = self._options.idle_timeout_s
        if timeout is None or idle_for < timeout:
            return False
        pending = self._awaiting_commit.get(tp)
        if pending is not None and idle_for < timeout + self._options.commit_wait_s:
            return False
        if pending is not None:
            _LOG.warning(
                "partition %s: offsets from %d not committed; the next run re-reads them", tp, pending
            )
        _LOG.info("partition %s idle for %.1fs: done", tp, idle_for)
        return True

    def _commit_callback(
        self, consumer: KafkaConsumer, tp: TopicPartition, next_offset: int, read_at: float
    ) -> Any:
        def commit() -> None:
            BUNDLE_SECONDS.observe(time.monotonic() - read_at)
            # With alerts sent in this bundle, the offsets commit in their transaction. A
            # failure there must end the run: swallowed, a later commit would cover offsets
            # whose alerts were aborted.
            transaction = self._transaction
            if transaction is not None and transaction.commit(self._options.group_id):
                self._awaiting_commit.pop(tp, None)
                return
            try:
                consumer.commit({tp: OffsetAndMetadata(next_offset, "", -1)})
            except KafkaError as e:
                # The data is safely indexed; a later bundle's commit covers these offsets.
                # Failing here would stop the pipeline during a broker restart.
                _LOG.warning(
                    "offset commit failed for %s at %d (%s); the next commit covers it", tp, next_offset, e
                )
                return
            if self._awaiting_commit.get(tp) == next_offset:
                del self._awaiting_commit[tp]
            _LOG.debug("committed %s next_offset=%d", tp, next_offset)

        return commit


class ReadFromKafkaTopic(beam.PTransform[PBegin, PCollection[KafkaRecord]]):
    """Unbounded read of every partition of a topic as :class:`KafkaRecord` elements.

    Args:
      settings: connection settings (bootstrap servers, security).
      options: topic, consumer group, polling and stop behaviour. With
        ``idle_timeout_s`` set, a partition that stays empty that long finishes, which
        turns the stream into a drain-and-exit run (backfills, tests).
    """

    def __init__(self, settings: KafkaSettings, options: KafkaReadOptions) -> None:
        super().__init__()
        self._settings = settings
        self._options = options

    def expand(self, pbegin: PBegin) -> PCollection[KafkaRecord]:
        records: PCollection[KafkaRecord]
        if self._options.assignment == "group":
            records = (
                pbegin
                | "Impulse" >> beam.Impulse()
                | "Member" >> beam.Map(lambda _, topic: GroupMember(topic), self._options.topic)
                | "ReadAsGroupMember" >> beam.ParDo(ReadAsGroupMemberFn(self._settings, self._options))
            )
        else:
            records = (
                pbegin
                | "Impulse" >> beam.Impulse()
                | "DiscoverPartitions" >> beam.ParDo(_DiscoverPartitionsFn(self._settings, self._options))
                | "ReadPartitions" >> beam.ParDo(_ReadPartitionFn(self._settings, self._options))
            )
        if self._options.redistribute:
            # Safe for the offset commits: Flink finalizes the reading bundle only when a
            # checkpoint completes, after every stage has processed what came before it.
            records = records | "SpreadRecords" >> beam.Reshuffle()
        return records
