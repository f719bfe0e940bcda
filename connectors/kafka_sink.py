"""Writing to Kafka from Beam: the dead-letter topic."""

from __future__ import annotations

import logging
from typing import Any

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import PCollection, PDone
from kafka import KafkaProducer

from newsmon.connectors.kafka import make_producer
from newsmon.exceptions import NewsmonError
from newsmon.messages import DeadLetter
from newsmon.settings import KafkaSettings

_LOG = logging.getLogger(__name__)


class _WriteDeadLettersFn(beam.DoFn):
    def __init__(self, settings: KafkaSettings, topic: str) -> None:
        self._settings = settings
        self._topic = topic
        self._written = Metrics.counter("newsmon.dead_letters", "written")

    def setup(self) -> None:
        self._producer: KafkaProducer = make_producer(self._settings)

    def start_bundle(self) -> None:
        self._futures: list[Any] = []

    def process(self, letter: DeadLetter) -> None:
        _LOG.warning(
            "dead letter stage=%s reason=%s source=%s/%s/%s",
            letter.stage,
            letter.reason[:200],
            letter.source_topic,
            letter.source_partition,
            letter.source_offset,
        )
        self._futures.append(
            self._producer.send(self._topic, key=letter.key, value=letter.payload, headers=letter.headers())
        )

    def finish_bundle(self) -> None:
        # The bundle (and so the source's offset commit) completes only once Kafka
        # acknowledged every dead letter: a failure here replays the bundle instead.
        if not self._futures:
            return
        self._producer.flush()
        for future in self._futures:
            try:
                future.get(timeout=30)
            except Exception as e:
                raise NewsmonError(f"could not write to dead-letter topic {self._topic}: {e}") from e
        self._written.inc(len(self._futures))
        self._futures = []

    def teardown(self) -> None:
        producer = getattr(self, "_producer", None)
        if producer is not None:
            producer.close(timeout=10)


class WriteDeadLetters(beam.PTransform[PCollection[DeadLetter], PDone]):
    """Writes :class:`DeadLetter` elements to a Kafka topic: original bytes as the value,
    stage, reason and source coordinates as headers."""

    def __init__(self, settings: KafkaSettings, topic: str | None = None) -> None:
        super().__init__()
        self._settings = settings
        self._topic = topic or settings.dead_letter_topic

    def expand(self, letters: PCollection[DeadLetter]) -> PDone:
        done: PDone = letters | "ProduceDeadLetters" >> beam.ParDo(
            _WriteDeadLettersFn(self._settings, self._topic)
        )
        return done
