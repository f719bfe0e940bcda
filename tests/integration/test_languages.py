"""Rules written once in English fire on real German, French and Italian articles (Fundus's
test pages), through the running pipeline on real Kafka and OpenSearch."""

from __future__ import annotations

import json
from pathlib import Path

from newsmon.settings import AlertSettings
from tests.helpers import shared_file
from tests.integration.conftest import World

RULES = """
rules:
  - id: putin-named
    name: Putin named
    channels: [index]
    when: {entity: Vladimir Putin}
  - id: putin-quoted
    name: Putin quoted
    channels: [index]
    when: {quoted: Vladimir Putin}
  - id: trump-quoted
    name: Trump quoted
    channels: [index]
    when: {quoted: Donald Trump}
  - id: peskov-quoted
    name: Kremlin spokesman quoted
    channels: [index]
    when: {quoted: Dmitry Peskov}
  - id: eastern-europe-conflict
    name: Conflict in Eastern Europe
    channels: [index]
    when:
      all:
        - region: Eastern Europe
        - topic: conflict_defence
  - id: kremlin
    name: Kremlin named
    channels: [index]
    when: {entity: Kremlin}
"""
PAGES = {
    "ZDF_2025_11_07": "de",  # Putin on Russia's "decolonisation", quoted
    "DW_2023_04_28": "de",  # the Ukrainian counter-offensive
    "LeFigaro_2024_11_22": "fr",  # the war in Ukraine; Peskov quoted, "M. Peskov"
    "LeMonde_2023_09_01": "fr",  # a union leader and Macron: none of the rules
    "CorriereDellaSera_2025_02_04": "it",  # Meloni at Mar-a-Lago; "ha detto Trump"
}


def _articles() -> dict[str, bytes]:
    rows = [json.loads(line) for line in shared_file("fundus/fundus_articles.jsonl").read_text().splitlines()]
    articles = {}
    for name in PAGES:
        row = next(r for r in rows if name in r["html_file"])
        articles[name] = json.dumps(
            {"title": row["title"], "body": row["text"], "url": row["url"], "source": row["publisher"]}
        ).encode()
    return articles


def test_english_rules_fire_on_german_and_french_articles_with_the_terms_that_matched(
    world: World, tmp_path: Path
) -> None:
    (tmp_path / "desk.yaml").write_text(RULES)
    world.settings = world.settings.model_copy(update={"alerts": AlertSettings(rules_dir=tmp_path)})
    articles = _articles()
    world.produce(list(articles.values()))
    world.run_pipeline()

    index = world.settings.search.articles_index
    world.engine.refresh(index)
    docs = {
        h["_source"]["source"]: h["_source"]
        for h in world.engine.search(index, {"query": {"match_all": {}}, "size": 10})["hits"]["hits"]
    }
    assert {d["language"] for d in docs.values()} == {"de", "fr", "it"}
    # French with its spaCy model; German and Italian with the language-independent stages.
    assert {s: d["nlp"] for s, d in docs.items() if d["language"] == "fr"} == {
        "LeFigaro": "full",
        "LeMonde": "full",
    }
    assert {d["nlp"] for d in docs.values() if d["language"] != "fr"} == {"names"}
    # Names the knowledge base does not hold get entities and keys too: from the French
    # model ("Andreï Belooussov"), from a given name and a surname in German.
    assert any(e["key"].startswith("person:andrei-belooussov") for e in docs["LeFigaro"]["entities"])

    alerts_index = world.settings.search.alerts_index
    world.engine.refresh(alerts_index)
    alerts = [
        h["_source"]
        for h in world.engine.search(alerts_index, {"query": {"match_all": {}}, "size": 50})["hits"]["hits"]
    ]
    fired = {(a["rule_id"], a["source"]) for a in alerts}
    assert {("putin-named", s) for s in ("ZDF", "LeFigaro")} <= fired  # "Wladimir Putin", "Poutine"
    assert ("peskov-quoted", "LeFigaro") in fired and ("trump-quoted", "CorriereDellaSera") in fired
    assert {
        ("putin-quoted", s) for s in ("ZDF", "LeFigaro")
    } <= fired  # "verkündete Putin", "le président russe"
    assert {("eastern-europe-conflict", s) for s in ("ZDF", "DW", "LeFigaro")} <= fired
    assert ("kremlin", "LeFigaro") in fired  # "Kremlin"; the German pages' "Kreml" too
    assert not {source for _, source in fired} & {"LeMonde"}
    # Why it fired, in the article's own words.
    conflict = next(a for a in alerts if (a["rule_id"], a["source"]) == ("eastern-europe-conflict", "DW"))
    assert "region:Eastern Europe" in conflict["matched"]
    assert any(m.startswith("topic:conflict_defence") for m in conflict["matched"])
    named = next(a for a in alerts if (a["rule_id"], a["source"]) == ("putin-named", "LeFigaro"))
    # The passage where it matched, the name as the article writes it.
    assert {h["text"][h["start"] : h["end"]] for h in named["highlights"]} & {"Poutine", "Vladimir Poutine"}
