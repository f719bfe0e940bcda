"""The duplicate check on real wire copies from the provenance corpus."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache

from newsmon.dedup.check import check_duplicate
from newsmon.dedup.fingerprint import fingerprint, normalise, similarity
from newsmon.dedup.store import MemoryFingerprintStore
from newsmon.models.article import Article, parse_article
from tests.helpers import shared_file

T0 = datetime(2018, 7, 15, 12, tzinfo=UTC)
WEEK = timedelta(days=7)


@cache
def _provenance() -> dict[str, str]:
    path = shared_file("provenance/provenance_articles.jsonl")
    rows = (json.loads(line) for line in path.read_text().splitlines())
    return {r["id"]: r["text"] for r in rows if r.get("text")}


def _fp(article_id: str, text: str, hours: float = 0):  # type: ignore[no-untyped-def]
    return fingerprint(article_id, T0 + timedelta(hours=hours), text)


def test_normalising_keeps_words_only() -> None:
    assert normalise("Trump’s  SUMMIT, in Helsinki — “today”!") == "trump s summit in helsinki today"


def test_a_wire_copy_reprinted_with_edits_is_a_near_duplicate_of_the_first_copy() -> None:
    cnn, reprint = _provenance()["prov:helsinki:171"], _provenance()["prov:helsinki:582"]
    other_story = _provenance()["prov:helsinki:6"]
    store = MemoryFingerprintStore()
    assert check_duplicate(_fp("cnn", cnn), store, WEEK, 0.7) is None
    assert check_duplicate(_fp("nyt", other_story, 1), store, WEEK, 0.7) is None
    duplicate = check_duplicate(_fp("local", reprint, 2), store, WEEK, 0.7)
    assert duplicate is not None and duplicate.of == "cnn" and duplicate.kind == "near"
    assert 0.7 <= duplicate.similarity < 1
    # Re-delivered: the same answer; the first copy stays a first copy.
    assert check_duplicate(_fp("local", reprint, 2), store, WEEK, 0.7) == duplicate
    assert check_duplicate(_fp("cnn", cnn), store, WEEK, 0.7) is None


def test_exact_copies_and_chains_point_at_the_first_copy() -> None:
    text = _provenance()["prov:helsinki:171"]
    store = MemoryFingerprintStore()
    check_duplicate(_fp("first", text), store, WEEK)
    exact = check_duplicate(_fp("second", "  " + text.upper() + " "), store, WEEK)
    assert exact is not None and (exact.of, exact.kind, exact.similarity) == ("first", "exact", 1.0)
    edited = text.replace("President", "Mr.", 3) + " Editor's note: updated."
    chained = check_duplicate(_fp("third", edited), store, WEEK)
    assert chained is not None and chained.of == "first"


def test_copies_far_apart_in_time_are_not_linked() -> None:
    text = _provenance()["prov:helsinki:171"]
    store = MemoryFingerprintStore()
    check_duplicate(_fp("old", text), store, WEEK)
    assert check_duplicate(_fp("years-later", text, hours=24 * 30), store, WEEK) is None


def test_unrelated_articles_on_the_same_event_are_not_copies() -> None:
    texts = list(_provenance().items())[:60]
    fps = [_fp(i, t) for i, t in texts]
    copies = [
        (a.article_id, b.article_id) for a in fps for b in fps if a is not b and similarity(a, b) >= 0.7
    ]
    # Some of the first 60 are real reprints; most pairs are not.
    assert len(copies) < len(fps) * (len(fps) - 1) * 0.05


def test_input_cannot_mark_itself_a_copy() -> None:
    raw = json.dumps({"body": "Text.", "duplicate": {"of": "x", "kind": "exact", "similarity": 1}})
    assert parse_article(raw.encode()).duplicate is None
    assert Article(body="Text.").duplicate is None


def test_stories_group_articles_on_one_event_and_copies_join_their_first_copy() -> None:
    from newsmon.dedup.stories import MemoryStoryStore, StoryFeatures, assign_story

    def features(article_id: str, hours: float, keys: tuple[str, ...], words: str) -> StoryFeatures:
        return StoryFeatures(article_id, T0 + timedelta(hours=hours), keys, frozenset(words.split()))

    store, day = MemoryStoryStore(), timedelta(hours=48)
    summit = ("gpe:helsinki", "person:putin", "person:trump")
    first = features("a", 0, summit, "trump putin summit helsinki meeting monday")
    assert assign_story(first, store, day) == "a"
    same_event = features("b", 3, summit[1:], "putin trump helsinki summit begins")
    assert assign_story(same_event, store, day) == "a"
    other_event = features("c", 4, ("org:usda", "gpe:yemen"), "wheat flour bonus yemen")
    assert assign_story(other_event, store, day) == "c"
    too_late = features("d", 24 * 5, summit, "trump putin summit helsinki meeting")
    assert assign_story(too_late, store, day) == "d"
    copy = features("e", 5, (), "")
    assert assign_story(copy, store, day, first_copy="b") == "a"
    assert assign_story(same_event, store, day) == "a"  # re-delivered: same story


def test_real_articles_on_one_event_share_a_story_and_others_do_not(enricher) -> None:  # type: ignore[no-untyped-def]
    from newsmon.dedup.stories import MemoryStoryStore, assign_story, story_features

    rows = {
        r["id"]: r
        for r in (
            json.loads(x)
            for x in shared_file("provenance/provenance_articles.jsonl").read_text().splitlines()
        )
    }
    same_event = [rows["prov:helsinki:428"], rows["prov:helsinki:1069"]]  # calls to cancel the summit
    reuters = json.loads(shared_file("reuters21578/reuters21578.jsonl").read_text().splitlines()[0])
    articles = [Article(title=r["title"], body=r["text"], published_at=r["published_at"]) for r in same_event]
    articles.append(
        Article(title=reuters["title"], body=reuters["text"], published_at=same_event[0]["published_at"])
    )
    store = MemoryStoryStore()
    stories = [
        assign_story(story_features(item, item.article.published_at or T0), store, timedelta(hours=48))
        for item in enricher.enrich_many(articles)
    ]
    assert stories[1] == stories[0] == articles[0].id
    assert stories[2] == articles[2].id


def test_a_bounded_fingerprint_store_forgets_the_keys_of_what_it_evicted() -> None:
    from datetime import UTC, datetime

    from newsmon.dedup.fingerprint import BANDS, Fingerprint
    from newsmon.dedup.store import MemoryFingerprintStore, Remembered

    store = MemoryFingerprintStore(max_items=3)
    for n in range(50):
        signature = tuple(range(n * 1000, n * 1000 + 2 * BANDS))
        fp = Fingerprint(f"a{n}", datetime(2026, 1, 1, tzinfo=UTC), f"t{n}", signature, size=10)
        store.add(Remembered(fp, None))
    assert store.get("a0") is None and store.get("a49") is not None
    # The 3 kept, a text hash and BANDS band keys each: nothing left of the 47 evicted.
    assert len(store._by_key) == 3 * (1 + BANDS)


def test_a_bounded_fingerprint_store_still_finds_an_article_whose_key_an_evicted_one_shared() -> None:
    from datetime import UTC, datetime

    from newsmon.dedup.fingerprint import BANDS, Fingerprint
    from newsmon.dedup.store import MemoryFingerprintStore, Remembered

    when = datetime(2026, 1, 1, tzinfo=UTC)
    shared = tuple(range(2 * BANDS))  # every band key shared
    store = MemoryFingerprintStore(max_items=2)
    first = Fingerprint("first", when, "same-text", shared, size=10)
    second = Fingerprint("second", when, "same-text", shared, size=10)
    store.add(Remembered(first, None))
    store.add(Remembered(second, "first"))
    store.add(Remembered(second, "first"))  # a replay: still one entry
    probe = Fingerprint("probe", when, "same-text", shared, size=10)
    assert sorted(r.fingerprint.article_id for r in store.candidates(probe, when, when)) == [
        "first",
        "second",
    ]
    other = Fingerprint("other", when, "other-text", tuple(range(10_000, 10_000 + 2 * BANDS)), size=10)
    store.add(Remembered(other, None))  # evicts "first"
    assert [r.fingerprint.article_id for r in store.candidates(probe, when, when)] == ["second"]
    assert store.get("second") == Remembered(second, "first")
