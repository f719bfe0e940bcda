"""Articles for alert-rule scenarios, shared by the unit tests (memory state) and the
integration tests (search-engine state)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from newsmon.alerts.evaluate import alerts_for
from newsmon.alerts.matcher import RuleIndex
from newsmon.alerts.rules import Rule
from newsmon.alerts.state import AlertState
from newsmon.models.alert import Alert
from newsmon.models.article import Article, Duplicate
from newsmon.models.enrichment import EnrichedArticle, Enrichment, Entity, Mention, Topic

T0 = datetime(2022, 2, 2, 12, 0, tzinfo=UTC)


def entity(name: str, kind: str = "ORG", key: str | None = None) -> Entity:
    return Entity(
        key=key or f"{kind.lower()}:{name.lower()}",
        canonical=name,
        type=kind,
        count=1,
        mentions=[Mention(text=name, start=0, end=len(name))],
    )


def article(n: int, minutes: float, *entities: Entity, topic: str | None = None) -> EnrichedArticle:
    names = " and ".join(e.canonical for e in entities) or "Nobody"
    item = Article(
        body=f"{names} met again, report number {n}.",
        source="wire",
        source_id=str(n),
        published_at=T0 + timedelta(minutes=minutes),
    )
    topics = [Topic(label=topic, score=0.9)] if topic else []
    return EnrichedArticle(
        article=item, enrichment=Enrichment(language="en", entities=list(entities), topics=topics)
    )


def story_article(
    n: int, minutes: float, story: str, source: str, copy_of: str | None = None
) -> EnrichedArticle:
    """An article of ``story`` from ``source`` (a copy of ``copy_of``, if given)."""
    item = article(n, minutes)
    update: dict[str, object] = {"story_id": story, "source": source}
    if copy_of:
        update["duplicate"] = Duplicate(of=copy_of, kind="near", similarity=0.9)
    return item.model_copy(update={"article": item.article.model_copy(update=update)})


def nato(n: int, minutes: float) -> EnrichedArticle:
    return article(n, minutes, entity("NATO", key="Q7184"))


def rule_index(**rule: Any) -> RuleIndex:
    return RuleIndex([Rule.model_validate(rule)])


def run(index: RuleIndex, state: AlertState, items: list[EnrichedArticle]) -> list[Alert]:
    """The alerts of ``items`` processed as one bundle (state written at its end)."""
    alerts = [alert for item in items for alert in alerts_for(index, item, state)]
    state.flush()
    return alerts
