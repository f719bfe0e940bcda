"""Stage: Alerts -> webhooks, Slack, email, as each rule's ``channels`` say.

Rules name channels ``webhook:<name>``, ``slack:<name>`` or ``email:<name>``, configured
under ``alerts.channels``. Each delivery retries with backoff (bounded: a few seconds) and
then gives up: the alert goes to the dead-letter topic with stage ``deliver`` and the
reason, and the pipeline goes on. (``index`` and ``kafka`` are handled by the sinks.)

Sending happens on one background thread per channel (in order within a channel), so a
slow or failing endpoint holds up neither the NLP of the next articles nor the other
channels; the bundle ends once its deliveries are done.

Each successful delivery leaves a record (alert group + channel) in the rule-state index
(``connectors/search/deliveries.py``), written at the end of the bundle (before its
offsets are committed); an alert delivered
before (a replay after a crash, a producer retry) is not sent to that channel again. A
crash between a delivery and the end of its bundle can repeat that notification
(at-least-once; receivers dedupe on the alert id), but never lose it. (Checking the
alerts index instead would be wrong: the alerts sink may flush an alert before its
delivery ran.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import partial

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import DoOutputsTuple, PCollection, TaggedOutput
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

from newsmon.alerts.channels import SINK_CHANNELS, due_channels, to_deliver
from newsmon.connectors.metrics import DELIVERIES
from newsmon.connectors.notify import Outbox
from newsmon.connectors.search.deliveries import DeliveryLog
from newsmon.models.alert import Alert
from newsmon.models.messages import DeadLetter
from newsmon.pipelines.stages.engine_fn import SearchEngineDoFn
from newsmon.settings import AlertSettings, SearchSettings

STAGE = "deliver"
DEAD_LETTERS = "dead_letters"
# Alerts whose delivery records are looked up with one multi-get.
_LOOKUP_BATCH = 64
_LOG = logging.getLogger(__name__)


class _DeliverFn(SearchEngineDoFn):
    def __init__(self, settings: AlertSettings, search: SearchSettings | None = None) -> None:
        super().__init__(search)
        self._settings = settings
        self._delivered = Metrics.counter("newsmon.deliver", "alerts_delivered")
        self._failed = Metrics.counter("newsmon.deliver", "deliveries_failed")
        self._repeats = Metrics.counter("newsmon.deliver", "repeats_skipped")
        self._digested = Metrics.counter("newsmon.deliver", "left_for_digest")

    def setup(self) -> None:
        super().setup()
        self._log: DeliveryLog | None = None
        if (engine := self.connected) is not None:
            # One notification per alert group (a rule's alerts on one story) and channel.
            self._log = DeliveryLog(engine.client, engine.settings.rule_matches_index, per_group=True)
        # Deliveries this bundle sent or is sending (the log's records cover earlier bundles).
        self._taken: set[tuple[str, str]] = set()
        self._outbox = Outbox()

    def teardown(self) -> None:
        self._outbox.close()
        super().teardown()

    def process(self, batch: list[Alert]) -> Iterator[TaggedOutput]:
        outgoing, digested = to_deliver(batch)
        self._digested.inc(digested)  # their rules' channels get them in the next digest
        if self._log is not None:
            self._log.look_up([(a, r) for a in outgoing for r in a.channels if r not in SINK_CHANNELS])
        for alert in outgoing:
            for reference, channel in due_channels(alert, self._settings, partial(self._sent_before, alert)):
                # Taken now: the same alert again in this bundle (a replay) is not sent twice.
                self._taken.add((alert.group_key, reference))
                self._outbox.send(alert, reference, channel)
        for letter in self._harvest(wait=False):
            yield TaggedOutput(DEAD_LETTERS, letter)

    def finish_bundle(self) -> Iterator[TaggedOutput]:
        # The bundle's offsets are committed after this: every delivery must be over, and
        # its record written, first.
        for letter in self._harvest(wait=True):
            yield TaggedOutput(
                DEAD_LETTERS, WindowedValue(letter, GlobalWindow().max_timestamp(), (GlobalWindow(),))
            )
        if self._log is not None:
            self._log.flush()
            self._log.forget()
        self._taken.clear()

    def _sent_before(self, alert: Alert, reference: str) -> bool:
        seen = (alert.group_key, reference) in self._taken or (
            self._log is not None and self._log.reached(alert, reference)
        )
        if seen:
            self._repeats.inc()
        return seen

    def _harvest(self, wait: bool) -> Iterator[DeadLetter]:
        """Records for the deliveries that arrived, dead letters for those that failed."""
        for alert, result in self._outbox.outcomes(wait):
            DELIVERIES.labels(result.channel, "delivered" if result.ok else "failed").inc()
            if result.ok:
                self._delivered.inc()
                if self._log is not None:
                    self._log.note(alert, result.channel)
                continue
            self._failed.inc()
            self._taken.discard((alert.group_key, result.channel))
            _LOG.warning(
                "delivery failed channel=%s alert=%s error=%s", result.channel, alert.id, result.error
            )
            reason = f"{result.channel}: {result.error} (after {result.attempts} attempts)"
            yield DeadLetter.of_model(STAGE, reason, alert, alert.id)


class DeliverAlerts(beam.PTransform[PCollection[Alert], DoOutputsTuple]):
    """Sends alerts to their rules' webhook, Slack and email channels; failures come out as
    ``result.dead_letters``. With ``search``, a channel an alert reached before is skipped."""

    def __init__(self, settings: AlertSettings, search: SearchSettings | None = None) -> None:
        super().__init__()
        self._settings = settings
        self._search = search

    def expand(self, alerts: PCollection[Alert]) -> DoOutputsTuple:
        fn = _DeliverFn(self._settings, self._search)
        outputs: DoOutputsTuple = (
            alerts
            # Batches, so that the delivery records of many alerts are looked up at once.
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=_LOOKUP_BATCH)
            | "Deliver" >> beam.ParDo(fn).with_outputs(DEAD_LETTERS, main="delivered")
        )
        return outputs
