"""Alerts in the stream: rules on leaders, regions, topics and quotes fire on real articles,
land in the alerts index and on the alerts topic, and re-delivery adds none."""

from __future__ import annotations

import json
from pathlib import Path

from newsmon.settings import AlertSettings
from tests.helpers import real_article_lines, shared_file
from tests.integration.conftest import World

RULES = """
rules:
  - id: putin-quoted
    severity: high
    when: {quoted: Putin}
  - id: eastern-europe-conflict
    when:
      all:
        - region: Eastern Europe
        - topic: {label: conflict_defence, min_score: 0.5}
  - id: kremlin-quoted-on-nato
    when: {quote_mentions: {speaker: the Kremlin, text: NATO}}
  - id: sport
    when: {topic: sport}
  - id: broken
    when: {phrase: {regex: "(unclosed"}}
"""


def test_rules_fire_exactly_the_expected_alerts(world: World, tmp_path: Path) -> None:
    (tmp_path / "desk.yaml").write_text(RULES)
    world.settings = world.settings.model_copy(update={"alerts": AlertSettings(rules_dir=tmp_path)})
    seed = json.dumps(
        {
            "title": "Johnson and Putin discuss Ukraine",
            "body": shared_file("seed-article.txt").read_text(),
            "source": "seed",
        }
    ).encode()
    business = [
        line
        for line in real_article_lines(40, "bbc-news/bbc-news-dev.jsonl")
        if json.loads(line)["category"] == "business"
    ][:5]
    world.produce([seed, *business])

    output = world.run_pipeline()
    assert "rule refused" in output and "broken" in output  # the bad rule is named, the rest run

    index = world.settings.search.alerts_index
    world.engine.refresh(index)
    hits = world.engine.search(index, {"query": {"match_all": {}}, "size": 50})["hits"]["hits"]
    fired = sorted((h["_source"]["rule_id"], h["_source"]["source"]) for h in hits)
    assert fired == [
        ("eastern-europe-conflict", "seed"),
        ("kremlin-quoted-on-nato", "seed"),
        ("putin-quoted", "seed"),
    ]
    on_topic = world.read_topic(world.settings.kafka.alerts_topic, expected=3)
    assert sorted(json.loads(m.value)["rule_id"] for m in on_topic) == [r for r, _ in fired]  # type: ignore[attr-defined]

    # The same article delivered again: same alert ids, so the alerts index holds no more.
    world.produce([seed])
    world.run_pipeline()
    world.engine.refresh(index)
    assert world.engine.count(index) == 3
