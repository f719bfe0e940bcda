"""spaCy pipeline parts of newsmon, registered the spaCy way (``@Language.factory``).

``newsmon_entity_fixes_v1`` runs after the statistical NER and corrects what the small
English model gets wrong on news, from the knowledge base and the gazetteer: places it
calls people or organisations ("Kyiv" PERSON, "Minsk" ORG), known names it misses, and
social-media handles and links it calls numbers ("@PippaCrerar" CARDINAL).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from newsmon.nlp.gazetteer import Gazetteer, default_gazetteer
from newsmon.nlp.knowledge import KnowledgeBase

ENTITY_FIXES = "newsmon_entity_fixes_v1"
_NOT_ENTITIES = re.compile(r"^(@\w+|#\w+|https?://\S+|pic\.twitter\.com/\S+|\S+@\S+\.\w+)$")
# Labels the small model gives to places by mistake, which the gazetteer may correct.
_RELABEL_AS_PLACE = frozenset({"PERSON", "ORG", "FAC", "PRODUCT", "WORK_OF_ART", "NORP"})


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
            kept.append(self._corrected(doc, ent))
        found = [
            Span(doc, start, end, label=self.nlp_label(match_id, doc))
            for match_id, start, end in self.matcher(doc)
        ]
        doc.ents = _merge(kept, found)
        return doc

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
    kb = KnowledgeBase.load(Path(entities_path) if entities_path else None)
    gazetteer = Gazetteer(Path(regions_path)) if regions_path else default_gazetteer()
    return EntityFixes(nlp, kb, gazetteer)


def load_pipeline(model: str, *, with_fixes: bool = True) -> Language:
    """The spaCy model named in the settings, with newsmon's components added."""
    import spacy

    nlp = spacy.load(model)
    if with_fixes and ENTITY_FIXES not in nlp.pipe_names:
        nlp.add_pipe(ENTITY_FIXES, after="ner")
    return nlp
