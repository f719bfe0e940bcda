"""Writing to Kafka from Beam: dead letters and alerts.

One producing DoFn serves both; what differs is how an element becomes a Kafka message
(a :data:`ToMessage` function). Messages are acknowledged (``acks=all``) before the
bundle ends, so the source commits its offsets only after they are safely written.

A message the broker refuses for what it is (too large, an invalid record) is not a
reason to stop the pipeline: it is written instead as a :meth:`DeadLetter.reduced`
letter to the dead-letter topic (an alert refused so, or a dead letter too large even
for the dead-letter topic). Only a broker that cannot be reached ends the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import PCollection, PDone
from kafka import KafkaProducer
from kafka.errors import (
    CorruptRecordError,
    InvalidRecordError,
    InvalidTimestampError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
)

from newsmon.connectors.kafka import make_producer
from newsmon.connectors.kafka_transactions import BundleTransaction
from newsmon.connectors.metrics import count_dead_letter
from newsmon.exceptions import NewsmonError
from newsmon.models.alert import Alert
from newsmon.models.messages import DeadLetter
from newsmon.settings import KafkaSettings

_LOG = logging.getLogger(__name__)
T = TypeVar("T")
KafkaMessage = tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]
ToMessage = Callable[[Any], KafkaMessage]
"""Element -> (key, value, headers)."""
Refused = Callable[[Any, str], DeadLetter]
"""Element, why the broker refused it -> the dead letter to write in its place."""
RECORD_ERRORS = (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    CorruptRecordError,
    InvalidRecordError,
    InvalidTimestampError,
)
"""Errors about one record (the broker is fine): the record is replaced, the run goes on."""


def dead_letter_message(letter: DeadLetter) -> KafkaMessage:
    """The original bytes as the value; stage, reason and source coordinates as headers."""
    count_dead_letter(letter.stage, letter.reason)
    _LOG.warning(
        "dead letter stage=%s reason=%s source=%s/%s/%s",
        letter.stage,
        letter.reason[:200],
        letter.source_topic,
        letter.source_partition,
        letter.source_offset,
    )
    return letter.key, letter.payload, letter.headers()


def alert_message(alert: Alert) -> KafkaMessage:
    """The alert as JSON, keyed by its id (derived from rule and article: consumers dedupe on it)."""
    return (
        alert.id.encode("ascii"),
        alert.model_dump_json().encode("utf-8"),
        [
            ("newsmon.rule", alert.rule_id.encode()),
            ("newsmon.severity", alert.severity.encode()),
        ],
    )


def refused_alert(alert: Alert, why: str) -> DeadLetter:
    """An alert the alerts topic refused, as a reduced dead letter of stage ``alerts``."""
    count_dead_letter("alerts", why)
    return DeadLetter.of_model("alerts", f"alerts topic refused the alert: {why}", alert, alert.id).reduced(
        why
    )


@dataclass(frozen=True)
class Destination:
    """Where a :class:`WriteToKafka` writes, and how.

    Attributes:
      topic: destination topic.
      to_message: element -> (key, value, headers); a module-level function (it is pickled).
      counter: name of the Beam counter of written messages.
      refused: element, reason -> the (reduced) dead letter written in its place to
        ``dead_letter_topic`` when the broker refuses the message itself.
      transactional_id: write in the bundle's transaction, committed with the source's
        offsets (see :mod:`newsmon.connectors.kafka_transactions`).
    """

    topic: str
    to_message: ToMessage
    counter: str
    refused: Refused
    dead_letter_topic: str
    transactional_id: str | None = None


class TopicWriter(Generic[T]):
    """Writes elements to ``destination``'s topic; :meth:`finish` waits until Kafka
    acknowledged them all. Not a DoFn: :class:`WriteToKafka` wraps it, and a stage that
    does more around the writes (``pipelines/stages/publish.py``) calls it itself."""

    def __init__(self, settings: KafkaSettings, destination: Destination) -> None:
        self._settings = settings
        self._topic = destination.topic
        self._dead_letter_topic = destination.dead_letter_topic
        self._transactional_id = destination.transactional_id
        self._to_message = destination.to_message
        self._refused = destination.refused
        self._written = Metrics.counter("newsmon.kafka_sink", destination.counter)
        self._reduced = Metrics.counter("newsmon.kafka_sink", "messages_reduced")

    def open(self) -> None:
        """Make the producer (in ``DoFn.setup``)."""
        self._transaction: BundleTransaction | None = None
        self._producer: KafkaProducer | None = None
        self._futures: list[tuple[T, KafkaMessage, Any]] = []
        if self._transactional_id is not None:
            self._transaction = BundleTransaction.of(self._settings, self._transactional_id)
        else:
            self._producer = make_producer(
                self._settings, max_request_size=self._settings.dead_letter_max_bytes
            )

    def send(self, element: T) -> None:
        message = self._to_message(element)
        self._futures.append((element, message, self._send(self._topic, *message)))

    def _send(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> Any:
        """The send's future; a record the producer refuses at once is a failed future."""
        try:
            if self._transaction is not None:
                return self._transaction.send(topic, key, value, headers)
            assert self._producer is not None
            return self._producer.send(topic, key=key, value=value, headers=headers)
        except RECORD_ERRORS as e:
            return _Failed(e)

    def finish(self) -> list[T]:
        """Wait for Kafka to acknowledge every element sent since the last call; return
        those written to the topic (not those written reduced to the dead-letter topic)."""
        if not self._futures:
            return []
        self._flush()
        refused = []
        written = []
        for element, message, future in self._futures:
            try:
                future.get(timeout=30)
                written.append(element)
            except RECORD_ERRORS as e:
                refused.append((element, message, e))
            except Exception as e:
                raise NewsmonError(f"could not write to Kafka topic {self._topic}: {e}") from e
        for element, message, error in refused:
            if self._rescue(element, message, error):
                self._reduced.inc()
            else:
                written.append(element)
        self._written.inc(len(written))
        self._futures = []
        return written

    def _rescue(self, element: T, message: KafkaMessage, error: Exception) -> bool:
        """Write a refused element again, alone (the broker refuses whole batches), else its
        reduced dead letter; True if reduced. An idempotent producer refuses everything after
        a refusal, so each attempt takes a new one."""
        if self._transaction is not None:
            # Alerts are a few KB: a refusal inside the transaction is a broker problem.
            raise NewsmonError(f"Kafka refused an alert in the transaction: {error}") from error
        try:
            self._send_alone(self._topic, *message)
            return False
        except RECORD_ERRORS as e:
            letter = self._refused(element, f"{type(e).__name__}: {e}")
        _LOG.warning("kafka refused a message topic=%s (%s): writing it reduced", self._topic, error)
        try:
            self._send_alone(self._dead_letter_topic, letter.key, letter.payload, letter.headers())
        except Exception as e:
            raise NewsmonError(
                f"could not write a reduced dead letter to {self._dead_letter_topic}: {e}"
            ) from e
        return True

    def _send_alone(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        if self._producer is not None:
            self._producer.close(timeout=10)
        self._producer = make_producer(self._settings, max_request_size=self._settings.dead_letter_max_bytes)
        future = self._send(topic, key, value, headers)
        self._flush()
        future.get(timeout=30)

    def _flush(self) -> None:
        if self._transaction is not None:
            self._transaction.flush()  # committed with the offsets by the source's finalizer
        elif self._producer is not None:
            self._producer.flush()

    def close(self) -> None:
        producer = getattr(self, "_producer", None)
        if producer is not None:
            producer.close(timeout=10)


class _ProduceFn(beam.DoFn, Generic[T]):
    def __init__(self, settings: KafkaSettings, destination: Destination) -> None:
        self._writer = TopicWriter[T](settings, destination)

    def setup(self) -> None:
        self._writer.open()

    def process(self, element: T) -> None:
        self._writer.send(element)

    def finish_bundle(self) -> None:
        # The bundle (and so the source's offset commit) completes only once Kafka
        # acknowledged every message: a failure here replays the bundle instead.
        self._writer.finish()

    def teardown(self) -> None:
        self._writer.close()


class _Failed:
    """A send the producer refused before it left (the record is too large)."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    def get(self, timeout: float) -> None:
        raise self._error


class WriteToKafka(beam.PTransform[PCollection[T], PDone]):
    """Produces elements to a Kafka topic, each turned into a message as ``destination``
    says; a message the broker refuses is written again alone, else as a reduced dead letter.
    """

    def __init__(self, settings: KafkaSettings, destination: Destination) -> None:
        super().__init__()
        self._fn = _ProduceFn[T](settings, destination)

    def expand(self, elements: PCollection[T]) -> PDone:
        done: PDone = elements | "Produce" >> beam.ParDo(self._fn)
        return done


def WriteDeadLetters(settings: KafkaSettings, topic: str | None = None) -> WriteToKafka[DeadLetter]:  # noqa: N802
    """Dead letters to the dead-letter topic (original bytes + reason headers)."""
    topic = topic or settings.dead_letter_topic
    return WriteToKafka(
        settings, Destination(topic, dead_letter_message, "dead_letters_written", DeadLetter.reduced, topic)
    )


def alerts_destination(
    settings: KafkaSettings, topic: str | None = None, transactional_id: str | None = None
) -> Destination:
    """The alerts topic: JSON keyed by alert id; with ``transactional_id``, in the bundle's
    transaction, committed with the source's offsets (exactly once)."""
    return Destination(
        topic or settings.alerts_topic,
        alert_message,
        "alerts_written",
        refused_alert,
        settings.dead_letter_topic,
        transactional_id,
    )


def WriteAlertsToKafka(  # noqa: N802
    settings: KafkaSettings, topic: str | None = None, transactional_id: str | None = None
) -> WriteToKafka[Alert]:
    """Alerts to the alerts topic (:func:`alerts_destination`)."""
    return WriteToKafka(settings, alerts_destination(settings, topic, transactional_id))
