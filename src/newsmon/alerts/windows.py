"""Windowed rules over event time: frequency ("at least N matching articles within T
minutes") and spike ("the last W minutes at F times the rate of the baseline before").

Each match is recorded in the :class:`~newsmon.alerts.state.AlertState` under an id from
rule and article (a re-delivered article counts once). Every match then looks at the
windows *around* its own event time, not only the one ending at it, so a burst completes
whichever article arrives last, in any order. An alert covers a window of event time; a
window that overlaps one already alerted belongs to the same burst and raises nothing
more: one alert per burst, and a replay after a crash finds its own alert.
"""

from __future__ import annotations

import bisect
import hashlib
from datetime import datetime, timedelta

from newsmon.alerts.rules import Frequency, Rule, Spike
from newsmon.alerts.state import AlertState
from newsmon.models.alert import Alert


def window_id(rule_id: str, start: datetime) -> str:
    """Alert id of a window: the same burst seen again yields the same id."""
    return hashlib.sha256(f"{rule_id}\nwindow:{start.isoformat()}".encode()).hexdigest()[:32]


def densest_window(times: list[datetime], at: datetime, span: timedelta, count: int) -> datetime | None:
    """Start of the earliest window [s, s + span] that contains ``at`` and at least ``count``
    of the sorted ``times`` (each window starts at one of them), or None."""
    for i, start in enumerate(times):
        if start > at:
            break
        if start + span < at:
            continue
        inside = bisect.bisect_right(times, start + span) - i
        if inside >= count:
            return start
    return None


def frequency_alert(rule: Rule, per_article: Alert, at: datetime, state: AlertState) -> Alert | None:
    """Record one match of a frequency rule; the burst's alert if ``at`` completes one."""
    frequency: Frequency | None = rule.frequency
    assert frequency is not None
    span = timedelta(minutes=frequency.minutes)
    state.record_match(rule.id, per_article.article_id, at)
    times = state.match_times(rule.id, at - span, at + span)
    start = densest_window(times, at, span, frequency.count)
    if start is None:
        return None
    end = start + span
    if state.fired_alerts(rule.id, None, start, end):
        return None
    found = bisect.bisect_right(times, end) - bisect.bisect_left(times, start)
    summary = f"frequency:{found} in {frequency.minutes:g} min"
    return _window_alert(per_article, "frequency", summary, start, end, found)


def spike_alert(rule: Rule, per_article: Alert, at: datetime, state: AlertState) -> Alert | None:
    """Record one match of a spike rule; an alert if the window ending at ``at`` spikes."""
    spike: Spike | None = rule.spike
    assert spike is not None
    window = timedelta(minutes=spike.minutes)
    baseline = timedelta(minutes=spike.baseline_minutes)
    state.record_match(rule.id, per_article.article_id, at)
    times = state.match_times(rule.id, at - window - baseline, at)
    start = at - window
    recent = sum(1 for t in times if t > start)
    before = len(times) - recent
    expected = before * spike.minutes / spike.baseline_minutes
    if recent < spike.min_count or recent < spike.factor * expected:
        return None
    if state.fired_alerts(rule.id, None, start, at):
        return None
    summary = f"spike:{recent} in {spike.minutes:g} min vs {expected:.1f} expected"
    return _window_alert(per_article, "spike", summary, start, at, recent)


def _window_alert(
    per_article: Alert, kind: str, summary: str, start: datetime, end: datetime, count: int
) -> Alert:
    """The alert of a window: its id from rule and window start, the summary matched first."""
    return per_article.model_copy(
        update={
            "id": window_id(per_article.rule_id, start),
            "kind": kind,
            "matched": [summary, *per_article.matched],
            "window_start": start,
            "window_end": end,
            "count": count,
            "group": "",
        }
    )
