"""Entity canonicalisation against a hand-built gold set (``canonical_gold.yaml``).

Within an article: over every pair of gold name forms that our stage found, is the pair
merged (same canonical entity) when the gold says so, and kept apart otherwise? Across
articles: over pairs of (article, gold group) occurrences, do they get the same canonical
key exactly when the gold id is the same?
"""

from __future__ import annotations

import json
from importlib import resources
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml

from newsmon.evaluation.scores import Counts, table
from newsmon.models.article import parse_article
from newsmon.nlp.enrich import Enricher
from newsmon.nlp.knowledge import fold


def load_gold() -> dict[str, dict[str, list[str]]]:
    text = (resources.files("newsmon.evaluation") / "canonical_gold.yaml").read_text("utf-8")
    data: Any = yaml.safe_load(text)
    return {str(k): v for k, v in data["articles"].items()}


def _pair_counts(
    gold_same: set[frozenset[Any]], predicted_same: set[frozenset[Any]], all_pairs: set[frozenset[Any]]
) -> Counts:
    counts = Counts()
    for pair in all_pairs:
        g, p = pair in gold_same, pair in predicted_same
        counts.true_positives += g and p
        counts.false_positives += p and not g
        counts.false_negatives += g and not p
    return counts


def evaluate_canonical(enricher: Enricher, corpus: Path) -> tuple[Counts, Counts, int]:
    """(within-article merges, across-article keys, gold forms found)."""
    gold = load_gold()
    articles = {}
    with corpus.open("rb") as handle:
        for line in handle:
            source_id = json.loads(line).get("id")
            if source_id in gold:
                articles[source_id] = parse_article(line)
    within = Counts()
    occurrences: list[tuple[str, str, str]] = []  # (article, gold id, our key)
    found_forms = 0
    for source_id, groups in gold.items():
        enrichment = enricher.enrich(articles[source_id]).enrichment
        key_of_form: dict[str, str] = {}
        for entity in enrichment.entities:
            for alias in entity.aliases:
                key_of_form.setdefault(fold(alias), entity.key)
        forms = [(gid, form) for gid, names in groups.items() for form in names if fold(form) in key_of_form]
        found_forms += len(forms)
        all_pairs = {frozenset((a, b)) for a, b in combinations(forms, 2)}
        gold_same = {p for p in all_pairs if len({gid for gid, _ in p}) == 1}
        predicted_same = {p for p in all_pairs if len({key_of_form[fold(f)] for _, f in p}) == 1}
        within.add(_pair_counts(gold_same, predicted_same, all_pairs))
        for gid, names in groups.items():
            keys = {key_of_form[fold(n)] for n in names if fold(n) in key_of_form}
            if keys:
                # The group's key: the one of its longest found name.
                longest = max((n for n in names if fold(n) in key_of_form), key=len)
                occurrences.append((source_id, gid, key_of_form[fold(longest)]))
    pairs = {frozenset((a, b)) for a, b in combinations(occurrences, 2) if a[0] != b[0]}
    across = _pair_counts(
        {p for p in pairs if len({o[1] for o in p}) == 1},
        {p for p in pairs if len({o[2] for o in p}) == 1},
        pairs,
    )
    return within, across, found_forms


def report(within: Counts, across: Counts, found: int) -> str:
    return table(
        f"Entity canonicalisation on the hand-built gold set ({found} gold name forms found)",
        [("merges within an article", within), ("same key across articles", across)],
    )
