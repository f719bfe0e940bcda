from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsmon.alerts.matcher import RuleIndex
from newsmon.alerts.rules import Rule
from newsmon.alerts.windows import MemoryMatchStore, alerts_for
from newsmon.article import Article
from newsmon.nlp.models import EnrichedArticle, Enrichment, Entity, Mention

T0 = datetime(2022, 2, 2, 12, 0, tzinfo=UTC)
RULE = Rule.model_validate(
    {"id": "nato-burst", "when": {"entity": "NATO"}, "frequency": {"count": 3, "minutes": 10}}
)


def _nato_article(n: int, minutes: float) -> EnrichedArticle:
    body = f"NATO allies met again, report number {n}."
    nato = Entity(
        key="Q7184", canonical="NATO", type="ORG", count=1, mentions=[Mention(text="NATO", start=0, end=4)]
    )
    article = Article(
        body=body, source="wire", source_id=str(n), published_at=T0 + timedelta(minutes=minutes)
    )
    return EnrichedArticle(article=article, enrichment=Enrichment(language="en", entities=[nato]))


def test_third_match_within_the_window_alerts_once_per_window() -> None:
    index, store = RuleIndex([RULE]), MemoryMatchStore()
    fired = [alerts_for(index, _nato_article(n, minutes), store) for n, minutes in enumerate([0, 3, 6, 8])]
    assert [len(f) for f in fired] == [0, 0, 1, 1]
    assert fired[2][0].id == fired[3][0].id  # same window: same alert, stored once
    assert fired[2][0].matched[0] == "frequency:3 in 10 min"


def test_spread_out_matches_do_not_alert_and_redelivery_does_not_count_twice() -> None:
    index, store = RuleIndex([RULE]), MemoryMatchStore()
    first = _nato_article(1, 0)
    assert alerts_for(index, first, store) == []
    assert alerts_for(index, first, store) == []  # re-delivered: still one match
    assert alerts_for(index, _nato_article(2, 30), store) == []
    assert alerts_for(index, _nato_article(3, 60), store) == []


def test_late_articles_count_in_their_own_event_time() -> None:
    index, store = RuleIndex([RULE]), MemoryMatchStore()
    assert alerts_for(index, _nato_article(1, 9), store) == []
    assert alerts_for(index, _nato_article(2, 60), store) == []
    assert alerts_for(index, _nato_article(3, 8), store) == []  # window [-2, 8]: minutes 8 only
    # Window [-5, 5] of this late one holds only itself.
    assert alerts_for(index, _nato_article(4, 5), store) == []
    # Window [0, 10] now holds the articles of minutes 5, 8, 9 and 10.
    (alert,) = alerts_for(index, _nato_article(5, 10), store)
    assert alert.matched[0] == "frequency:4 in 10 min"
