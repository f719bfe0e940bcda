"""Lemmas and parts of speech for verbs only, instead of for every token.

The English models run two components after the tagger, ``attribute_ruler`` (part of
speech and morphology from the tag) and ``lemmatizer``, over every token: together
about a fifth of the parse of a news article. newsmon reads their output only on verbs
(the cue verbs of quotes: "said", "told", "insisted"). ``newsmon_verb_lemmas_v1``
takes their place: for each token tagged as a verb it asks those same two components,
once per form and tag (cached), what they would have given, and sets ``pos_`` and
``lemma_``; other tokens are left without. :func:`lemmatize_verbs_only` swaps it in.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy
from spacy.attrs import TAG
from spacy.language import Language
from spacy.tokens import Doc, Token

VERB_LEMMAS = "newsmon_verb_lemmas_v1"
# Penn Treebank tags of verbs and modals: the ones the attribute ruler makes VERB or AUX.
VERB_TAGS = frozenset({"MD", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})
REPLACED_COMPONENTS = ("attribute_ruler", "lemmatizer")
_CACHE_LIMIT = 200_000


class VerbLemmas:
    """Sets ``pos_`` and ``lemma_`` of verb tokens with the model's own attribute ruler and
    lemmatizer, run on the form and tag alone (their rules for verbs look at nothing else)."""

    def __init__(self, nlp: Language, annotate: list[Callable[[Doc], Doc]]) -> None:
        self._vocab = nlp.vocab
        self._annotate = annotate
        self._verb_tags = numpy.array([nlp.vocab.strings.add(tag) for tag in VERB_TAGS], dtype="uint64")
        self._known: dict[tuple[int, int], tuple[str, str]] = {}

    def __call__(self, doc: Doc) -> Doc:
        # The tags as one array: a Python loop over every token would cost more than the rest.
        verbs = [doc[int(i)] for i in numpy.flatnonzero(numpy.isin(doc.to_array(TAG), self._verb_tags))]
        if len(self._known) > _CACHE_LIMIT:
            self._known.clear()
        self._learn([t for t in verbs if (t.orth, t.tag) not in self._known])
        for token in verbs:
            token.pos_, token.lemma_ = self._known[token.orth, token.tag]
        return doc

    def _learn(self, unknown: list[Token]) -> None:
        """Ask the two components about new (form, tag) pairs, all of a doc in one go."""
        if not unknown:
            return
        alone = Doc(self._vocab, words=[t.text for t in unknown], tags=[t.tag_ for t in unknown])
        for component in self._annotate:
            alone = component(alone)
        for token, answer in zip(unknown, alone, strict=True):
            self._known[token.orth, token.tag] = (answer.pos_, answer.lemma_)


@Language.factory(VERB_LEMMAS)
def make_verb_lemmas(nlp: Language, name: str) -> VerbLemmas:
    """Factory of the verbs-only lemmas component (needs the model's attribute ruler and lemmatizer)."""
    return VerbLemmas(nlp, [nlp.get_pipe(component) for component in REPLACED_COMPONENTS])


def lemmatize_verbs_only(nlp: Language) -> Language:
    """Run :class:`VerbLemmas` in place of the model's attribute ruler and lemmatizer, when
    it has both (the components stay loaded, disabled: ``nlp.enable_pipe`` brings them back)."""
    if (
        not all(component in nlp.pipe_names for component in REPLACED_COMPONENTS)
        or VERB_LEMMAS in nlp.pipe_names
    ):
        return nlp
    nlp.add_pipe(VERB_LEMMAS, after=REPLACED_COMPONENTS[-1])
    for component in REPLACED_COMPONENTS:
        nlp.disable_pipe(component)
    return nlp
