"""All alerts of one enriched article: rules matched in process, then per rule kind
(per article, frequency, spike, first-seen), then throttled.

This is the pure core of the alerting stage: tests call :func:`alerts_for` with a
:class:`~newsmon.alerts.state.MemoryAlertState`, the pipeline with the search engine's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsmon.alerts.breaking import record_story, story_growth_alerts
from newsmon.alerts.first_seen import first_seen_alerts, sighting_keys
from newsmon.alerts.matcher import RuleIndex
from newsmon.alerts.rules import Rule
from newsmon.alerts.state import AlertState
from newsmon.alerts.windows import frequency_alert, spike_alert
from newsmon.models.alert import Alert
from newsmon.models.enrichment import EnrichedArticle


def throttle_key(rule: Rule, alert: Alert) -> str:
    """What a throttle counts per: the rule, the entities the alert is about, or its story."""
    if rule.throttle is None or rule.throttle.per == "rule":
        return alert.key
    if rule.throttle.per == "story":
        return f"story:{alert.story_id or alert.article_id}"
    if alert.key:
        return alert.key
    named = sorted(m.partition(":")[2] for m in alert.matched if m.startswith(("entity:", "quoted:")))
    return "|".join(named)


def is_throttled(rule: Rule, alert: Alert, at: datetime, state: AlertState) -> bool:
    """True when another alert of the rule (and key) fired within the throttle interval."""
    if rule.throttle is None:
        return False
    interval = timedelta(minutes=rule.throttle.minutes)
    key = None if rule.throttle.per == "rule" else alert.key
    others = state.fired_alerts(rule.id, key, at - interval, at + interval)
    # The alert's own earlier copy (a replay) does not throttle it: same id, same document.
    return any(other.id != alert.id for other in others)


def _by_kind(rule: Rule, alert: Alert, item: EnrichedArticle, at: datetime, state: AlertState) -> list[Alert]:
    if rule.kind == "frequency":
        return [a for a in (frequency_alert(rule, alert, at, state),) if a is not None]
    if rule.kind == "spike":
        return [a for a in (spike_alert(rule, alert, at, state),) if a is not None]
    if rule.kind == "first_seen":
        return first_seen_alerts(rule, alert, item, at, state)
    if rule.kind == "story_growth":
        return story_growth_alerts(rule, alert, item, at, state)
    return [alert]


def alerts_for(
    index: RuleIndex,
    item: EnrichedArticle,
    state: AlertState,
    allowed_lateness: timedelta | None = None,
    now: datetime | None = None,
) -> list[Alert]:
    """Every alert one article raises, remembered in ``state`` (for windows and throttles).

    A copy of an earlier article (``article.duplicate``) raises none, except a story's
    breaking (``story_growth``: copies are how a story spreads). An article whose
    event time is more than ``allowed_lateness`` before ``now`` (a
    backlog, a backfill) still raises its per-article alerts but no longer counts for
    windowed rules: a burst of last week is not news.
    """
    copy = item.article.duplicate is not None
    if copy and not index.has_story_growth_rules:
        return []  # a copy of an article that already had its alerts
    at = item.article.event_time
    too_late = allowed_lateness is not None and at < (now or datetime.now(UTC)) - allowed_lateness
    if index.has_story_growth_rules and not too_late:
        record_story(state, item)
    if index.has_first_seen_rules and not copy:
        state.record_sighting(item.article.id, at, sighting_keys(item))
    alerts = []
    for matched in index.match(item):
        rule = index.rule(matched.rule_id)
        if (too_late and rule.kind != "article") or (copy and rule.kind != "story_growth"):
            continue
        timed = matched.model_copy(
            update={
                "event_time": at,
                "window_start": at,
                "window_end": at,
                "digest_minutes": rule.digest.minutes if rule.digest else None,
            }
        )
        for alert in _by_kind(rule, timed, item, at, state):
            alert = alert.model_copy(update={"key": throttle_key(rule, alert)})
            if is_throttled(rule, alert, at, state):
                continue
            state.remember_alert(alert)
            alerts.append(alert)
    return alerts
