"""Windowed rules (frequency, spike, first-seen) and throttles, on the pure core with the
in-memory state: out-of-order articles, re-delivery, one alert per burst."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from newsmon.alerts.evaluate import alerts_for
from newsmon.alerts.matcher import RuleIndex
from newsmon.alerts.rules import Rule
from newsmon.alerts.state import MemoryAlertState
from newsmon.alerts.windows import densest_window
from newsmon.models.enrichment import EnrichedArticle, Entity
from tests.alert_scenarios import T0, article, entity, nato, rule_index, run

FREQUENCY = {"id": "nato-burst", "when": {"entity": "NATO"}, "frequency": {"count": 3, "minutes": 10}}


def test_a_burst_alerts_once_with_its_window() -> None:
    index, state = rule_index(**FREQUENCY), MemoryAlertState()
    fired = [alerts_for(index, nato(n, m), state) for n, m in enumerate([0, 3, 6, 8])]
    assert [len(f) for f in fired] == [0, 0, 1, 0]  # the fourth match is the same burst
    alert = fired[2][0]
    assert alert.matched[0] == "frequency:3 in 10 min"
    assert (alert.window_start, alert.window_end) == (T0, T0 + timedelta(minutes=10))
    assert alert.kind == "frequency" and alert.count == 3


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_a_burst_fires_exactly_once_in_any_arrival_order(order: tuple[int, ...]) -> None:
    minutes = [0, 4, 9, 30]  # three within ten minutes, one far outside
    index, state = rule_index(**FREQUENCY), MemoryAlertState()
    alerts = run(index, state, [nato(i, minutes[i]) for i in order])
    assert len(alerts) == 1
    assert alerts[0].window_start == T0


def test_spread_out_matches_do_not_alert_and_redelivery_does_not_count_twice() -> None:
    index, state = rule_index(**FREQUENCY), MemoryAlertState()
    first = nato(1, 0)
    assert run(index, state, [first, first, first, nato(2, 30), nato(3, 60)]) == []


def test_a_replayed_burst_does_not_alert_again() -> None:
    index, state = rule_index(**FREQUENCY), MemoryAlertState()
    burst = [nato(n, m) for n, m in enumerate([0, 2, 4])]
    assert len(run(index, state, burst)) == 1
    assert run(index, state, burst) == []


def test_two_separate_bursts_alert_twice() -> None:
    index, state = rule_index(**FREQUENCY), MemoryAlertState()
    alerts = run(index, state, [nato(n, m) for n, m in enumerate([0, 1, 2, 60, 61, 62])])
    assert [a.window_start for a in alerts] == [T0, T0 + timedelta(minutes=60)]
    assert len({a.id for a in alerts}) == 2


def test_densest_window_must_contain_the_new_match() -> None:
    times = [T0 + timedelta(minutes=m) for m in (0, 1, 2, 30)]
    assert densest_window(times, times[-1], timedelta(minutes=10), 3) is None
    assert densest_window(times, times[1], timedelta(minutes=10), 3) == T0


SPIKE = {
    "id": "nato-spike",
    "when": {"entity": "NATO"},
    "spike": {"minutes": 10, "baseline_minutes": 60, "factor": 3, "min_count": 3},
}


def test_a_spike_over_a_quiet_baseline_alerts_once() -> None:
    index, state = rule_index(**SPIKE), MemoryAlertState()
    baseline = [nato(n, m) for n, m in enumerate([0, 20, 40])]  # 3 an hour: 0.5 per 10 min
    assert run(index, state, baseline) == []
    spike = [nato(10 + n, 65 + n) for n in range(5)]
    alerts = run(index, state, spike)
    assert len(alerts) == 1
    assert alerts[0].kind == "spike"
    assert alerts[0].matched[0].startswith("spike:3 in 10 min")


def test_a_steady_rate_is_no_spike() -> None:
    index, state = rule_index(**SPIKE), MemoryAlertState()
    steady = [nato(n, n * 2.5) for n in range(80)]  # 4 per 10 minutes for 200 minutes
    alerts = run(index, state, steady)
    # Rising from nothing is a spike; once the baseline hour holds the same rate, none.
    assert alerts
    assert all(a.window_end is not None and a.window_end < T0 + timedelta(minutes=60) for a in alerts)


FIRST_SEEN = {
    "id": "new-people",
    "when": {"topic": "politics"},
    "first_seen": {"of": "entity", "days": 30, "types": ["PERSON"], "require_history": False},
}


def _politics(n: int, minutes: float, *entities: Entity) -> EnrichedArticle:
    return article(n, minutes, *entities, topic="politics")


def test_first_seen_alerts_on_a_new_person_once() -> None:
    index, state = rule_index(**FIRST_SEEN), MemoryAlertState()
    known, newcomer = entity("Olaf Scholz", "PERSON"), entity("Jane Newcomer", "PERSON")
    assert [a.matched[0] for a in run(index, state, [_politics(1, 0, known)])] == ["first_seen:Olaf Scholz"]
    assert run(index, state, [_politics(2, 60, known)]) == []  # seen an hour ago
    alerts = run(index, state, [_politics(3, 120, known, newcomer)])
    assert [(a.kind, a.key) for a in alerts] == [("first_seen", "person:jane newcomer")]
    # An earlier article on the newcomer arriving late raises no second alert.
    assert run(index, state, [_politics(4, 100, newcomer)]) == []


def test_first_seen_waits_for_enough_history() -> None:
    rule = {**FIRST_SEEN, "first_seen": {"days": 1, "types": ["PERSON"]}}
    index, state = rule_index(**rule), MemoryAlertState()
    person = entity("Jane Newcomer", "PERSON")
    assert run(index, state, [_politics(1, 0, entity("Olaf Scholz", "PERSON"))]) == []
    assert len(run(index, state, [_politics(2, 2 * 24 * 60, person)])) == 1


def test_first_seen_pairs() -> None:
    rule = {**FIRST_SEEN, "first_seen": {"of": "pair", "types": ["PERSON"], "require_history": False}}
    index, state = rule_index(**rule), MemoryAlertState()
    a, b, c = (entity(n, "PERSON") for n in ("Ann A", "Bob B", "Cy C"))
    run(index, state, [_politics(1, 0, a, b), _politics(2, 1, b, c)])
    alerts = run(index, state, [_politics(3, 2, a, b, c)])
    assert [x.matched[0] for x in alerts] == ["first_seen:Ann A & Cy C"]


def test_throttle_per_entity_allows_one_alert_per_interval() -> None:
    rule = {"id": "leaders", "when": {"any": [{"entity": "Ann A"}, {"entity": "Bob B"}]}}
    rule["throttle"] = {"minutes": 60, "per": "entity"}
    index, state = rule_index(**rule), MemoryAlertState()
    a, b = entity("Ann A", "PERSON"), entity("Bob B", "PERSON")
    items = [article(1, 0, a), article(2, 10, a), article(3, 20, b), article(4, 90, a)]
    alerts = run(index, state, items)
    assert [(a.article_id, a.key) for a in alerts] == [
        (items[0].article.id, "Ann A"),
        (items[2].article.id, "Bob B"),
        (items[3].article.id, "Ann A"),
    ]
    # A replay of an alerted article gives the same alert again (same id): not throttled.
    assert [x.id for x in run(index, state, [items[0]])] == [alerts[0].id]


def test_throttle_per_rule() -> None:
    rule = {"id": "any-nato", "when": {"entity": "NATO"}, "throttle": {"minutes": 30}}
    index, state = rule_index(**rule), MemoryAlertState()
    alerts = run(index, state, [nato(n, m) for n, m in enumerate([0, 5, 29, 31, 70])])
    assert [a.event_time for a in alerts] == [T0, T0 + timedelta(minutes=31), T0 + timedelta(minutes=70)]


def test_a_rule_has_one_kind() -> None:
    with pytest.raises(ValueError, match="one kind"):
        Rule.model_validate({**FREQUENCY, "spike": {"minutes": 5}})


def test_articles_later_than_the_allowed_lateness_count_for_per_article_rules_only() -> None:
    index = RuleIndex(
        [Rule.model_validate(FREQUENCY), Rule.model_validate({"id": "any-nato", "when": {"entity": "NATO"}})]
    )
    state, now = MemoryAlertState(), T0 + timedelta(days=2)
    late = [alerts_for(index, nato(n, n), state, timedelta(days=1), now) for n in range(3)]
    assert [[a.rule_id for a in alerts] for alerts in late] == [["any-nato"]] * 3
    fresh = [alerts_for(index, nato(n, 2 * 24 * 60 + n), state, timedelta(days=1), now) for n in range(3, 6)]
    assert [a.rule_id for alerts in fresh for a in alerts].count("nato-burst") == 1


def test_throttle_per_story_allows_one_alert_per_story_and_interval() -> None:
    rule = {"id": "nato-stories", "when": {"entity": "NATO"}, "throttle": {"minutes": 120, "per": "story"}}
    index, state = rule_index(**rule), MemoryAlertState()
    items = [nato(n, n) for n in range(4)]
    stories = ["s1", "s1", "s2", "s1"]
    items = [
        i.model_copy(update={"article": i.article.model_copy(update={"story_id": s})})
        for i, s in zip(items, stories, strict=True)
    ]
    alerts = run(index, state, items)
    assert [(a.article_id, a.story_id) for a in alerts] == [(items[0].id, "s1"), (items[2].id, "s2")]
