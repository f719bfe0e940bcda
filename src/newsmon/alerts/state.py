"""State of the windowed rules and of throttling: what matched when, which entities were
seen when, which alerts fired.

In the pipeline the state lives in the search engine (the rule-state index, and the
alerts index for fired alerts), so it survives a restart and a replayed article finds
its own earlier traces; a memory overlay covers what this worker wrote but the engine
has not made searchable yet (bulk flush, 1 s refresh). Tests and the batch command use
:class:`MemoryAlertState`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from newsmon.alerts.matcher import Alert, alert_id
from newsmon.connectors.search import SearchEngine, WriteBuffer


@dataclass(frozen=True)
class FiredAlert:
    """An alert already raised: its id and the span of event time it covers."""

    id: str
    rule_id: str
    key: str
    window_start: datetime
    window_end: datetime


def fired(alert: Alert) -> FiredAlert:
    assert alert.window_start is not None and alert.window_end is not None
    return FiredAlert(alert.id, alert.rule_id, alert.key, alert.window_start, alert.window_end)


class AlertState(Protocol):
    """Where windowed rules and throttles keep what they need to remember."""

    def record_match(self, rule_id: str, article_id: str, event_time: datetime) -> None: ...

    def match_times(self, rule_id: str, start: datetime, end: datetime) -> list[datetime]:
        """Event times of the rule's matches in [start, end], sorted."""
        ...

    def fired_alerts(self, rule_id: str, key: str | None, start: datetime, end: datetime) -> list[FiredAlert]:
        """Alerts of the rule (and key, if given) whose window overlaps [start, end]."""
        ...

    def remember_alert(self, alert: Alert) -> None: ...

    def record_sighting(self, article_id: str, event_time: datetime, keys: list[str]) -> None: ...

    def seen(self, keys: Iterable[str], start: datetime, end: datetime, exclude_article: str) -> set[str]:
        """Which of ``keys`` some other article named between start and end."""
        ...

    def history_since(self) -> datetime | None:
        """Event time of the oldest sighting: how far back first-seen rules can look."""
        ...

    def flush(self) -> None:
        """Write what was buffered (at the end of a bundle)."""
        ...


def _overlaps(alert: FiredAlert, rule_id: str, key: str | None, start: datetime, end: datetime) -> bool:
    return (
        alert.rule_id == rule_id
        and (key is None or alert.key == key)
        and alert.window_start <= end
        and alert.window_end >= start
    )


class MemoryAlertState:
    """All state in dicts: for tests, the batch command and as the engine's overlay."""

    def __init__(self, max_items: int | None = None) -> None:
        self._matches: dict[tuple[str, str], datetime] = {}
        self._alerts: dict[str, FiredAlert] = {}
        self._sightings: dict[str, tuple[datetime, frozenset[str]]] = {}
        self._order: deque[tuple[str, Any]] = deque()
        self._max_items = max_items
        self._oldest: datetime | None = None

    def _remember(self, kind: str, key: Any) -> None:
        if self._max_items is None:
            return
        self._order.append((kind, key))
        while len(self._order) > self._max_items:
            old_kind, old_key = self._order.popleft()
            if old_kind == "match":
                self._matches.pop(old_key, None)
            elif old_kind == "alert":
                self._alerts.pop(old_key, None)
            else:
                self._sightings.pop(old_key, None)

    def record_match(self, rule_id: str, article_id: str, event_time: datetime) -> None:
        self._matches[(rule_id, article_id)] = event_time
        self._remember("match", (rule_id, article_id))

    def match_times(self, rule_id: str, start: datetime, end: datetime) -> list[datetime]:
        return sorted(t for (rid, _), t in self._matches.items() if rid == rule_id and start <= t <= end)

    def match_ids(self, rule_id: str, start: datetime, end: datetime) -> dict[str, datetime]:
        return {a: t for (rid, a), t in self._matches.items() if rid == rule_id and start <= t <= end}

    def fired_alerts(self, rule_id: str, key: str | None, start: datetime, end: datetime) -> list[FiredAlert]:
        return [a for a in self._alerts.values() if _overlaps(a, rule_id, key, start, end)]

    def remember_alert(self, alert: Alert) -> None:
        self._alerts[alert.id] = fired(alert)
        self._remember("alert", alert.id)

    def record_sighting(self, article_id: str, event_time: datetime, keys: list[str]) -> None:
        self._sightings[article_id] = (event_time, frozenset(keys))
        self._remember("sighting", article_id)
        self._oldest = event_time if self._oldest is None else min(self._oldest, event_time)

    def seen(self, keys: Iterable[str], start: datetime, end: datetime, exclude_article: str) -> set[str]:
        wanted = set(keys)
        found: set[str] = set()
        for article_id, (t, named) in self._sightings.items():
            if article_id != exclude_article and start <= t <= end:
                found |= wanted & named
        return found

    def history_since(self) -> datetime | None:
        return self._oldest

    def flush(self) -> None:
        pass


