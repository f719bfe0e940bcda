"""Topics on the BBC News dataset: our taxonomy mapped onto its five classes."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from newsmon.evaluation.scores import Counts
from newsmon.nlp.topic_words import WordModel
from newsmon.nlp.topics import Taxonomy, score_topics

BBC_TO_OURS = {
    "business": "economy",
    "entertainment": "entertainment",
    "politics": "politics",
    "sport": "sport",
    "tech": "technology",
}


Result = tuple[float, float, dict[str, Counts], Counter[tuple[str, str]]]


def read_bbc(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate_topics(path: Path, taxonomy: Taxonomy) -> Result:
    """Accuracy, macro-F1, per-class counts and confusions (gold, predicted) of ``taxonomy``
    as it is (with its word model if it has one).

    The prediction is the best-scoring of the five mapped topics; the other topics of the
    taxonomy (diplomacy, crime, ...) do not compete, as BBC has no such classes.
    """
    items = read_bbc(path)
    return _score([(item, taxonomy) for item in items])


def cross_validated(path: Path, taxonomy: Taxonomy, folds: int = 5) -> Result:
    """The taxonomy with a word model fitted, fold by fold, on the other folds' articles
    (shuffled with a fixed seed): what the shipped model, fitted on all of them, should
    score on articles it has not seen."""
    items = read_bbc(path)
    random.Random(0).shuffle(items)
    terms = taxonomy.without_word_model()
    pairs = []
    for fold in range(folds):
        rest = [
            (i["title"], i["body"], BBC_TO_OURS[i["category"]])
            for n, i in enumerate(items)
            if n % folds != fold
        ]
        model = WordModel.fit(rest)
        fitted = Taxonomy(terms.topics, terms.threshold, terms.scale, word_model=model)
        pairs += [(item, fitted) for item in items[fold::folds]]
    return _score(pairs)


def _score(pairs: list[tuple[dict[str, str], Taxonomy]]) -> Result:
    ours_to_bbc = {v: k for k, v in BBC_TO_OURS.items()}
    per_class = {label: Counts() for label in BBC_TO_OURS}
    confusions: Counter[tuple[str, str]] = Counter()
    total = correct = 0
    for item, taxonomy in pairs:
        scores = {
            t.label: t.score for t in score_topics(item["title"], item["body"], taxonomy, keep_all=True)
        }
        predicted = ours_to_bbc[max(BBC_TO_OURS.values(), key=lambda label: scores.get(label, 0.0))]
        gold = item["category"]
        total += 1
        if predicted == gold:
            correct += 1
            per_class[gold].true_positives += 1
        else:
            confusions[(gold, predicted)] += 1
            per_class[gold].false_negatives += 1
            per_class[predicted].false_positives += 1
    macro_f1 = sum(c.f1 for c in per_class.values()) / len(per_class)
    return correct / max(1, total), macro_f1, per_class, confusions


ECONOMIC_LABELS = frozenset(
    {
        "earn",
        "acq",
        "money-fx",
        "interest",
        "trade",
        "grain",
        "crude",
        "ship",
        "cpi",
        "gnp",
        "bop",
        "money-supply",
        "reserves",
        "jobs",
    }
)


def economy_first(path: Path, taxonomy: Taxonomy, limit: int = 3000) -> tuple[int, int]:
    """On Reuters-21578 items of 80 words or more whose labels are all economic (earnings,
    takeovers, trade, commodities, money): how many of the first ``limit`` have economy as
    the leading one of BBC's five topics, of how many."""
    leading = total = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            labels = set(item.get("topics") or ())
            if not labels or not labels <= ECONOMIC_LABELS or len((item.get("text") or "").split()) < 80:
                continue
            scores = {
                t.label: t.score
                for t in score_topics(item.get("title") or "", item["text"], taxonomy, keep_all=True)
            }
            leading += max(BBC_TO_OURS.values(), key=lambda label: scores.get(label, 0.0)) == "economy"
            total += 1
            if total >= limit:
                break
    return leading, total
