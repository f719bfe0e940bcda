"""Breaking news: a story that grows fast against its own history and the day's baseline.

:func:`is_breaking` is the test, on counts (:class:`Growth`) the pipeline takes from its
rule state and the desk's story list from the index; :func:`record_story` and
:func:`story_growth_alerts` are the ``story_growth`` rule kind over
:class:`~newsmon.alerts.state.AlertState`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from newsmon.alerts.rules import Rule, StoryGrowth
from newsmon.alerts.state import AlertState
from newsmon.models.alert import Alert
from newsmon.models.enrichment import EnrichedArticle

DAY = timedelta(days=1)
STORIES, ARTICLES = "growth:stories", "growth:articles"
"""State keys: every story's last article time, and every article (the day's baseline)."""


@dataclass(frozen=True)
class Growth:
    """What breaking is judged on, for one story at one time."""

    recent: int
    """Articles of the story in the last interval."""
    recent_sources: int
    """Distinct sources among them."""
    earlier: int
    """Articles of the story in the history before the interval."""
    day_articles: int
    """Articles of every story in the day before the interval (the baseline)."""
    day_stories: int
    """Stories active in that day."""

    def own_rate(self, policy: StoryGrowth) -> float:
        """The story's articles per interval over its history."""
        return self.earlier / (policy.history_hours * 60 / policy.minutes)

    def day_rate(self, policy: StoryGrowth) -> float:
        """Articles per story and interval over the day."""
        return self.day_articles / max(1, self.day_stories) / (DAY / timedelta(minutes=policy.minutes))

    def ratio(self, policy: StoryGrowth) -> float:
        """How many times its usual rate the story grew by (the larger of the two rates)."""
        return self.recent / max(self.own_rate(policy), self.day_rate(policy), 1 / policy.factor)


def is_breaking(growth: Growth, policy: StoryGrowth) -> bool:
    """Enough articles and sources in the interval, ``factor`` times both its own rate and
    the day's rate per story."""
    return (
        growth.recent >= policy.min_articles
        and growth.recent_sources >= policy.min_sources
        and growth.recent >= policy.factor * growth.own_rate(policy)
        and growth.recent >= policy.factor * growth.day_rate(policy)
    )


def _story(item: EnrichedArticle) -> str:
    return item.article.story_id or item.article.id


def _source(item: EnrichedArticle) -> str:
    return (item.article.source or "").casefold().removeprefix("www.") or "(unknown)"


def record_story(state: AlertState, item: EnrichedArticle) -> None:
    """Count one article (a copy too) for its story's growth and the day's baseline."""
    story, at = _story(item), item.article.event_time
    state.record_match(f"growth:story:{story}", item.article.id, at)
    # One record per source and story, at its latest article: distinct sources of a window.
    state.record_match(f"growth:sources:{story}", _source(item), at)
    state.record_match(STORIES, story, at)
    state.record_match(ARTICLES, item.article.id, at)


def growth_at(state: AlertState, story: str, at: datetime, policy: StoryGrowth) -> Growth:
    """The story's counts at ``at`` from the recorded articles."""
    start = at - timedelta(minutes=policy.minutes)
    history = start - timedelta(hours=policy.history_hours)
    return Growth(
        recent=state.match_count(f"growth:story:{story}", start, at),
        recent_sources=state.match_count(f"growth:sources:{story}", start, at),
        earlier=state.match_count(f"growth:story:{story}", history, start - timedelta(microseconds=1)),
        day_articles=state.match_count(ARTICLES, start - DAY, start - timedelta(microseconds=1)),
        day_stories=state.match_count(STORIES, start - DAY, at),
    )


def breaking_id(rule_id: str, story: str) -> str:
    return hashlib.sha256(f"{rule_id}\nbreaking\n{story}".encode()).hexdigest()[:32]


def story_growth_alerts(
    rule: Rule, per_article: Alert, item: EnrichedArticle, at: datetime, state: AlertState
) -> list[Alert]:
    """The rule's one alert on the article's story, when the story breaks with it."""
    policy = rule.story_growth
    assert policy is not None
    story = _story(item)
    key = f"story:{story}"
    lookback = timedelta(hours=policy.history_hours) + DAY
    if state.fired_alerts(rule.id, key, at - lookback, at + lookback):
        return []  # the story broke already
    growth = growth_at(state, story, at, policy)
    if not is_breaking(growth, policy):
        return []
    summary = (
        f"story_growth:{growth.recent} articles from {growth.recent_sources} sources in "
        f"{policy.minutes:g} min, x{growth.ratio(policy):.1f} the usual rate"
    )
    return [
        per_article.model_copy(
            update={
                "id": breaking_id(rule.id, story),
                "kind": "story_growth",
                "key": key,
                "story_id": story,
                "window_start": at - timedelta(minutes=policy.minutes),
                "window_end": at,
                "count": growth.recent,
                "matched": [summary, *[m for m in per_article.matched if m != "every_article"]],
            }
        )
    ]
