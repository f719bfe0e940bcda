"""Stage: Alerts -> the alerts topic, each alert once, where no Kafka transaction can make
it so (Flink, or ``pipeline.exactly_once_alerts`` off).

On Beam's local runner the alerts of a bundle and the source's offsets commit in one Kafka
transaction (``connectors/kafka_transactions.py``). On Flink the offsets are committed by
KafkaIO when a checkpoint completes, so a restart reads again what was processed after the
last checkpoint, and would publish its alerts again. Here each alert written to the topic
leaves a delivery record (``connectors/search/deliveries.py``, channel ``kafka:<topic>``)
once Kafka acknowledged it, and an alert with a record is not written again. What a crash
can still repeat is the bundle in flight: its alerts were acknowledged, their records not
yet written (at-least-once; the messages are keyed by alert id for consumers to dedupe).
"""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import PCollection, PDone

from newsmon.connectors.kafka_sink import TopicWriter, alerts_destination
from newsmon.connectors.search.deliveries import DeliveryLog
from newsmon.models.alert import Alert
from newsmon.pipelines.stages.engine_fn import SearchEngineDoFn
from newsmon.settings import KafkaSettings, SearchSettings


def unpublished(alerts: list[Alert], reached: set[str]) -> Iterator[Alert]:
    """The alerts to write: one per alert id, none whose id is in ``reached``."""
    seen = set(reached)
    for alert in alerts:
        if alert.id not in seen:
            seen.add(alert.id)
            yield alert


class _PublishOnceFn(SearchEngineDoFn):
    def __init__(self, kafka: KafkaSettings, search: SearchSettings, topic: str) -> None:
        super().__init__(search)
        self._kafka = kafka
        self._topic = topic
        self._channel = f"kafka:{topic}"
        self._repeats = Metrics.counter("newsmon.publish", "repeats_skipped")

    def setup(self) -> None:
        super().setup()
        assert self.connected is not None  # built only with search settings
        engine = self.connected
        self._log = DeliveryLog(engine.client, engine.settings.rule_matches_index)
        self._writer = TopicWriter[Alert](self._kafka, alerts_destination(self._kafka, self._topic))
        self._writer.open()

    def start_bundle(self) -> None:
        self._alerts: list[Alert] = []

    def process(self, alert: Alert) -> None:
        self._alerts.append(alert)  # written at the end of the bundle, after one lookup

    def finish_bundle(self) -> None:
        if not self._alerts:
            return
        alerts, self._alerts = self._alerts, []
        self._log.look_up([(alert, self._channel) for alert in alerts])
        reached = {alert.id for alert in alerts if self._log.reached(alert, self._channel)}
        due = list(unpublished(alerts, reached))
        self._repeats.inc(len(alerts) - len(due))
        for alert in due:
            self._writer.send(alert)
        for alert in self._writer.finish():
            self._log.note(alert, self._channel)
        # Before the bundle's offsets are committed, so a replay finds the records.
        self._log.flush()
        self._log.forget()

    def teardown(self) -> None:
        self._writer.close()
        super().teardown()


class PublishAlertsOnce(beam.PTransform[PCollection[Alert], PDone]):
    """Writes alerts to the alerts topic, skipping those a delivery record says were written
    (see the module's docstring)."""

    def __init__(self, kafka: KafkaSettings, search: SearchSettings, topic: str | None = None) -> None:
        super().__init__()
        self._fn = _PublishOnceFn(kafka, search, topic or kafka.alerts_topic)

    def expand(self, alerts: PCollection[Alert]) -> PDone:
        done: PDone = alerts | "Publish" >> beam.ParDo(self._fn)
        return done