class SearchAlertState:
    """State in the search engine (survives restarts), with a memory overlay for what the
    engine cannot show yet."""

    def __init__(self, engine: SearchEngine, state_index: str, alerts_index: str, overlay_items: int) -> None:
        self._engine = engine
        self._state_index = state_index
        self._alerts_index = alerts_index
        self._overlay = MemoryAlertState(max_items=overlay_items)
        self._writes = WriteBuffer(engine, state_index)

    def _search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._engine.with_retries(lambda: self._engine.search(index, body))

    def record_match(self, rule_id: str, article_id: str, event_time: datetime) -> None:
        # One document per (rule, article): a replayed article overwrites its own match.
        document = {
            "kind": "match",
            "rule_id": rule_id,
            "article_id": article_id,
            "event_time": event_time.isoformat(),
        }
        self._writes.add(alert_id(rule_id, article_id), document)
        self._overlay.record_match(rule_id, article_id, event_time)

    def match_times(self, rule_id: str, start: datetime, end: datetime) -> list[datetime]:
        body = {
            "size": 10_000,
            "_source": ["article_id", "event_time"],
            "query": {
                "bool": {
                    "filter": [
                        {"term": {"kind": "match"}},
                        {"term": {"rule_id": rule_id}},
                        {"range": {"event_time": {"gte": start.isoformat(), "lte": end.isoformat()}}},
                    ]
                }
            },
        }
        found = {
            hit["_source"]["article_id"]: datetime.fromisoformat(hit["_source"]["event_time"])
            for hit in self._search(self._state_index, body)["hits"]["hits"]
        }
        found.update(self._overlay.match_ids(rule_id, start, end))
        return sorted(found.values())

    def fired_alerts(self, rule_id: str, key: str | None, start: datetime, end: datetime) -> list[FiredAlert]:
        filters: list[dict[str, Any]] = [
            {"term": {"rule_id": rule_id}},
            {"range": {"window_start": {"lte": end.isoformat()}}},
            {"range": {"window_end": {"gte": start.isoformat()}}},
        ]
        if key is not None:
            filters.append({"term": {"key": key}})
        body = {
            "size": 100,
            "_source": ["id", "rule_id", "key", "window_start", "window_end"],
            "query": {"bool": {"filter": filters}},
        }
        found = {a.id: a for a in self._overlay.fired_alerts(rule_id, key, start, end)}
        for hit in self._search(self._alerts_index, body)["hits"]["hits"]:
            src = hit["_source"]
            found.setdefault(
                hit["_id"],
                FiredAlert(
                    hit["_id"],
                    src["rule_id"],
                    src.get("key", ""),
                    datetime.fromisoformat(src["window_start"]),
                    datetime.fromisoformat(src["window_end"]),
                ),
            )
        return list(found.values())

    def remember_alert(self, alert: Alert) -> None:
        # The alerts sink indexes the alert itself; until then the overlay knows it.
        self._overlay.remember_alert(alert)

    def record_sighting(self, article_id: str, event_time: datetime, keys: list[str]) -> None:
        document = {
            "kind": "sighting",
            "article_id": article_id,
            "event_time": event_time.isoformat(),
            "keys": keys,
        }
        self._writes.add(f"sighting:{article_id}"[:512], document)
        self._overlay.record_sighting(article_id, event_time, keys)

    def flush(self) -> None:
        self._writes.flush()

    def seen(self, keys: Iterable[str], start: datetime, end: datetime, exclude_article: str) -> set[str]:
        wanted = sorted(set(keys))
        if not wanted:
            return set()
        body = {
            "size": 0,
            "query": {
                "bool": {
                    "filter": [
                        {"term": {"kind": "sighting"}},
                        {"terms": {"keys": wanted}},
                        {"range": {"event_time": {"gte": start.isoformat(), "lte": end.isoformat()}}},
                    ],
                    "must_not": [{"term": {"article_id": exclude_article}}],
                }
            },
            "aggs": {"named": {"terms": {"field": "keys", "include": wanted, "size": len(wanted)}}},
        }
        response = self._search(self._state_index, body)
        buckets = response.get("aggregations", {}).get("named", {}).get("buckets", [])
        found = {b["key"] for b in buckets}
        return found | self._overlay.seen(wanted, start, end, exclude_article)

    def history_since(self) -> datetime | None:
        body = {
            "size": 0,
            "query": {"term": {"kind": "sighting"}},
            "aggs": {"oldest": {"min": {"field": "event_time"}}},
        }
        response = self._search(self._state_index, body)
        value = response.get("aggregations", {}).get("oldest", {}).get("value_as_string")
        engine_oldest = datetime.fromisoformat(value) if value else None
        candidates = [t for t in (engine_oldest, self._overlay.history_since()) if t is not None]
        return min(candidates) if candidates else None
