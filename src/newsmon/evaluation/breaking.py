"""The breaking-news detector on real streams replayed in event time: the provenance
set's Helsinki summit coverage (80 outlets) and the Reuters-21578 wire (one source).

Each article is enriched, joins a story (the pipeline's story assignment), and goes
through a ``story_growth`` rule with the default policy. There is no gold list of
breaking stories; a flag counts as a false flag when its story never grew big (fewer
than ``BIG_ARTICLES`` articles or ``BIG_SOURCES`` sources in the whole replay): what a
desk would have been interrupted for in vain. Big stories never flagged are listed as
missed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from newsmon.alerts.evaluate import alerts_for
from newsmon.alerts.matcher import RuleIndex
from newsmon.alerts.rules import Rule, StoryGrowth
from newsmon.alerts.state import MemoryAlertState
from newsmon.dedup.stories import MemoryStoryStore, assign_story, story_features
from newsmon.exceptions import InvalidArticleError
from newsmon.models.article import Article, parse_article
from newsmon.nlp.enrich import Enricher

BIG_ARTICLES = 10
BIG_SOURCES = 5
REUTERS_LIMIT = 4000
"""Reuters items replayed (the earliest, in event time): two weeks of the 1987 wire."""


@dataclass
class StoryTrack:
    headline: str = ""
    first: datetime | None = None
    articles: int = 0
    sources: set[str] = field(default_factory=set)
    flagged_at: datetime | None = None
    flagged_articles: int = 0


@dataclass
class Replay:
    name: str
    policy: StoryGrowth
    articles: int = 0
    start: datetime | None = None
    end: datetime | None = None
    stories: dict[str, StoryTrack] = field(default_factory=lambda: defaultdict(StoryTrack))

    def days(self) -> float:
        if self.start is None or self.end is None:
            return 0.0
        return max(1.0, (self.end - self.start) / timedelta(days=1))

    def big(self, track: StoryTrack, single_source: bool) -> bool:
        return track.articles >= BIG_ARTICLES and (single_source or len(track.sources) >= BIG_SOURCES)


def _articles(lines: Iterable[bytes]) -> list[Article]:
    articles = []
    for line in lines:
        try:
            article = parse_article(line)
        except InvalidArticleError:
            continue
        if article.published_at is not None:
            articles.append(article)
    return sorted(articles, key=lambda a: (a.event_time, a.id))


def replay(
    name: str, articles: list[Article], enricher: Enricher, policy: StoryGrowth, window: timedelta
) -> Replay:
    """Every article in event time through enrichment, story assignment and the rule."""
    rule = Rule.model_validate({"id": "breaking", "when": {"every_article": True}, "story_growth": policy})
    index, state, stories = RuleIndex([rule]), MemoryAlertState(), MemoryStoryStore()
    result = Replay(name, policy)
    for item in enricher.enrich_many(articles):
        at = item.article.event_time
        story = assign_story(story_features(item, at), stories, window)
        item = item.model_copy(update={"article": item.article.model_copy(update={"story_id": story})})
        track = result.stories[story]
        track.first = track.first or at
        track.headline = track.headline or item.enrichment.headline
        track.articles += 1
        track.sources.add((item.article.source or "").casefold())
        result.articles += 1
        result.start = result.start or at
        result.end = at
        for alert in alerts_for(index, item, state):
            if alert.kind == "story_growth" and track.flagged_at is None:
                track.flagged_at, track.flagged_articles = at, track.articles
    return result


def report(result: Replay, single_source: bool = False) -> str:
    flagged = [t for t in result.stories.values() if t.flagged_at is not None]
    false = [t for t in flagged if not result.big(t, single_source)]
    big = [t for t in result.stories.values() if result.big(t, single_source)]
    missed = [t for t in big if t.flagged_at is None]
    p = result.policy
    lines = [
        f"{result.name}: {result.articles} articles over {result.days():.1f} days, "
        f"{len(result.stories)} stories, {len(big)} big (>= {BIG_ARTICLES} articles"
        + ("" if single_source else f", >= {BIG_SOURCES} sources")
        + ")",
        f"policy: >= {p.min_articles} articles from >= {p.min_sources} sources in {p.minutes:g} min, "
        f"x{p.factor:g} the story's rate over {p.history_hours:g} h and the day's rate per story",
        f"flagged {len(flagged)} stories; false flags {len(false)} ({len(false) / result.days():.2f} a day); "
        f"big stories missed {len(missed)}",
        "",
        "| story (headline) | first article | flagged | delay (min) | articles at flag "
        "| articles / sources in all |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for track in sorted(flagged, key=lambda t: t.flagged_at or t.first or datetime.min):
        assert track.first is not None and track.flagged_at is not None
        delay = (track.flagged_at - track.first) / timedelta(minutes=1)
        mark = "" if result.big(track, single_source) else " (false flag)"
        lines.append(
            f"| {track.headline[:70]}{mark} | {track.first:%Y-%m-%d %H:%M} "
            f"| {track.flagged_at:%Y-%m-%d %H:%M} | {delay:.0f} | {track.flagged_articles} "
            f"| {track.articles} / {len(track.sources)} |"
        )
    for track in missed:
        lines.append(
            f"| {track.headline[:70]} (missed) | {track.first:%Y-%m-%d %H:%M} | - | - | - | "
            f"{track.articles} / {len(track.sources)} |"
        )
    return "\n".join(lines)


def evaluate_breaking(enricher: Enricher, data: Path, window: timedelta) -> str:
    provenance = _articles((data / "provenance" / "provenance_articles.jsonl").read_bytes().splitlines())
    policy = StoryGrowth()
    out = [report(replay("provenance (Helsinki summit, 80 outlets)", provenance, enricher, policy, window))]
    reuters_lines = (data / "reuters21578" / "reuters21578.jsonl").read_bytes().splitlines()
    reuters = _articles(
        json.dumps({**json.loads(line), "source": "reuters"}).encode() for line in reuters_lines
    )
    reuters = reuters[:REUTERS_LIMIT]
    # One source: the default policy can never flag (it wants three); a wire desk would
    # watch it with min_sources 1.
    wire = policy.model_copy(update={"min_sources": 1})
    out.append(
        report(replay("Reuters-21578 (one wire)", reuters, enricher, wire, window), single_source=True)
    )
    return "\n\n".join(out)
