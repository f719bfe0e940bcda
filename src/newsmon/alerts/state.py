"""State of the windowed rules and of throttling: what matched when, which entities were
seen when, which alerts fired.

In the pipeline the state lives in the search engine (the rule-state index, and the
alerts index for fired alerts; ``connectors/stores/alert_state.py``), so it survives a
restart and a replayed article finds its own earlier traces; a :class:`MemoryAlertState`
overlay covers what this worker wrote but the engine has not made searchable yet (bulk
flush, 1 s refresh). Tests and the batch command use :class:`MemoryAlertState` alone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from newsmon.models.alert import Alert


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

    def match_count(self, rule_id: str, start: datetime, end: datetime) -> int:
        """How many distinct articles matched in [start, end]."""
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

    def match_count(self, rule_id: str, start: datetime, end: datetime) -> int:
        return len(self.match_times(rule_id, start, end))

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
