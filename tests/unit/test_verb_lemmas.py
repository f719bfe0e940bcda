"""The parts-of-speech component gives verbs the lemmas, and every token the part of
speech, that the model's attribute ruler and lemmatizer would have, at a fraction of their
cost (they are switched off); what reads them (``noun_chunks``, the quote cues) works."""

from __future__ import annotations

import spacy

from newsmon.nlp.enrich import Enricher
from newsmon.nlp.verbs import VERB_LEMMAS, VERB_TAGS
from newsmon.settings import NlpSettings
from tests.helpers import shared_file


def test_verbs_get_the_lemmas_and_parts_of_speech_of_the_full_model(enricher: Enricher) -> None:
    assert VERB_LEMMAS in enricher.nlp.pipe_names
    assert {"attribute_ruler", "lemmatizer"} <= set(enricher.nlp.disabled)
    full = spacy.load(NlpSettings().model)
    text = shared_file("seed-article.txt").read_text(encoding="utf-8")
    ours, theirs = enricher.nlp(text), full(text)
    verbs = [(a, b) for a, b in zip(ours, theirs, strict=True) if b.tag_ in VERB_TAGS]
    assert len(verbs) > 50
    assert all(a.lemma_ == b.lemma_ for a, b in verbs), [
        (a.text, a.lemma_, b.lemma_) for a, b in verbs if a.lemma_ != b.lemma_
    ]
    assert all(a.pos_ in ("VERB", "AUX") and b.pos_ in ("VERB", "AUX") for a, b in verbs)
    said = [a for a in ours if a.lower_ == "said"]
    assert said and all(a.lemma_ == "say" for a in said)
    # Other tokens are left without: nothing downstream reads them.
    assert all(a.lemma_ == "" for a in ours if a.tag_ not in VERB_TAGS)


def test_every_token_gets_its_part_of_speech_so_noun_chunks_work(enricher: Enricher) -> None:
    meta = enricher.nlp.get_pipe_meta(VERB_LEMMAS)
    assert set(meta.assigns) == {"token.pos", "token.lemma"} and meta.requires == ["token.tag"]
    full = spacy.load(NlpSettings().model)
    text = shared_file("seed-article.txt").read_text(encoding="utf-8")
    ours, theirs = enricher.nlp(text), full(text)
    same_pos = sum(a.pos_ == b.pos_ for a, b in zip(ours, theirs, strict=True))
    assert same_pos >= 0.99 * len(ours)  # the ruler's rules on dependencies are not applied
    chunks = {(c.start, c.end) for c in ours.noun_chunks}
    full_chunks = {(c.start, c.end) for c in theirs.noun_chunks}
    assert len(chunks & full_chunks) >= 0.95 * len(full_chunks) > 100
    assert "British Prime Minister Boris Johnson" in {c.text for c in ours.noun_chunks}
