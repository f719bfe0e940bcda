"""A word model that re-weighs the taxonomy's broad topics from labelled articles.

The taxonomy (``configs/topics.yaml``) decides which topics an article has and why; for
the topics a labelled corpus covers (BBC News: economy, entertainment, politics, sport,
technology) a multinomial naive Bayes over the article's words says how likely each of
them is, and the taxonomy's score is multiplied by ``0.5 + p`` (0.5 to 1.5): a topic no
term triggered stays out, and where the terms of two topics both fire (a budget: economy
and politics) the words decide which leads. Words count once plus the log of their
repeats, title words twice.

The model is fitted by ``scripts/train_topics.py`` and ships as ``configs/topic_words.json``.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_WORD = re.compile(r"[a-z][a-z'-]+")


def article_words(title: str, body: str) -> list[str]:
    """Case-folded words of an article, the title's twice."""
    return _WORD.findall(title.casefold()) * 2 + _WORD.findall(body.casefold())


def _weights(words: Iterable[str], vocabulary: dict[str, list[float]] | set[str]) -> dict[str, float]:
    counts = Counter(w for w in words if w in vocabulary)
    return {w: 1.0 + math.log(n) for w, n in counts.items()}


@dataclass(frozen=True)
class WordModel:
    """Per topic, a prior and the log-probability of each word of the vocabulary."""

    topics: tuple[str, ...]
    priors: tuple[float, ...]
    words: dict[str, list[float]]

    def probabilities(self, title: str, body: str) -> dict[str, float]:
        """P(topic | words) over the model's topics (sums to 1)."""
        scores = list(self.priors)
        for word, weight in _weights(article_words(title, body), self.words).items():
            for i, logp in enumerate(self.words[word]):
                scores[i] += weight * logp
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {topic: e / total for topic, e in zip(self.topics, exps, strict=True)}

    @classmethod
    def fit(
        cls, articles: Sequence[tuple[str, str, str]], *, alpha: float = 0.5, min_articles: int = 2
    ) -> WordModel:
        """Fit on ``(title, body, topic)`` triples; words in fewer than ``min_articles`` are left out."""
        texts = [(article_words(title, body), topic) for title, body, topic in articles]
        frequency: Counter[str] = Counter()
        for words, _ in texts:
            frequency.update(set(words))
        vocabulary = {w for w, n in frequency.items() if n >= min_articles}
        topics = tuple(sorted({topic for _, topic in texts}))
        counts: dict[str, dict[str, float]] = {t: {} for t in topics}
        per_topic = Counter(topic for _, topic in texts)
        for words, topic in texts:
            for word, weight in _weights(words, vocabulary).items():
                counts[topic][word] = counts[topic].get(word, 0.0) + weight
        totals = {t: sum(counts[t].values()) + alpha * len(vocabulary) for t in topics}
        table = {
            w: [round(math.log((counts[t].get(w, 0.0) + alpha) / totals[t]), 3) for t in topics]
            for w in sorted(vocabulary)
        }
        priors = tuple(math.log(per_topic[t] / len(texts)) for t in topics)
        return cls(topics, priors, table)

    def to_json(self) -> str:
        return json.dumps(
            {"topics": list(self.topics), "priors": list(self.priors), "words": self.words},
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, path: Path) -> WordModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(tuple(data["topics"]), tuple(data["priors"]), data["words"])


def reweigh(scores: dict[str, float], probabilities: dict[str, float]) -> dict[str, float]:
    """The taxonomy's scores times ``0.5 + p`` for the model's topics (capped at 1)."""
    return {
        label: round(min(1.0, score * (0.5 + probabilities[label])), 4) if label in probabilities else score
        for label, score in scores.items()
    }
