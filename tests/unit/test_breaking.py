"""Breaking news (the ``story_growth`` rule kind) on the pure core with the in-memory
state: a story that spreads across outlets fast alerts once; a story growing at its usual
pace, one outlet's burst, or a replay do not; copies count."""

from __future__ import annotations

from datetime import timedelta

from newsmon.alerts.breaking import Growth, is_breaking, record_story
from newsmon.alerts.rules import StoryGrowth
from newsmon.alerts.state import MemoryAlertState
from tests.alert_scenarios import T0, rule_index, run, story_article

BREAKING = {"id": "breaking", "when": {"every_article": True}, "story_growth": {}}


_item = story_article


def test_a_story_spreading_across_outlets_breaks_once() -> None:
    index, state = rule_index(**BREAKING), MemoryAlertState()
    # A quiet day: other stories, an article an hour.
    quiet = [_item(n, n * 60 - 24 * 60, f"other-{n}", f"outlet-{n % 5}") for n in range(24)]
    assert run(index, state, quiet) == []
    spread = [_item(100 + n, 2 + n * 4, "summit", f"paper-{n}") for n in range(6)]
    fired = run(index, state, spread)
    assert len(fired) == 1
    alert = fired[0]
    assert alert.kind == "story_growth" and alert.story_id == "summit" and alert.group == "breaking|summit"
    assert alert.article_id == spread[3].article.id  # the fourth article (min_articles 4) broke it
    assert alert.matched[0].startswith("story_growth:4 articles from 4 sources in 30 min")
    # The story goes on growing, and is replayed: no second alert.
    assert run(index, state, [_item(200, 30, "summit", "paper-9"), *spread]) == []


def test_a_story_at_its_usual_pace_does_not_break() -> None:
    index, state = rule_index(**BREAKING), MemoryAlertState()
    # A running story, eight articles an hour from six outlets, for six hours before the
    # rule existed; then the same pace again.
    for n in range(48):
        record_story(state, _item(n, n * 7.5 - 360, "running", f"paper-{n % 6}"))
    steady = [_item(100 + n, n * 7.5, "running", f"paper-{n % 6}") for n in range(16)]
    assert run(index, state, steady) == []
    # A slow new story, an article every ten minutes, never gathers four in half an hour.
    assert run(index, state, [_item(200 + n, n * 11, "slow", f"paper-{n}") for n in range(12)]) == []


def test_one_outlets_burst_is_not_breaking_news() -> None:
    index, state = rule_index(**BREAKING), MemoryAlertState()
    assert run(index, state, [_item(n, n, "live-blog", "one-paper") for n in range(10)]) == []


def test_copies_spread_a_story() -> None:
    index, state = rule_index(**BREAKING), MemoryAlertState()
    first = _item(1, 0, "wire", "ap")
    copies = [_item(2 + n, 1 + n, "wire", f"reprint-{n}", copy_of=first.article.id) for n in range(3)]
    fired = run(index, state, [first, *copies])
    assert len(fired) == 1 and fired[0].article_id == copies[-1].article.id


def test_the_test_on_counts() -> None:
    policy = StoryGrowth()
    assert is_breaking(
        Growth(recent=4, recent_sources=3, earlier=0, day_articles=100, day_stories=50), policy
    )
    # Six an hour before (three per interval): four is not three times that.
    assert not is_breaking(Growth(4, 3, 36, 100, 50), policy)
    # A day where stories get 30 articles per interval each: four is ordinary.
    assert not is_breaking(Growth(4, 3, 0, 48 * 30 * 10, 10), policy)
    assert Growth(8, 5, 0, 0, 0).ratio(policy) == 24.0  # against the floor of 1/factor per interval
    assert timedelta(minutes=policy.minutes) == timedelta(minutes=30)
    assert T0.tzinfo is not None
