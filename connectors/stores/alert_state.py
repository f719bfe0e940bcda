"""Rule state in the search engine: the windowed rules' and throttles' state in the pipeline."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from newsmon.alerts.state import FiredAlert, MemoryAlertState
from newsmon.connectors.search import SearchEngine, WriteBuffer
from newsmon.models.alert import Alert, alert_id

EXACT_COUNT = 500


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

    def _match_query(self, rule_id: str, start: datetime, end: datetime) -> dict[str, Any]:
        return {
            "bool": {
                "filter": [
                    {"term": {"kind": "match"}},
                    {"term": {"rule_id": rule_id}},
                    {"range": {"event_time": {"gte": start.isoformat(), "lte": end.isoformat()}}},
                ]
            }
        }

    def match_count(self, rule_id: str, start: datetime, end: datetime) -> int:
        """Exact (the engine's matches and the overlay's, merged) up to ``EXACT_COUNT``;
        beyond, the larger of the engine's count and the overlay's (a baseline's order of
        magnitude, not worth fetching thousands of documents for)."""
        engine, index = self._engine, self._state_index
        stored = engine.with_retries(lambda: engine.count(index, self._match_query(rule_id, start, end)))
        if stored <= EXACT_COUNT:
            return len(self.match_times(rule_id, start, end))
        return max(stored, self._overlay.match_count(rule_id, start, end))

    def match_times(self, rule_id: str, start: datetime, end: datetime) -> list[datetime]:
        body = {
            "size": 10_000,
            "_source": ["article_id", "event_time"],
            "query": self._match_query(rule_id, start, end),
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
