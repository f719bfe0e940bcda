"""Entry points of ``newsmon eval``: each prints a table of figures."""

from __future__ import annotations

from pathlib import Path

from newsmon.evaluation import ner, quotes
from newsmon.evaluation.scores import table
from newsmon.evaluation.topics import evaluate_topics
from newsmon.nlp.components import load_pipeline
from newsmon.nlp.enrich import Enricher
from newsmon.nlp.topics import Taxonomy
from newsmon.settings import NlpSettings


def run_ner(settings: NlpSettings, data: Path) -> str:
    path = data / "conll2003" / "dev.txt"
    keep = ["tok2vec", "ner"]  # the parser is not needed to score entities
    systems = {
        "raw": load_pipeline(settings.model, with_fixes=False),
        "tuned": load_pipeline(settings.model, with_fixes=False, ner_weights=settings.ner_weights),
        "ours": load_pipeline(
            settings.model,
            entities_file=settings.entities_file,
            regions_file=settings.regions_file,
            ner_weights=settings.ner_weights,
        ),
    }
    for nlp in systems.values():
        for name in nlp.pipe_names:
            if name not in keep and not name.startswith("newsmon"):
                nlp.disable_pipe(name)
    return ner.report({name: ner.evaluate_ner(nlp, path) for name, nlp in systems.items()})


def run_quotes(settings: NlpSettings, data: Path, baseline: bool = True, split: str = "dev") -> str:
    if split not in ("dev", "train"):
        raise ValueError(f"unknown PolNeAR split {split!r}: dev or train")
    documents = list(quotes.read_polnear(data / "polnear" / split))
    enricher = Enricher.load(settings)

    def ours(document: quotes.Document) -> list[quotes.PredictedQuote]:
        from newsmon.models.article import Article

        article = Article(body=document.text, title="")
        enrichment = enricher.annotate(article, enricher.nlp(document.text))
        entities = {e.key: e for e in enrichment.entities}
        predicted = []
        for q in enrichment.quotes:
            spans = []
            if q.speaker_mention is not None:
                spans.append((q.speaker_mention.start, q.speaker_mention.end))
            if q.speaker_key in entities:
                spans += [(m.start, m.end) for m in entities[q.speaker_key].mentions]
            predicted.append(quotes.PredictedQuote(q.start, q.end, tuple(spans), q.speaker))
        return predicted

    results = {"newsmon": quotes.score(documents, ours)}
    if baseline:
        results["textacy"] = quotes.score(documents, _textacy_predictor(settings))
    gold = sum(len(d.gold) for d in documents)
    return f"{len(documents)} articles, {gold} gold direct quotes\n" + quotes.report(results, split)


def _textacy_predictor(settings: NlpSettings):  # type: ignore[no-untyped-def]
    try:
        from textacy.extract.triples import direct_quotations
    except ImportError as e:  # pragma: no cover - optional extra
        raise SystemExit("the textacy baseline needs: pip install 'newsmon[eval]'") from e
    nlp = load_pipeline(settings.model, with_fixes=False)

    def predict(document: quotes.Document) -> list[quotes.PredictedQuote]:
        doc = nlp(document.text)
        predicted: list[quotes.PredictedQuote] = []
        try:
            triples = list(direct_quotations(doc))
        except ValueError:
            # textacy gives up on a document with an unclosed quotation mark.
            return predicted
        for triple in triples:
            content = triple.content
            start, end = content.start_char, content.end_char
            text = document.text
            while start < end and text[start] in "“”\"' ":
                start += 1
            while end > start and text[end - 1] in "“”\"' ":
                end -= 1
            speakers = tuple((t.idx, t.idx + len(t.text)) for t in triple.speaker)
            predicted.append(quotes.PredictedQuote(start, end, speakers, None))
        return predicted

    return predict


def run_topics(settings: NlpSettings, data: Path) -> str:
    from newsmon.evaluation.topics import cross_validated, economy_first

    path = data / "bbc-news" / "bbc-news-dev.jsonl"
    taxonomy = Taxonomy.load(settings.topics_file)
    rows = [("terms alone (configs/topics.yaml)", evaluate_topics(path, taxonomy.without_word_model()))]
    if taxonomy.word_model is not None:
        rows.append(("terms + word model, 5-fold cross-validated", cross_validated(path, taxonomy)))
    lines = []
    for name, (accuracy, macro_f1, per_class, confusions) in rows:
        lines += [
            f"Topics on BBC News dev, {name}: accuracy {accuracy:.3f}, macro-F1 {macro_f1:.3f}",
            table("per class", list(per_class.items())),
            "most frequent confusions (gold -> predicted): "
            + ", ".join(f"{g}->{p} {n}" for (g, p), n in confusions.most_common(6)),
        ]
    reuters = data / "reuters21578" / "reuters21578.jsonl"
    for name, used in (("terms alone", taxonomy.without_word_model()), ("terms + word model", taxonomy)):
        leading, total = economy_first(reuters, used)
        lines.append(
            f"Reuters-21578 economic items, {name}: "
            f"economy first in {leading} of {total} ({leading / total:.3f})"
        )
    return "\n".join(lines)


def run_canonical(settings: NlpSettings, data: Path) -> str:
    from newsmon.evaluation.canonical import evaluate_canonical, report

    within, across, found = evaluate_canonical(
        Enricher.load(settings), data / "provenance" / "provenance_articles.jsonl"
    )
    return report(within, across, found)


def run_languages(settings: NlpSettings, data: Path) -> str:
    from newsmon.evaluation.languages import evaluate_languages, report

    return report(evaluate_languages(Enricher.load(settings), data))


def run_speakers(settings: NlpSettings, data: Path) -> str:
    from newsmon.evaluation.speakers import evaluate_speakers, report

    return report(*evaluate_speakers(Enricher.load(settings), data))


def run_detection(data: Path) -> str:
    from newsmon.evaluation.detection import report

    return report(data)


def run_duplicates(threshold: float, data: Path) -> str:
    """Near-duplicate detection on both halves of the provenance corpus (tuned on dev)."""
    from newsmon.evaluation.duplicates import report

    path = data / "provenance" / "provenance_articles.jsonl"
    return "\n\n".join(report(path, split, [threshold]) for split in ("dev", "test"))


def run_breaking(settings: NlpSettings, data: Path, story_window_hours: float) -> str:
    from datetime import timedelta

    from newsmon.evaluation.breaking import evaluate_breaking

    return evaluate_breaking(Enricher.load(settings), data, timedelta(hours=story_window_hours))


def run_headlines(data: Path) -> str:
    from newsmon.evaluation.headlines import evaluate_headlines

    return evaluate_headlines(data)
