"""The verbs-only lemmas component gives verbs what the model's attribute ruler and
lemmatizer would have, at a fraction of their cost (they are switched off)."""

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
