"""Frequency rules: "at least N matching articles within T minutes", in event time.

Matches are remembered in a store (the search engine's rule-matches index in the pipeline,
a dict in tests) under ids derived from rule and article, so that a re-delivered article
is not counted twice and a restart loses nothing. An article that completes a window of
N matches ending at its own published time raises one alert for the window bucket
``floor(t / T)``: at most one alert per rule per interval, and the same alert id again
after a replay. Late, out-of-order articles count in the window of their own time.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Protocol

from newsmon.alerts.matcher import Alert, RuleIndex, alert_id
from newsmon.alerts.rules import Rule
from newsmon.connectors.search import SearchEngine
from newsmon.nlp.models import EnrichedArticle


class MatchStore(Protocol):
    """Where frequency-rule matches live."""

    def record(self, rule_id: str, article_id: str, event_time: datetime) -> None: ...

    def count(self, rule_id: str, start: datetime, end: datetime) -> int: ...


class MemoryMatchStore:
    """A dict-backed store for tests and the batch command."""

    def __init__(self) -> None:
        self.matches: dict[tuple[str, str], datetime] = {}

    def record(self, rule_id: str, article_id: str, event_time: datetime) -> None:
        self.matches[(rule_id, article_id)] = event_time

    def count(self, rule_id: str, start: datetime, end: datetime) -> int:
        return sum(1 for (rid, _), t in self.matches.items() if rid == rule_id and start <= t <= end)


def window_alert(rule: Rule, per_article: Alert, event_time: datetime, store: MatchStore) -> Alert | None:
    """Record the match of ``rule`` by one article; the window's alert if it is now complete."""
    assert rule.frequency is not None
    store.record(rule.id, per_article.article_id, event_time)
    window = timedelta(minutes=rule.frequency.minutes)
    found = store.count(rule.id, event_time - window, event_time)
    if found < rule.frequency.count:
        return None
    bucket = int(event_time.timestamp() // window.total_seconds())
    alert_id = hashlib.sha256(f"{rule.id}\nwindow:{bucket}".encode()).hexdigest()[:32]
    summary = f"frequency:{found} in {rule.frequency.minutes:g} min"
    return per_article.model_copy(update={"id": alert_id, "matched": [summary, *per_article.matched]})


def alerts_for(index: RuleIndex, item: EnrichedArticle, store: MatchStore) -> list[Alert]:
    """Every alert of one article: per-article rules directly, frequency rules per window."""
    alerts = []
    event_time = event_time_of(item.article.published_at, item.article.ingested_at)
    for alert in index.match(item):
        rule = index.rule(alert.rule_id)
        if rule.frequency is None:
            alerts.append(alert)
            continue
        windowed = window_alert(rule, alert, event_time, store)
        if windowed is not None:
            alerts.append(windowed)
    return alerts


def event_time_of(published_at: datetime | None, ingested_at: datetime) -> datetime:
    """Event time: when the article was published, else when it arrived."""
    return (published_at or ingested_at).astimezone(UTC)


class SearchMatchStore:
    """Matches in the search engine's rule-matches index (survives restarts)."""

    def __init__(self, engine: SearchEngine, index: str) -> None:
        self._engine = engine
        self._index = index

    def record(self, rule_id: str, article_id: str, event_time: datetime) -> None:
        # One match per (rule, article): a replayed article overwrites its own match.
        self._engine.index_document(
            self._index,
            alert_id(rule_id, article_id),
            {"rule_id": rule_id, "article_id": article_id, "event_time": event_time.isoformat()},
        )

    def count(self, rule_id: str, start: datetime, end: datetime) -> int:
        return self._engine.count(
            self._index,
            {
                "bool": {
                    "filter": [
                        {"term": {"rule_id": rule_id}},
                        {"range": {"event_time": {"gte": start.isoformat(), "lte": end.isoformat()}}},
                    ]
                }
            },
        )
