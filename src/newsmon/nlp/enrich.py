"""The enricher: one spaCy pass over an article body feeds every NLP core.

:class:`Enricher` holds the heavy resources (spaCy pipeline, knowledge base, gazetteer,
taxonomy); build it once per process (a Beam worker's ``DoFn.setup``, or the batch
command) and call :meth:`Enricher.enrich` per article.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from newsmon.models.article import Article
from newsmon.models.enrichment import EnrichedArticle, Enrichment
from newsmon.nlp.components import load_pipeline
from newsmon.nlp.entities import extract_entities
from newsmon.nlp.gazetteer import Gazetteer, shared_gazetteer
from newsmon.nlp.headlines import headline
from newsmon.nlp.knowledge import KnowledgeBase
from newsmon.nlp.language import detect_language
from newsmon.nlp.multilingual import Multilingual
from newsmon.nlp.places import country_ranking, primary_countries, region_labels, resolve_places
from newsmon.nlp.quotes import extract_quotes
from newsmon.nlp.topics import Taxonomy, score_topics
from newsmon.settings import NlpSettings

ENGLISH = "en"


@dataclass
class Enricher:
    """Everything needed to enrich articles, loaded once."""

    nlp: Language
    kb: KnowledgeBase
    gazetteer: Gazetteer
    taxonomy: Taxonomy
    max_characters: int
    multilingual: Multilingual

    @classmethod
    def load(cls, settings: NlpSettings) -> Enricher:
        """Load the spaCy model named in the settings and the packaged (or given) configs."""
        kb = KnowledgeBase.shared(settings.entities_file)
        gazetteer = shared_gazetteer(settings.regions_file)
        return cls(
            nlp=load_pipeline(
                settings.model,
                entities_file=settings.entities_file,
                regions_file=settings.regions_file,
                ner_weights=settings.ner_weights,
            ),
            kb=kb,
            gazetteer=gazetteer,
            taxonomy=Taxonomy.load(settings.topics_file),
            max_characters=settings.max_characters,
            multilingual=Multilingual(
                kb,
                gazetteer,
                settings.languages_file,
                models=settings.language_models,
                given_names_path=settings.given_names_file,
            ),
        )

    def enrich(self, article: Article) -> EnrichedArticle:
        """Enrich one article."""
        return next(self.enrich_many([article]))

    def enrich_many(self, articles: Iterable[Article], batch_size: int = 16) -> Iterator[EnrichedArticle]:
        """Enrich articles, batching the English ones through ``nlp.pipe``."""
        pending: list[tuple[Article, str | None]] = []
        for article in articles:
            pending.append((article, detect_language(article.title, article.body, article.language)))
            if len(pending) >= batch_size:
                yield from self._enrich_batch(pending)
                pending = []
        if pending:
            yield from self._enrich_batch(pending)

    def _enrich_batch(self, batch: list[tuple[Article, str | None]]) -> Iterator[EnrichedArticle]:
        # The strings spaCy adds for a batch's new words are freed with the batch's Docs
        # (a long-running worker's vocabulary would otherwise grow with every article).
        with self.nlp.memory_zone():
            enriched = list(self._enrich_in_zone(batch))
        for item in enriched:
            yield with_headline(item)

    def _enrich_in_zone(self, batch: list[tuple[Article, str | None]]) -> Iterator[EnrichedArticle]:
        english = [(a, lang) for a, lang in batch if lang == ENGLISH and not _exact_copy(a)]
        docs = iter(self.nlp.pipe(a.body[: self.max_characters] for a, _ in english))
        for article, language in batch:
            if _exact_copy(article):
                assert article.duplicate is not None
                skipped = f"exact copy of {article.duplicate.of}: NLP skipped"
                yield EnrichedArticle(
                    article=article,
                    enrichment=Enrichment(language=language, nlp="exact_copy", skipped=skipped),
                )
                continue
            if language != ENGLISH and self.multilingual.covers(language):
                assert language is not None
                yield EnrichedArticle(article=article, enrichment=self.annotate_names(article, language))
                continue
            if language != ENGLISH:
                yield EnrichedArticle(
                    article=article,
                    enrichment=Enrichment(
                        language=language,
                        nlp="other_language",
                        skipped=f"language {language or 'unknown'}: not in languages.yaml, NLP skipped",
                    ),
                )
                continue
            yield EnrichedArticle(article=article, enrichment=self.annotate(article, next(docs), language))

    def annotate(self, article: Article, doc: Doc, language: str | None = ENGLISH) -> Enrichment:
        """The pure part: every core over one parsed body."""
        truncated = len(article.body) > self.max_characters
        entities = extract_entities(doc, self.kb, self.gazetteer, title=article.title)
        quotes = extract_quotes(doc, entities)
        places = resolve_places(entities, self.gazetteer)
        ranking = country_ranking(places, [e for e in entities if e.in_title])
        return Enrichment(
            language=language,
            entities=entities,
            quotes=quotes,
            topics=score_topics(article.title, article.body, self.taxonomy),
            places=places,
            countries=ranking,
            primary_countries=primary_countries(places, ranking),
            regions=region_labels(places),
            nlp="full" if not truncated else "truncated",
            skipped=f"body truncated to {self.max_characters} characters for NLP" if truncated else None,
        )

    def annotate_names(self, article: Article, language: str) -> Enrichment:
        """The stages of another language over one body (``nlp.multilingual``): with the
        language's spaCy model where it has one, else the language-independent ones."""
        annotator = self.multilingual.annotator(language)
        modelled = self.multilingual.has_model(language)
        body = article.body[: self.max_characters]
        with annotator.zone():
            entities = annotator.entities(body, article.title)
            quotes = annotator.quotes(body, entities)
        places = resolve_places(entities, self.gazetteer)
        ranking = country_ranking(places, [e for e in entities if e.in_title])
        taxonomy = self.taxonomy.for_language(language)
        return Enrichment(
            language=language,
            entities=entities,
            quotes=quotes,
            topics=score_topics(article.title, article.body, taxonomy) if taxonomy else [],
            places=places,
            countries=ranking,
            primary_countries=primary_countries(places, ranking),
            regions=region_labels(places),
            nlp="full" if modelled else "names",
            skipped=None
            if modelled
            else f"language {language}: the language-independent stages (names, places, quotes)",
        )


def with_headline(item: EnrichedArticle) -> EnrichedArticle:
    """The article with the headline a desk shows (its title, or one from its lead)."""
    article = item.article
    found = headline(article.title, article.body, article.source)
    update = {"headline": found.text, "headline_derived": found.derived, "title_problem": found.reason}
    return item.model_copy(update={"enrichment": item.enrichment.model_copy(update=update)})


def _exact_copy(article: Article) -> bool:
    """Same normalised text as an article already enriched: the NLP would repeat itself."""
    return article.duplicate is not None and article.duplicate.kind == "exact"
