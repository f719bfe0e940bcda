"""Alert matching throughput with 10, 1,000 and 10,000 rules, side by side.

    .venv/bin/python -m bench.rules [--articles 60]

Articles are enriched once (real provenance articles); then the rule index matches them
with each rule-set size. Rules are generated from real names, regions and topics, in the
mix a desk would write: entities, speakers, quote topics, regions x topics, phrases.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

from newsmon.alerts.matcher import RuleIndex
from newsmon.alerts.rules import Rule
from newsmon.models.article import parse_article
from newsmon.models.enrichment import EnrichedArticle
from newsmon.nlp.enrich import Enricher
from newsmon.settings import NlpSettings

DEFAULT_CORPUS = (
    Path(__file__).resolve().parents[1].parent / "shared/data/provenance/provenance_articles.jsonl"
)


def make_rules(count: int, articles: list[EnrichedArticle], seed: int = 7) -> list[Rule]:
    rng = random.Random(seed)
    names = sorted({e.canonical for a in articles for e in a.enrichment.entities}) or ["Nobody"]
    regions = sorted({r for a in articles for r in a.enrichment.regions}) or ["Europe"]
    topics = ["politics", "diplomacy", "conflict_defence", "economy", "sanctions", "technology", "sport"]
    rules = []
    for i in range(count):
        # Most rules name things these articles do not: a desk's long tail of watched names.
        name = rng.choice(names) if rng.random() < 0.05 else f"Watched Person {i}"
        kind = i % 5
        when: dict[str, object]
        if kind == 0:
            when = {"entity": name}
        elif kind == 1:
            when = {"quoted": name}
        elif kind == 2:
            when = {"quote_mentions": {"speaker": name, "text": rng.choice(names)}}
        elif kind == 3:
            when = {
                "all": [
                    {"region": rng.choice(regions) if rng.random() < 0.05 else f"Region {i}"},
                    {"topic": rng.choice(topics)},
                ]
            }
        else:
            when = {"all": [{"entity": name}, {"phrase": {"text": "summit"}}]}
        rules.append(Rule.model_validate({"id": f"rule-{i}", "when": when}))
    return rules


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5, help="passes over the articles per rule set")
    args = parser.parse_args()

    enricher = Enricher.load(NlpSettings())
    raw = []
    with args.corpus.open("rb") as handle:
        for line in handle:
            raw.append(parse_article(line))
            if len(raw) == args.articles:
                break
    articles = list(enricher.enrich_many(raw))
    print(f"{len(articles)} enriched articles from {args.corpus.name}, {args.repeat} passes each")
    print(f"{'rules':>7} {'build s':>8} {'articles/s':>11} {'alerts/article':>15}")
    for count in (10, 1_000, 10_000):
        rules = make_rules(count, articles)
        started = time.perf_counter()
        index = RuleIndex(rules, enricher.kb)
        built = time.perf_counter() - started
        alerts = 0
        started = time.perf_counter()
        for _ in range(args.repeat):
            for article in articles:
                alerts += len(index.match(article))
        elapsed = time.perf_counter() - started
        matched = len(articles) * args.repeat
        print(f"{count:7d} {built:8.2f} {matched / elapsed:11.0f} {alerts / matched:15.2f}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
