"""Topics on the BBC News dataset: our taxonomy mapped onto its five classes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from newsmon.evaluation.scores import Counts
from newsmon.nlp.topics import Taxonomy, score_topics

BBC_TO_OURS = {
    "business": "economy",
    "entertainment": "entertainment",
    "politics": "politics",
    "sport": "sport",
    "tech": "technology",
}


def evaluate_topics(
    path: Path, taxonomy: Taxonomy
) -> tuple[float, float, dict[str, Counts], Counter[tuple[str, str]]]:
    """Accuracy, macro-F1, per-class counts and confusions (gold, predicted).

    The prediction is the best-scoring of the five mapped topics; the other topics of the
    taxonomy (diplomacy, crime, ...) do not compete, as BBC has no such classes.
    """
    ours_to_bbc = {v: k for k, v in BBC_TO_OURS.items()}
    per_class = {label: Counts() for label in BBC_TO_OURS}
    confusions: Counter[tuple[str, str]] = Counter()
    total = correct = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
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
