"""Syndicated copies in the stream: real wire reprints are linked to their first copy,
exact copies skip the NLP, copies raise no alerts, and the link survives a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsmon.settings import AlertSettings
from tests.helpers import shared_file
from tests.integration.conftest import World

RULES = "rules:\n  - id: trump\n    when: {entity: Donald Trump}\n"


def _article(provenance_id: str, url: str) -> dict[str, str]:
    for line in shared_file("provenance/provenance_articles.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["id"] == provenance_id:
            return {
                "title": row["title"],
                "body": row["text"],
                "url": url,
                "published_at": row["published_at"],
            }
    raise AssertionError(provenance_id)


def _by_url(world: World) -> dict[str, dict[str, object]]:
    index = world.settings.search.articles_index
    world.engine.refresh(index)
    hits = world.engine.search(index, {"query": {"match_all": {}}, "size": 50})["hits"]["hits"]
    return {str(h["_source"]["url"]): h["_source"] for h in hits}


def test_copies_are_linked_not_realerted_and_remembered_across_restarts(world: World, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(RULES)
    world.settings = world.settings.model_copy(update={"alerts": AlertSettings(rules_dir=tmp_path)})
    cnn = _article("prov:helsinki:171", "https://cnn.example/trump-putin")
    reprint = _article("prov:helsinki:582", "https://news4jax.example/trump-putin")
    exact = {**cnn, "url": "https://mirror.example/trump-putin", "title": "Another headline"}
    other = _article("prov:helsinki:6", "https://nytimes.example/golf")
    world.produce([json.dumps(a).encode() for a in (cnn, other)], keys=[b"k", b"k"])
    world.produce([json.dumps(a).encode() for a in (reprint, exact)], keys=[b"k", b"k"])
    world.run_pipeline()

    docs = _by_url(world)
    first = docs[cnn["url"]]
    assert first.get("duplicate") is None and docs[other["url"]].get("duplicate") is None
    near = docs[reprint["url"]]["duplicate"]
    assert near["of"] == first["id"] and near["kind"] == "near"  # type: ignore[index]
    mirror = docs[exact["url"]]
    assert mirror["duplicate"]["kind"] == "exact"  # type: ignore[index]
    assert mirror["entities"] == [] and mirror["nlp"] == "exact_copy"  # the NLP was skipped
    # Copies belong to their first copy's story.
    assert first["story_id"] == first["id"]
    assert docs[reprint["url"]]["story_id"] == mirror["story_id"] == first["id"]

    alerts_index = world.settings.search.alerts_index
    world.engine.refresh(alerts_index)
    alerts = world.engine.search(alerts_index, {"query": {"match_all": {}}, "size": 50})["hits"]["hits"]
    assert sorted(str(a["_source"]["article_id"]) for a in alerts) == sorted(
        [str(first["id"]), str(docs[other["url"]]["id"])]
    )

    # A new run (a restart): another copy is still linked to the first one.
    again = {**reprint, "url": "https://later.example/trump-putin"}
    world.produce([json.dumps(again).encode()])
    world.run_pipeline()
    assert _by_url(world)[again["url"]]["duplicate"]["of"] == first["id"]  # type: ignore[index]


@pytest.mark.parametrize("batch_candidates", [1_000, 1], ids=["one-search", "too-many-for-one-search"])
def test_batched_lookups_give_the_answers_of_one_by_one_lookups(
    world: World, monkeypatch: pytest.MonkeyPatch, batch_candidates: int
) -> None:
    """The fingerprint store answers a batch from one multi-get and one search for the
    candidates of all its articles (or, when that search is full, one multi-search of a
    search per article) with the same results as per-article requests, copies inside the
    batch included."""
    from datetime import timedelta

    from newsmon.connectors.search import SearchEngine
    from newsmon.connectors.stores import fingerprints as store
    from newsmon.connectors.stores.fingerprints import SearchFingerprintStore
    from newsmon.dedup.check import check_duplicate
    from newsmon.dedup.fingerprint import fingerprint
    from newsmon.models.article import parse_article
    from tests.helpers import real_article_lines

    class CountingEngine:
        """The real engine, counting the requests that the store sends (a spy, not a fake)."""

        def __init__(self, engine: SearchEngine) -> None:
            self._engine, self.calls = engine, 0

        def __getattr__(self, name: str) -> object:
            attribute = getattr(self._engine, name)
            if name in ("get", "search", "get_many", "search_many"):
                self.calls += 1
            return attribute

    week = timedelta(days=7)
    articles = [parse_article(raw) for raw in real_article_lines(60)]
    prints = [fingerprint(a.id, a.event_time, a.body) for a in articles]
    index = world.settings.search.fingerprints_index

    one_by_one = SearchFingerprintStore(world.engine, index + "-single", overlay_items=2_000)
    expected = []
    for fp in prints:
        expected.append(check_duplicate(fp, one_by_one, week))
        one_by_one.flush()
        world.engine.refresh(index + "-single")

    monkeypatch.setattr(store, "_BATCH_CANDIDATES", batch_candidates)
    spy = CountingEngine(world.engine)
    batched = SearchFingerprintStore(spy, index, overlay_items=2_000)  # type: ignore[arg-type]
    answers = []
    for start in range(0, len(prints), 20):
        batch = prints[start : start + 20]
        batched.prefetch(batch, week)
        answers += [check_duplicate(fp, batched, week) for fp in batch]
        batched.flush()
        world.engine.refresh(index)
    world.engine.delete_index(index + "-single")

    assert answers == expected and sum(a is not None for a in answers) >= 5
    # Two requests per batch (four when the candidates fill one search); one by one
    # would take two per article.
    assert spy.calls <= (2 if batch_candidates > 1 else 4) * 3 + sum(a is not None for a in answers)
