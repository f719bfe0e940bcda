from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import apache_beam as beam
from apache_beam.pipeline import Pipeline
from apache_beam.pvalue import TaggedOutput
from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from newsmon.models.article import Article
from newsmon.nlp.enrich import Enricher
from newsmon.pipelines.stages.enrich import DEAD_LETTERS, STAGE, EnrichArticles, _EnrichBatchFn
from newsmon.settings import NlpSettings

BODY = "Vladimir Putin spoke to Boris Johnson about Ukraine on Wednesday, the Kremlin said."


def test_stage_enriches_in_beam() -> None:
    articles = [Article(title=f"Call {i}", body=BODY, source="t", source_id=str(i)) for i in range(3)]
    with Pipeline(runner=FnApiRunner()) as pipeline:
        result = pipeline | beam.Create(articles) | EnrichArticles(NlpSettings(batch_size=2))
        names = result.enriched | beam.Map(lambda e: sorted({x.canonical for x in e.enrichment.entities}))
        assert_that(
            names,
            equal_to([["Boris Johnson", "Kremlin", "Ukraine", "Vladimir Putin"]] * 3),
        )


def _bundle(enricher: Enricher, batches: list[list[Article]]) -> list[WindowedValue | TaggedOutput]:
    """One bundle of ``batches`` through the stage's DoFn, as the runner calls it."""
    fn = _EnrichBatchFn(NlpSettings())
    fn._enricher = enricher
    fn._thread = ThreadPoolExecutor(max_workers=1)
    fn.start_bundle()
    window = GlobalWindow()
    try:
        outputs = [o for batch in batches for o in fn.process(batch, MIN_TIMESTAMP, window)]
        return outputs + list(fn.finish_bundle())
    finally:
        fn.teardown()


def test_every_batch_of_a_bundle_is_passed_on_in_order_by_its_end(enricher: Enricher) -> None:
    """The batches are enriched on a thread, ahead of the stages after it: by the end of
    the bundle (when its offsets are committed) every article has come out, in order."""
    articles = [Article(title=f"Call {i}", body=BODY, source="t", source_id=str(i)) for i in range(7)]
    batches = [articles[i : i + 2] for i in range(0, len(articles), 2)]
    outputs = _bundle(enricher, batches)
    assert all(isinstance(o, WindowedValue) and o.windows == (GlobalWindow(),) for o in outputs)
    assert [o.value.id for o in outputs if isinstance(o, WindowedValue)] == [a.id for a in articles]


class _FailsOn(Enricher):
    """A real enricher that raises on one article, standing in for a pathological text."""

    poison_id = ""

    def enrich_many(self, articles, batch_size=16):  # type: ignore[no-untyped-def]
        for article in articles:
            if article.id == self.poison_id:
                raise RecursionError("pathological text")
        return super().enrich_many(articles, batch_size)


def test_an_article_that_breaks_a_core_is_dead_lettered_and_the_rest_go_on(
    enricher: Enricher,
) -> None:
    good = Article(title="ok", body=BODY, source="t", source_id="good")
    bad = Article(title="bad", body=BODY, source="t", source_id="bad")
    failing = _FailsOn(
        enricher.nlp, enricher.kb, enricher.gazetteer, enricher.taxonomy, 100_000, enricher.multilingual
    )
    failing.poison_id = bad.id
    outputs = _bundle(failing, [[good, bad]])
    enriched = [o.value for o in outputs if isinstance(o, WindowedValue)]
    letters = [o.value.value for o in outputs if isinstance(o, TaggedOutput) and o.tag == DEAD_LETTERS]
    assert [e.id for e in enriched] == [good.id]
    assert len(letters) == 1 and letters[0].stage == STAGE
    assert "RecursionError: pathological text" in letters[0].reason
    assert Article.model_validate_json(letters[0].payload).id == bad.id
