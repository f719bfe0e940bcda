"""spaCy pipeline parts of newsmon, registered the spaCy way (``@Language.factory``).

``newsmon_entity_fixes_v1`` runs after the statistical NER and corrects what the small
English model gets wrong on news, from the knowledge base and the gazetteer: places it
calls people or organisations ("Kyiv" PERSON, "Minsk" ORG), known names it misses,
places written in capitals (datelines, headlines), social-media handles and links it calls
numbers ("@PippaCrerar" CARDINAL), and name boundaries ("the White House 's" -> "White
House"). ``newsmon_sports_results_v1`` (``sports.py``) follows it.

``newsmon_paragraph_breaks_v1`` runs before the parser: a line break always ends a
sentence, so a quote's sentence never runs on into the next paragraph's subject.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

import numpy
from spacy.attrs import IS_SPACE, SENT_START
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from newsmon.exceptions import ConfigurationError
from newsmon.nlp.gazetteer import Gazetteer, shared_gazetteer
from newsmon.nlp.knowledge import KnowledgeBase
from newsmon.nlp.names import PARTICLES

ENTITY_FIXES = "newsmon_entity_fixes_v1"
PARAGRAPH_BREAKS = "newsmon_paragraph_breaks_v1"
_NOT_ENTITIES = re.compile(r"^(@\w+|#\w+|https?://\S+|pic\.twitter\.com/\S+|\S+@\S+\.\w+)$")
# Labels the small model gives to places by mistake, which the gazetteer may correct.
_RELABEL_AS_PLACE = frozenset({"PERSON", "ORG", "FAC", "PRODUCT", "WORK_OF_ART", "NORP"})
_MAY_BE_PLACES = _RELABEL_AS_PLACE | {"GPE", "LOC"}
_MAX_PLACE_TOKENS = 4
# Names, as opposed to dates, amounts and titles of works ("The Godfather").
_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "PRODUCT"})
_TRAILING_NON_NAME = frozenset({"'s", "'", "’s", "’", "-", "--", ",", ":"})
_QUOTE_MARKS = frozenset({'"', "“", "”", "„", "«", "»", "``", "''"})


class EntityFixes:
    """Corrects and completes ``doc.ents`` from the knowledge base and the gazetteer."""

    def __init__(self, nlp: Language, kb: KnowledgeBase, gazetteer: Gazetteer) -> None:
        self.kb = kb
        self.gazetteer = gazetteer
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._labels: dict[str, str] = {}
        for name, entity in kb.names():
            self._add_pattern(nlp, name, entity.type)
        for name in gazetteer.matcher_names():
            self._add_pattern(nlp, name, "GPE")

    def _add_pattern(self, nlp: Language, name: str, label: str) -> None:
        key = f"{label}"
        self.matcher.add(key, [nlp.make_doc(name)])
        self._labels[key] = label

    def __call__(self, doc: Doc) -> Doc:
        kept: list[Span] = []
        for ent in doc.ents:
            if _NOT_ENTITIES.match(ent.text):
                continue
            trimmed = _trimmed(ent)
            if trimmed is not None:
                kept.append(self._corrected(doc, trimmed))
        matched = (
            _trimmed(Span(doc, start, end, label=self.nlp_label(match_id, doc)))
            for match_id, start, end in self.matcher(doc)
        )
        found = [span for span in matched if span is not None]
        doc.ents = _surnames_as_people(_with_places(_merge(kept, found), self._upper_case_places(doc)))
        return doc

    def _upper_case_places(self, doc: Doc) -> list[Span]:
        """Places written in capitals, as in datelines and headlines ("KYIV 2022-02-01").

        The model, trained on mixed case, misses most of them, and the phrase matcher
        compares exact spelling; the gazetteer folds case, so each run of capitalised
        words is looked up, longest sub-run first.
        """
        places: list[Span] = []
        for start, end in upper_case_runs(doc):
            i = start
            while i < end:
                for j in range(min(end, i + _MAX_PLACE_TOKENS), i, -1):
                    span = doc[i:j]
                    if len(span.text) >= 4 and self.gazetteer.is_place(span.text):
                        places.append(Span(doc, i, j, label="GPE"))
                        i = j
                        break
                else:
                    i += 1
        return places

    def nlp_label(self, match_id: int, doc: Doc) -> str:
        return self._labels[doc.vocab.strings[match_id]]

    def _corrected(self, doc: Doc, ent: Span) -> Span:
        known = self.kb.lookup(ent.text)
        if ent.label_ == "GPE" and self.gazetteer.demonym_country(ent.text) is not None:
            return Span(doc, ent.start, ent.end, label="NORP")
        if known is not None and known.type != ent.label_:
            return Span(doc, ent.start, ent.end, label=known.type)
        if ent.label_ in _RELABEL_AS_PLACE and ent.label_ != "NORP" and known is None:
            kinds = {record.kind for record in self.gazetteer.candidates(ent.text)}
            # A city tagged ORG is often a sports club ("Leeds beat Chelsea"): only
            # countries and regions are relabelled from ORG; people never are places' names.
            if kinds and (ent.label_ != "ORG" or kinds & {"country", "region", "subregion"}):
                return Span(doc, ent.start, ent.end, label="GPE")
        return ent


def _trimmed(ent: Span) -> Span | None:
    """``ent`` without a leading "the" or a trailing possessive, number, dash or quotation
    mark, and with a hyphenated last word whole.

    The model often takes them in ("the White House", "Suu Kyi 's", "Leicestershire 296",
    "Fox News’s “") or cuts a name at its hyphen ("Park Geun" of "Park Geun-hye"); a
    mention's text and offsets should hold the name alone. A nickname in quotation marks
    leaves the name after it ("Scott" of 'Robert C. "Bobby" Scott'). None when nothing is
    left, when the entity runs over a line break (results tables: "Torquay 2 Exeter 0\nNorwich"),
    or for a "person" of three words or more with a small word other than a name's particle
    (``names.PARTICLES``: "von der Leyen") in it, a headline in title case ("Sanders Vows To
    Eliminate Tax Breaks").
    """
    if ent.label_ not in _NAME_LABELS:
        return ent
    if any("\n" in token.text for token in ent):
        return None
    start, end = ent.start, ent.end
    doc = ent.doc
    while start < end and (doc[start].lower_ == "the" or doc[start].text in _QUOTE_MARKS):
        start += 1
    while end > start and (
        doc[end - 1].lower_ in _TRAILING_NON_NAME
        or doc[end - 1].like_num
        or doc[end - 1].text in _QUOTE_MARKS
    ):
        end -= 1
    inner_quotes = [i for i in range(start, end) if doc[i].text in _QUOTE_MARKS]
    if inner_quotes and ent.label_ == "PERSON":
        start = inner_quotes[-1] + 1
    while (
        end + 1 < len(doc)
        and doc[end].text == "-"
        and not doc[end - 1].whitespace_
        and not doc[end].whitespace_
        and doc[end + 1].is_alpha
    ):
        end += 2
    if start >= end:
        return None
    if (
        ent.label_ == "PERSON"
        and end - start >= 3
        and any(t.is_stop and t.lower_ not in PARTICLES for t in doc[start:end])
    ):
        return None
    if (start, end) == (ent.start, ent.end):
        return ent
    return Span(doc, start, end, label=ent.label_, kb_id=ent.kb_id_)


def _surnames_as_people(ents: list[Span]) -> list[Span]:
    """A one-word name typed other than PERSON that is the surname of a person the article
    names in full is that person ("MSNBC host Chris Matthews" ... "Matthews" as NORP)."""
    surnames = {e[-1].text for e in ents if e.label_ == "PERSON" and len(e) >= 2 and e[-1].is_title}
    return [
        Span(e.doc, e.start, e.end, label="PERSON")
        if len(e) == 1 and e.label_ in _MAY_BE_PLACES and e.text in surnames
        else e
        for e in ents
    ]


def token_runs(
    doc: Doc, starts: Callable[[Token], bool], continues: Callable[[Token], bool]
) -> list[tuple[int, int]]:
    """Token ranges of the maximal runs that open on a token ``starts`` accepts and go on
    over the tokens ``continues`` accepts."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(doc):
        if starts(doc[i]):
            end = i + 1
            while end < len(doc) and continues(doc[end]):
                end += 1
            runs.append((i, end))
            i = end
        else:
            i += 1
    return runs


def _in_capitals(token: Token) -> bool:
    return token.is_upper and token.is_alpha


def upper_case_runs(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges of the maximal runs of words written in capitals."""
    return token_runs(doc, _in_capitals, _in_capitals)


def _with_places(ents: list[Span], places: list[Span]) -> list[Span]:
    """``ents`` with ``places`` added, replacing the entities within them that may be places."""
    result = list(ents)
    for place in places:
        overlapping = [e for e in result if e.start < place.end and place.start < e.end]
        if all(
            place.start <= e.start and e.end <= place.end and e.label_ in _MAY_BE_PLACES for e in overlapping
        ):
            result = [e for e in result if e not in overlapping] + [place]
    return sorted(result, key=lambda s: s.start)


def _merge(model_ents: Iterable[Span], matched: Iterable[Span]) -> list[Span]:
    """Model entities, completed by matched names; a match replaces entities it contains."""
    model = list(model_ents)
    result = list(model)
    for span in matched:
        overlapping = [e for e in result if e.start < span.end and span.start < e.end]
        if not overlapping:
            result.append(span)
        elif all(span.start <= e.start and e.end <= span.end for e in overlapping) and (
            len(span) > max(len(e) for e in overlapping)
        ):
            result = [e for e in result if e not in overlapping] + [span]
    return sorted(filter_spans(result), key=lambda s: s.start)


@Language.factory(
    ENTITY_FIXES,
    default_config={"entities_path": None, "regions_path": None},
)
def make_entity_fixes(
    nlp: Language, name: str, entities_path: str | None, regions_path: str | None
) -> EntityFixes:
    """Factory of the entity-fixing component (config: paths of entities.yaml and regions.yaml)."""
    kb = KnowledgeBase.shared(Path(entities_path) if entities_path else None)
    gazetteer = shared_gazetteer(Path(regions_path) if regions_path else None)
    return EntityFixes(nlp, kb, gazetteer)


PACKAGED_NER = Path(__file__).parent / "ner_model"


@Language.component(PARAGRAPH_BREAKS, assigns=["token.is_sent_start"])
def paragraph_breaks(doc: Doc) -> Doc:
    """Starts a sentence at the first word after a line break (the parser keeps what is set)."""
    spaces = doc.to_array(IS_SPACE)
    breaks = [
        int(i) + 1 for i in numpy.flatnonzero(spaces[:-1]) if not spaces[i + 1] and "\n" in doc[int(i)].text
    ]
    if breaks:
        starts = doc.to_array(SENT_START)  # 1 where a sentence starts, else 0 (nothing parsed yet)
        starts[breaks] = 1
        # One column per attribute; spaCy's stubs type to_array as floats.
        doc.from_array([SENT_START], cast(Any, starts.reshape(-1, 1)))
    return doc


def split_at_curly_quotes(nlp: Language) -> None:
    """Curly double quotes end a word wherever they stand: scraped copy drops the space
    after a closing mark (“... in Russia’s court,”the top US official wrote), which left
    "court,”the" one token and the parse and the names around it wrong."""
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex

    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, Tokenizer):
        return
    infixes = [*(nlp.Defaults.infixes or ()), r"(?:(?<=[a-z0-9])\.|(?<=\w)[,!?;:])(?=[“”])", r"[“”]"]
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def ner_weights_path(choice: str) -> Path | None:
    """Where the entity recogniser's weights come from: ``"newsmon"`` the packaged ones,
    ``"model"`` none (the model's own), otherwise a directory."""
    if choice == "model":
        return None
    path = PACKAGED_NER if choice == "newsmon" else Path(choice)
    if not (path / "model").is_file():
        raise ConfigurationError(f"no entity recogniser weights in {path} (nlp.ner_weights)")
    return path


def load_pipeline(
    model: str,
    *,
    entities_file: Path | None = None,
    regions_file: Path | None = None,
    with_fixes: bool = True,
    ner_weights: str = "model",
) -> Language:
    """The spaCy model named in the settings, its entity recogniser's weights replaced by
    those ``ner_weights`` names (:func:`ner_weights_path`), with newsmon's components added
    and configured with the knowledge base and regions files (default: the packaged ones)."""
    import spacy

    from newsmon.nlp.sports import SPORTS_RESULTS
    from newsmon.nlp.verbs import lemmatize_verbs_only

    nlp = spacy.load(model)
    split_at_curly_quotes(nlp)
    weights = ner_weights_path(ner_weights)
    if weights is not None:
        recogniser: Any = nlp.get_pipe("ner")
        recogniser.from_disk(weights, exclude=["vocab"])
    if "parser" in nlp.pipe_names and PARAGRAPH_BREAKS not in nlp.pipe_names:
        nlp.add_pipe(PARAGRAPH_BREAKS, before="parser")
    if with_fixes and ENTITY_FIXES not in nlp.pipe_names:
        regions = str(regions_file) if regions_file else None
        entities = str(entities_file) if entities_file else None
        nlp.add_pipe(ENTITY_FIXES, after="ner", config={"entities_path": entities, "regions_path": regions})
        nlp.add_pipe(SPORTS_RESULTS, after=ENTITY_FIXES, config={"regions_path": regions})
        lemmatize_verbs_only(nlp)
    return nlp
