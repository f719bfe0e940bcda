"""Writing to Kafka from Beam: dead letters and alerts.

One producing DoFn serves both; what differs is how an element becomes a Kafka message
(a :data:`ToMessage` function). Messages are acknowledged (``acks=all``) before the
bundle ends, so the source commits its offsets only after they are safely written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import PCollection, PDone
from kafka import KafkaProducer

from newsmon.alerts.matcher import Alert
from newsmon.connectors.kafka import make_producer
from newsmon.exceptions import NewsmonError
from newsmon.messages import DeadLetter
from newsmon.settings import KafkaSettings

_LOG = logging.getLogger(__name__)
T = TypeVar("T")
KafkaMessage = tuple[bytes | None, bytes, list[tuple[str, bytes]]]
ToMessage = Callable[[Any], KafkaMessage]
"""Element -> (key, value, headers)."""


def dead_letter_message(letter: DeadLetter) -> KafkaMessage:
    """The original bytes as the value; stage, reason and source coordinates as headers."""
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


class _ProduceFn(beam.DoFn, Generic[T]):
    def __init__(self, settings: KafkaSettings, topic: str, to_message: ToMessage, counter: str) -> None:
        self._settings = settings
        self._topic = topic
        self._to_message = to_message
        self._written = Metrics.counter("newsmon.kafka_sink", counter)

    def setup(self) -> None:
        self._producer: KafkaProducer = make_producer(self._settings)

    def start_bundle(self) -> None:
        self._futures: list[Any] = []

    def process(self, element: T) -> None:
        key, value, headers = self._to_message(element)
        self._futures.append(self._producer.send(self._topic, key=key, value=value, headers=headers))

    def finish_bundle(self) -> None:
        # The bundle (and so the source's offset commit) completes only once Kafka
        # acknowledged every message: a failure here replays the bundle instead.
        if not self._futures:
            return
        self._producer.flush()
        for future in self._futures:
            try:
                future.get(timeout=30)
            except Exception as e:
                raise NewsmonError(f"could not write to Kafka topic {self._topic}: {e}") from e
        self._written.inc(len(self._futures))
        self._futures = []

    def teardown(self) -> None:
        producer = getattr(self, "_producer", None)
        if producer is not None:
            producer.close(timeout=10)


class WriteToKafka(beam.PTransform[PCollection[T], PDone]):
    """Produces elements to a Kafka topic, each turned into a message by ``to_message``.

    Args:
      settings: connection settings.
      topic: destination topic.
      to_message: element -> (key, value, headers); a module-level function (it is pickled).
      counter: name of the Beam counter of written messages.
    """

    def __init__(self, settings: KafkaSettings, topic: str, to_message: ToMessage, counter: str) -> None:
        super().__init__()
        self._fn = _ProduceFn[T](settings, topic, to_message, counter)

    def expand(self, elements: PCollection[T]) -> PDone:
        done: PDone = elements | "Produce" >> beam.ParDo(self._fn)
        return done


def WriteDeadLetters(settings: KafkaSettings, topic: str | None = None) -> WriteToKafka[DeadLetter]:  # noqa: N802
    """Dead letters to the dead-letter topic (original bytes + reason headers)."""
    return WriteToKafka(
        settings, topic or settings.dead_letter_topic, dead_letter_message, "dead_letters_written"
    )


def WriteAlertsToKafka(settings: KafkaSettings, topic: str | None = None) -> WriteToKafka[Alert]:  # noqa: N802
    """Alerts to the alerts topic, as JSON keyed by alert id."""
    return WriteToKafka(settings, topic or settings.alerts_topic, alert_message, "alerts_written")
