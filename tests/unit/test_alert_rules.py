from __future__ import annotations

from pathlib import Path

import pytest

from newsmon.alerts.matcher import RuleIndex
from newsmon.alerts.rules import Rule, load_rules
from newsmon.models.alert import alert_id
from newsmon.models.article import Article
from newsmon.models.enrichment import EnrichedArticle
from newsmon.nlp.enrich import Enricher
from tests.helpers import shared_file


@pytest.fixture(scope="module")
def seed(enricher: Enricher) -> EnrichedArticle:
    body = shared_file("seed-article.txt").read_text(encoding="utf-8")
    return enricher.enrich(Article(title="Johnson warns Putin over Ukraine", body=body, source="example.com"))


@pytest.fixture(scope="module")
def other(enricher: Enricher) -> EnrichedArticle:
    body = "Striker scores twice as United win the cup final at Wembley. The manager praised his team."
    return enricher.enrich(Article(title="United win the cup", body=body, source="sport.example"))


def _rule(rule_id: str, when: dict[str, object]) -> Rule:
    return Rule.model_validate({"id": rule_id, "when": when})


def test_packaged_example_rules_load_without_errors() -> None:
    rules, errors = load_rules()
    assert errors == [] and {r.id for r in rules} >= {"putin-quoted", "eastern-europe-conflict"}


def test_rules_on_leaders_regions_topics_and_quotes(
    enricher: Enricher, seed: EnrichedArticle, other: EnrichedArticle
) -> None:
    rules = [
        _rule("putin-quoted", {"quoted": "Putin"}),  # an alias: matches the canonical speaker
        _rule("kremlin-on-nato", {"quote_mentions": {"speaker": "Kremlin", "text": "NATO"}}),
        _rule(
            "ee-conflict",
            {
                "all": [
                    {"region": "Eastern Europe"},
                    {"topic": {"label": "conflict_defence", "min_score": 0.5}},
                ]
            },
        ),
        _rule("zelensky", {"entity": {"name": "Zelenskyy"}}),
        _rule("ukraine", {"country": "UA"}),
        _rule("phrase", {"phrase": {"regex": r"clear and present"}}),
        _rule("not-us", {"all": [{"topic": "diplomacy"}, {"not": {"source": "example.com"}}]}),
        _rule("sport", {"topic": "sport"}),
        _rule("nato-title", {"entity": {"name": "NATO", "in_title": True}}),
        _rule("johnson-lead", {"entity": {"name": "Boris Johnson", "in_lead": True, "min_mentions": 5}}),
        _rule("zelensky-lead", {"entity": {"name": "Zelensky", "in_lead": True}}),
    ]
    index = RuleIndex(rules, enricher.kb)
    seed_alerts = {a.rule_id: a for a in index.match(seed)}
    assert set(seed_alerts) == {
        "putin-quoted",
        "kremlin-on-nato",
        "ee-conflict",
        "johnson-lead",
        "zelensky",
        "ukraine",
        "phrase",
    }
    assert "region:Eastern Europe" in seed_alerts["ee-conflict"].matched
    assert seed_alerts["putin-quoted"].id == alert_id("putin-quoted", seed.article.id)
    assert {a.rule_id for a in index.match(other)} == {"sport"}


def test_redelivery_gives_the_same_alert_ids(seed: EnrichedArticle) -> None:
    index = RuleIndex([_rule("ukraine", {"country": "Ukraine"})])
    assert [a.id for a in index.match(seed)] == [a.id for a in index.match(seed)]


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ({}, "empty condition"),
        ({"colour": "red"}, "Extra inputs"),
        ({"phrase": {"regex": "(unclosed"}}, "bad regex"),
        ({"all": []}, "at least one condition"),
        ({"topic": {"label": "x", "min_score": 3}}, "less than or equal to 1"),
    ],
)
def test_bad_rules_are_refused_with_the_problem_named(
    tmp_path: Path, when: dict[str, object], problem: str
) -> None:
    (tmp_path / "rules.yaml").write_text(
        "rules:\n  - id: good\n    when: {country: UA}\n  - id: bad\n    when: "
        + repr(when).replace("'", '"')
        + "\n"
    )
    rules, errors = load_rules(tmp_path)
    assert [r.id for r in rules] == ["good"]
    assert len(errors) == 1 and errors[0].rule_id == "bad" and problem in errors[0].problem


def test_many_rules_only_candidates_are_evaluated(seed: EnrichedArticle) -> None:
    rules = [_rule(f"entity-{i}", {"entity": f"Nobody Number {i}"}) for i in range(5000)]
    rules.append(_rule("hit", {"entity": "Volodymyr Zelensky"}))
    index = RuleIndex(rules)
    assert [a.rule_id for a in index.match(seed)] == ["hit"]
