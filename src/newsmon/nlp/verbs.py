"""Lemmas and parts of speech for verbs only, instead of for every token.

The English models run two components after the tagger, ``attribute_ruler`` (part of
speech and morphology from the tag) and ``lemmatizer``, over every token: together
about a sixth of the parse of a news article. newsmon reads their output only on verbs
(the cue verbs of quotes: "said", "told", "insisted"). ``newsmon_verb_lemmas_v1``
takes their place: for each token tagged as a verb it asks those same two components,
once per form and tag (cached), what they would have given, and sets ``pos_`` and
``lemma_``; other tokens are left without. :func:`lemmatize_verbs_only` swaps it in.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.language import Language
from spacy.tokens import Doc

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
        self._known: dict[tuple[int, int], tuple[str, str]] = {}

    def __call__(self, doc: Doc) -> Doc:
        known = self._known
        for token in doc:
            if token.tag_ not in VERB_TAGS:
                continue
            key = (token.orth, token.tag)
            found = known.get(key)
            if found is None:
                found = known[key] = self._ask(token.text, token.tag_)
            token.pos_, token.lemma_ = found
        if len(known) > _CACHE_LIMIT:
            known.clear()
        return doc

    def _ask(self, text: str, tag: str) -> tuple[str, str]:
        alone = Doc(self._vocab, words=[text], spaces=[False], tags=[tag])
        for component in self._annotate:
            alone = component(alone)
        return alone[0].pos_, alone[0].lemma_


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
