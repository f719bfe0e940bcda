"""Parts of speech for every token and lemmas for verbs, cheaper than the model's own.

The English models run two components after the tagger, ``attribute_ruler`` (part of
speech and morphology from the tag) and ``lemmatizer``, over every token: together
about a fifth of the parse of a news article. newsmon reads lemmas only on verbs (the cue
verbs of quotes: "said", "told", "insisted") and parts of speech through spaCy's
``noun_chunks`` (nouns, proper nouns, pronouns) and on verbs. ``newsmon_pos_v1`` takes
their place:

- every token gets the part of speech its tag maps to, from a table of the model's own
  attribute ruler asked once per tag, set for the whole doc in one array (the ruler's few
  word-specific exceptions are not applied, except on verbs);
- each verb gets the part of speech and lemma that the two components would have given
  it, asked once per form and tag (cached).

Other tokens have no lemma. :func:`lemmatize_verbs_only` swaps it in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy
from spacy.attrs import LOWER, POS, TAG
from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.vocab import Vocab

VERB_LEMMAS = "newsmon_pos_v1"
# Penn Treebank tags of verbs and modals: the ones the attribute ruler makes VERB or AUX.
VERB_TAGS = frozenset({"MD", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})
REPLACED_COMPONENTS = ("attribute_ruler", "lemmatizer")
_CACHE_LIMIT = 200_000


class VerbLemmas:
    """Sets ``pos_`` of every token from its tag, and ``pos_`` and ``lemma_`` of verb tokens
    with the model's own attribute ruler and lemmatizer, run on the form and tag alone
    (their rules for verbs look at nothing else)."""

    def __init__(self, nlp: Language, annotate: list[Callable[[Doc], Doc]], tags: Iterable[str]) -> None:
        self._vocab = nlp.vocab
        self._annotate = annotate
        self._verb_tags = numpy.array([nlp.vocab.strings.add(tag) for tag in VERB_TAGS], dtype="uint64")
        self._known: dict[tuple[int, int], tuple[str, str]] = {}
        tags = sorted(tags)
        # A word of each tag (the ruler tells spaces by their text).
        alone = Doc(self._vocab, words=["\n" if t == "_SP" else "x" for t in tags], tags=tags)
        for component in annotate[:1]:  # the attribute ruler: tag -> part of speech
            alone = component(alone)
        self._tag_ids = numpy.array([self._vocab.strings[t] for t in tags], dtype="uint64")
        self._tag_pos = numpy.array([t.pos for t in alone], dtype="uint64")
        order = numpy.argsort(self._tag_ids)
        self._tag_ids, self._tag_pos = self._tag_ids[order], self._tag_pos[order]
        self._word_pos = _word_exceptions(nlp, self._vocab)
        self._exception_words = numpy.array(sorted({lower for lower, _ in self._word_pos}), dtype="uint64")

    def __call__(self, doc: Doc) -> Doc:
        # The tags as one array: a Python loop over every token would cost more than the rest.
        tag_array = doc.to_array(TAG)
        if len(doc):
            found = numpy.clip(numpy.searchsorted(self._tag_ids, tag_array), 0, len(self._tag_ids) - 1)
            known = self._tag_ids[found] == tag_array
            pos = numpy.where(known, self._tag_pos[found], 0).astype("uint64")
            # The ruler's word-specific rules ("that" as WDT is a pronoun, as IN a conjunction).
            for i in numpy.flatnonzero(numpy.isin(doc.to_array(LOWER), self._exception_words)):
                word_pos = self._word_pos.get((doc[int(i)].lower, int(tag_array[i])))
                if word_pos is not None:
                    pos[i] = word_pos
            doc.from_array([POS], pos.reshape(-1, 1))  # type: ignore[arg-type]  # thinc's Ints2d is an ndarray
        verbs = [doc[int(i)] for i in numpy.flatnonzero(numpy.isin(tag_array, self._verb_tags))]
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


def _word_exceptions(nlp: Language, vocab: Vocab) -> dict[tuple[int, int], int]:
    """(lower-case form, tag) -> part of speech, from the attribute ruler's one-token rules
    on a word and a tag (its rules on dependencies or several tokens are not applied)."""
    if "attribute_ruler" not in nlp.pipe_names and "attribute_ruler" not in nlp.disabled:
        return {}
    found: dict[tuple[int, int], int] = {}
    for rule in nlp.get_pipe("attribute_ruler").patterns:  # type: ignore[attr-defined]
        pos = rule["attrs"].get("POS")
        for pattern in rule["patterns"] if pos else ():
            if len(pattern) != 1 or set(pattern[0]) != {"TAG", "LOWER"}:
                continue
            words = pattern[0]["LOWER"]
            for word in words["IN"] if isinstance(words, dict) else [words]:
                found[vocab.strings.add(word), vocab.strings.add(pattern[0]["TAG"])] = vocab.strings.add(pos)
    return found


@Language.factory(VERB_LEMMAS, assigns=["token.pos", "token.lemma"], requires=["token.tag"])
def make_verb_lemmas(nlp: Language, name: str) -> VerbLemmas:
    """Factory of the parts-of-speech and verb-lemmas component (needs the model's tagger,
    attribute ruler and lemmatizer)."""
    tagger = nlp.get_pipe("tagger")
    return VerbLemmas(
        nlp,
        [nlp.get_pipe(component) for component in REPLACED_COMPONENTS],
        tagger.labels,  # type: ignore[attr-defined]
    )


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
