"""Exactly-once alerts on the alerts topic: a bundle's alerts and the offsets of the
records it read, committed in one Kafka transaction.

The alerts sink sends through :meth:`BundleTransaction.send` (the first send of a bundle
opens a transaction); the Kafka source notes each partition's next offset as it reads
(:meth:`note_offsets`), and its bundle finalizer, which the runner calls only after the
whole bundle succeeded, calls :meth:`commit`: if the bundle sent alerts, the offsets go
into the transaction and the transaction commits, alerts and offsets together; else the
source commits its offsets itself, as without transactions.

A bundle that outlives the transaction timeout (a slow engine) has its transaction aborted by
the broker; the producer notices at its next send or commit, and the transaction is opened
again with the bundle's alerts sent anew, so the commit still holds each of them once.
The Kafka readers size bundles well inside the timeout (``pipeline.bundle_seconds``).

A crash before the commit leaves the transaction open; the restarted process opens the
producer with the same transactional id, which aborts it, and reads the records again:
consumers reading with ``isolation_level=read_committed`` see each alert once.

This needs the source, the sink and the finalizer of one bundle in one process, one bundle
at a time: Beam's local runner. On Flink (finalizers run when a checkpoint completes,
while later bundles already run; a Reshuffle may put the sink on another worker) the
alerts topic stays at-least-once, keyed by alert id (``pipeline.exactly_once_alerts``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any, ClassVar

from kafka import KafkaProducer, TopicPartition
from kafka.errors import (
    CommitFailedError,
    FencedInstanceIdError,
    IllegalGenerationError,
    KafkaError,
    ProducerFencedError,
    RebalanceInProgressError,
    UnknownMemberIdError,
)
from kafka.structs import OffsetAndMetadata

from newsmon.connectors.kafka import make_producer
from newsmon.settings import KafkaSettings

_LOG = logging.getLogger(__name__)
# Longer than a bundle takes, short enough that a member that died with a transaction open
# (consumer-group mode: its id is not reused) holds up read_committed readers of the alerts
# topic for a minute at most.
TRANSACTION_TIMEOUT_MS = 60 * 1000
# Times one send or commit opens the transaction again before the bundle fails.
_REOPENS = 3

Message = tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]


class BundleTransaction:
    """One transactional producer per process and transactional id, shared by the alerts
    sink and the Kafka source of the same pipeline (see the module's docstring)."""

    _open_ones: ClassVar[dict[str, BundleTransaction]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self, settings: KafkaSettings, transactional_id: str, timeout_ms: int = TRANSACTION_TIMEOUT_MS
    ) -> None:
        self._settings = settings
        self._id = transactional_id
        self._timeout_ms = timeout_ms
        self._lock = threading.RLock()
        self._producer: KafkaProducer | None = None
        self._in_transaction = False
        self._offsets: dict[TopicPartition, int] = {}
        # What the open transaction holds, to send again if the broker aborts it.
        self._sent: list[Message] = []
        self._begun_at = 0.0
        self.reopened = 0

    @classmethod
    def of(cls, settings: KafkaSettings, transactional_id: str) -> BundleTransaction:
        """The process's transaction for ``transactional_id``, made on first use."""
        with cls._registry_lock:
            found = cls._open_ones.get(transactional_id)
            if found is None:
                found = cls._open_ones[transactional_id] = cls(settings, transactional_id)
            return found

    def _started_producer(self) -> KafkaProducer:
        if self._producer is None:
            producer = make_producer(
                self._settings,
                transactional_id=self._id,
                enable_idempotence=True,
                max_in_flight_requests_per_connection=5,
                transaction_timeout_ms=self._timeout_ms,
                max_request_size=self._settings.dead_letter_max_bytes,
            )
            # Fences an earlier process with this id and aborts what it left open.
            producer.init_transactions()
            self._producer = producer
        return self._producer

    def send(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> Any:
        """Send inside the bundle's transaction (opened by the first send); the future."""
        with self._lock:
            producer = self._started_producer()
            if not self._in_transaction:
                producer.begin_transaction()
                self._in_transaction = True
                self._begun_at = time.monotonic()
            message: Message = (topic, key, value, headers)
            for attempt in range(_REOPENS + 1):
                try:
                    future = self._send_now(message)
                    break
                except KafkaError as e:  # IllegalStateError too: the transaction is gone
                    if attempt == _REOPENS or self._fenced(e):
                        raise
                    self._reopen(e)
            self._sent.append(message)
            return future

    def _send_now(self, message: Message) -> Any:
        topic, key, value, headers = message
        assert self._producer is not None
        return self._producer.send(topic, key=key, value=value, headers=headers)

    def _reopen(self, cause: Exception) -> None:
        """The broker aborted the open transaction (or the producer failed in it): open a
        new one and send what the old one held again."""
        _LOG.warning("alerts transaction lost (%s): reopened with its %d alert(s)", cause, len(self._sent))
        self.reopened += 1
        producer = self._producer
        if producer is not None:
            # Nothing may be open any more (the broker's abort reset the producer).
            with contextlib.suppress(KafkaError):
                producer.abort_transaction()
        try:
            self._started_producer().begin_transaction()
        except KafkaError:
            # A producer that cannot start a transaction (the broker's abort bumped its
            # epoch: it is fenced) is replaced; init_transactions takes the new epoch.
            if self._producer is not None:
                self._producer.close(timeout=10)
                self._producer = None
            self._started_producer().begin_transaction()
        self._begun_at = time.monotonic()
        for message in self._sent:
            self._send_now(message)

    def flush(self) -> None:
        with self._lock:
            if self._producer is not None:
                self._producer.flush()

    def note_offsets(self, tp: TopicPartition, next_offset: int) -> None:
        """The source read ``tp`` up to ``next_offset`` (exclusive) in the current bundle
        (forgotten at the bundle's :meth:`commit`: the runner finalizes a bundle before it
        runs the next, as Beam's local runner does)."""
        with self._lock:
            self._offsets[tp] = next_offset

    def commit(self, group: Any) -> bool:
        """Commit the open transaction with the offsets noted, for ``group`` (its id, or a
        member's ``group_metadata()``, which lets the broker fence a member the group moved
        on from); False when this bundle sent nothing (no transaction: the caller commits
        its offsets the usual way)."""
        with self._lock:
            # The offsets noted are this bundle's only: a partition read long ago may have
            # moved to another member since, and committing its old offset would rewind it.
            noted, self._offsets = self._offsets, {}
            if not self._in_transaction or self._producer is None:
                return False
            offsets = {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in noted.items()}
            for attempt in range(_REOPENS + 1):
                try:
                    assert self._producer is not None
                    self._producer.send_offsets_to_transaction(offsets, group)
                    self._producer.commit_transaction()
                    break
                except KafkaError as e:
                    if attempt == _REOPENS or self._fenced(e):
                        self._in_transaction = False
                        self._sent = []
                        raise
                    self._reopen(e)
            self._in_transaction = False
            self._sent = []
            _LOG.debug("transaction committed id=%s offsets=%s", self._id, offsets)
            return True

    def abort(self) -> None:
        """Give up the open transaction (its alerts never reach committed readers); a
        producer that cannot abort is dropped, and the next send starts a new one."""
        with self._lock:
            self._offsets.clear()
            self._sent = []
            if self._producer is None or not self._in_transaction:
                return
            self._in_transaction = False
            try:
                self._producer.abort_transaction()
            except Exception as e:
                _LOG.warning("transaction not aborted (%s): a new producer takes over", e)
                self._producer.close(timeout=10)
                self._producer = None

    def _fenced(self, error: Exception) -> bool:
        """Whether ``error`` ends the bundle. A producer fenced after its transaction ran past
        the timeout was fenced by the broker's abort (it bumps the epoch), not by another
        producer: that one is reopened."""
        if isinstance(error, ProducerFencedError):
            return time.monotonic() - self._begun_at < self._timeout_ms / 1000
        return isinstance(error, _FENCED)

    def close(self) -> None:
        with self._lock:
            if self._producer is not None:
                self._producer.close(timeout=10)
                self._producer = None
                self._in_transaction = False
        with self._registry_lock:
            if self._open_ones.get(self._id) is self:
                del self._open_ones[self._id]


# Refusals that opening the transaction again cannot cure: the group moved on from this
# member (its commit must fail), or another producer took the transactional id over.
_FENCED = (
    ProducerFencedError,
    CommitFailedError,
    FencedInstanceIdError,
    IllegalGenerationError,
    UnknownMemberIdError,
    RebalanceInProgressError,
)
