"""Digests: rules with ``digest: {minutes: M}`` send their webhook, Slack and email
channels one message per M-minute interval listing that interval's alerts, instead of one
message per alert. (The alerts index and the alerts topic still get every alert at once.)

Intervals are aligned on the clock (``floor(t / M)``) over the alerts' creation time; an
interval is sent once it has ended. Each sent digest leaves a record in the rule-state
index under an id from rule, interval and channel, so a restart never sends it twice; a
channel that keeps failing leaves a dead letter (stage ``digest``) and is not retried.
:class:`DigestScheduler` runs this beside the pipeline; ``newsmon alerts digest`` runs
it once (e.g. from cron).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from newsmon.alerts.digests import completed_intervals, digest_id
from newsmon.alerts.rules import Rule
from newsmon.connectors.notify import DeliveryResult, deliver, digest_notification
from newsmon.connectors.search import SearchEngine
from newsmon.models.alert import Alert
from newsmon.models.messages import DeadLetter
from newsmon.settings import Settings

STAGE = "digest"
_LOG = logging.getLogger(__name__)


class DigestSender:
    """Sends the due digests of every digest rule (one pass: :meth:`send_due`)."""

    def __init__(
        self,
        settings: Settings,
        engine: SearchEngine,
        dead_letter: Callable[[DeadLetter], None] | None = None,
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._dead_letter = dead_letter
        # Digests known to be settled: each pass asks the engine only about the others.
        self._settled: set[str] = set()

    def _alerts(self, rule_id: str, start: datetime, end: datetime) -> list[Alert]:
        body = {
            "size": 500,
            "sort": [{"created_at": "asc"}],
            "query": {
                "bool": {
                    "filter": [
                        {"term": {"rule_id": rule_id}},
                        {"range": {"created_at": {"gte": start.isoformat(), "lt": end.isoformat()}}},
                    ]
                }
            },
        }
        hits = self._engine.search(self._settings.search.alerts_index, body)["hits"]["hits"]
        return [Alert.model_validate(hit["_source"]) for hit in hits]

    def send_due(self, rules: list[Rule], now: datetime | None = None) -> list[DeliveryResult]:
        """Send every ended, unsent interval of every digest rule; the delivery results."""
        now = now or datetime.now(UTC)
        results = []
        state_index = self._settings.search.rule_matches_index
        for rule in rules:
            if rule.digest is None or not rule.enabled:
                continue
            external = [c for c in rule.channels if c not in ("index", "kafka")]
            for start, end in completed_intervals(rule.digest.minutes, now):
                ids = {c: digest_id(rule.id, start, c) for c in external}
                unknown = {c: i for c, i in ids.items() if i not in self._settled}
                pending = [c for c, i in unknown.items() if self._engine.get(state_index, i) is None]
                self._settled.update(i for c, i in unknown.items() if c not in pending)
                if not pending:
                    continue
                alerts = self._alerts(rule.id, start, end)
                for reference in pending:
                    if alerts:
                        results.append(self._send(reference, alerts, start, end))
                    # Recorded even when empty or failed: an interval is settled once.
                    self._engine.index_document(
                        state_index,
                        ids[reference],
                        {
                            "kind": "digest",
                            "rule_id": rule.id,
                            "event_time": start.isoformat(),
                            "keys": [reference],
                        },
                    )
                    self._settled.add(ids[reference])
        return results

    def _send(self, reference: str, alerts: list[Alert], start: datetime, end: datetime) -> DeliveryResult:
        kind, _, name = reference.partition(":")
        channel = self._settings.alerts.channels.get(name)
        first = alerts[0]
        notification = digest_notification(digest_id(first.rule_id, start, reference), alerts, start, end)
        if channel is None or channel.type != kind:
            result = DeliveryResult(
                reference, False, 0, f"no {kind} channel named {name!r} in alerts.channels"
            )
        else:
            result = deliver(reference, channel, notification)
        if not result.ok:
            _LOG.warning("digest failed channel=%s rule=%s error=%s", reference, first.rule_id, result.error)
            if self._dead_letter is not None:
                reason = f"{reference}: {result.error} (after {result.attempts} attempts)"
                payload = json.dumps(notification.payload, ensure_ascii=False).encode("utf-8")
                self._dead_letter(
                    DeadLetter(stage=STAGE, reason=reason, payload=payload, key=notification.id.encode())
                )
        return result


class DigestScheduler:
    """Runs :meth:`DigestSender.send_due` every ``interval_s`` in a daemon thread."""

    def __init__(
        self, sender: DigestSender, rules: Callable[[], list[Rule]], interval_s: float = 30.0
    ) -> None:
        self._sender = sender
        self._rules = rules
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="newsmon-digests", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self._sender.send_due(self._rules())
            except Exception:  # the next pass retries; the pipeline never stops for digests
                _LOG.exception("digest pass failed")
