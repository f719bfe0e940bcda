"""Windowed rules and throttles with their state in the real search engine: every check
runs against a *fresh* state object (as after a restart), so only the engine's indices
can know the earlier matches, sightings and alerts."""

from __future__ import annotations

from newsmon.connectors.stores.alert_state import SearchAlertState
from newsmon.models.alert import Alert
from tests.alert_scenarios import article, entity, nato, rule_index, run, story_article
from tests.integration.conftest import World


def _restarted(world: World, alerts: list[Alert]) -> SearchAlertState:
    """The alerts as the pipeline's sink would have indexed them, and a new worker's state."""
    search = world.settings.search
    for alert in alerts:
        world.engine.index_document(search.alerts_index, alert.id, alert.to_document())
    world.engine.refresh(search.rule_matches_index)
    world.engine.refresh(search.alerts_index)
    return SearchAlertState(
        world.engine, search.rule_matches_index, search.alerts_index, search.overlay_items
    )


def test_a_burst_read_out_of_order_across_restarts_alerts_once(world: World) -> None:
    index = rule_index(id="nato-burst", when={"entity": "NATO"}, frequency={"count": 3, "minutes": 10})
    fired = run(index, _restarted(world, []), [nato(1, 9), nato(2, 30)])
    assert fired == []
    # A restart: the new worker knows the two matches only from the engine.
    fired = run(index, _restarted(world, fired), [nato(3, 4), nato(4, 0)])
    assert len(fired) == 1 and fired[0].count == 3
    # Replayed after another restart: the alert is found in the alerts index.
    assert run(index, _restarted(world, fired), [nato(3, 4), nato(4, 0), nato(5, 5)]) == []


def test_a_spike_over_the_engine_state(world: World) -> None:
    index = rule_index(
        id="nato-spike",
        when={"entity": "NATO"},
        spike={"minutes": 10, "baseline_minutes": 60, "factor": 3, "min_count": 3},
    )
    fired = run(index, _restarted(world, []), [nato(n, m) for n, m in enumerate([0, 30])])
    assert fired == []
    fired = run(index, _restarted(world, fired), [nato(10, 65), nato(11, 66)])
    fired += run(index, _restarted(world, fired), [nato(12, 67)])
    assert [a.kind for a in fired] == ["spike"]
    assert run(index, _restarted(world, fired), [nato(13, 68)]) == []  # the same spike


def test_first_seen_and_throttle_over_the_engine_state(world: World) -> None:
    index = rule_index(
        id="new-people",
        when={"topic": "politics"},
        first_seen={"days": 30, "types": ["PERSON"], "require_history": True},
    )
    old, newcomer = entity("Olaf Scholz", "PERSON"), entity("Jane Newcomer", "PERSON")
    # No history 30 days back yet: silent, but the sighting is kept.
    assert run(index, _restarted(world, []), [article(1, -40 * 24 * 60, old, topic="politics")]) == []
    fired = run(index, _restarted(world, []), [article(2, 0, old, newcomer, topic="politics")])
    assert [a.matched[0] for a in fired] == ["first_seen:Jane Newcomer", "first_seen:Olaf Scholz"]
    later = article(3, 60, old, newcomer, topic="politics")
    assert run(index, _restarted(world, fired), [later]) == []

    throttled = rule_index(id="scholz", when={"entity": "Olaf Scholz"}, throttle={"minutes": 60})
    fired = run(throttled, _restarted(world, []), [article(4, 0, old)])
    assert len(fired) == 1
    assert run(throttled, _restarted(world, fired), [article(5, 30, old)]) == []
    assert len(run(throttled, _restarted(world, fired), [article(6, 90, old)])) == 1


def test_breaking_news_over_the_engine_state(world: World) -> None:
    index = rule_index(id="breaking", when={"every_article": True}, story_growth={})
    first = [story_article(1, 0, "summit", "ap"), story_article(2, 3, "summit", "reuters")]
    assert run(index, _restarted(world, []), first) == []
    # After a restart the story's first two articles and their sources come from the engine.
    fired = run(
        index,
        _restarted(world, []),
        [story_article(3, 6, "summit", "afp"), story_article(4, 9, "summit", "ap")],
    )
    assert [a.kind for a in fired] == ["story_growth"] and fired[0].count == 4
    assert fired[0].matched[0].startswith("story_growth:4 articles from 3 sources")
    # The story goes on, after another restart: it broke already.
    assert run(index, _restarted(world, fired), [story_article(5, 12, "summit", "bbc")]) == []
