"""First-seen rules: an entity, or two entities named together, that no article of the
last D days named.

Every article leaves a *sighting* in the alert state (its entity keys and the pairs among
its most-named entities), whether or not a rule matches it; a first-seen rule then asks,
for the article it matched, which of its keys no other article named in the D days
before it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from itertools import combinations

from newsmon.alerts.rules import FirstSeen, Rule
from newsmon.alerts.state import AlertState
from newsmon.models.alert import Alert
from newsmon.models.enrichment import EnrichedArticle, Entity

# Pairs among the most-named entities only: 12 entities give at most 66 pairs.
MAX_PAIRED_ENTITIES = 12
PAIR_SEPARATOR = "|"


def _paired(item: EnrichedArticle, types: set[str] | None = None) -> list[Entity]:
    entities = [e for e in item.enrichment.entities if types is None or e.type in types]
    return sorted(entities, key=lambda e: (-e.count, e.key))[:MAX_PAIRED_ENTITIES]


def pair_key(a: str, b: str) -> str:
    return PAIR_SEPARATOR.join(sorted((a, b)))


def sighting_keys(item: EnrichedArticle) -> list[str]:
    """What an article leaves behind for first-seen rules: entity keys and entity pairs."""
    keys = {e.key for e in item.enrichment.entities}
    keys |= {pair_key(a.key, b.key) for a, b in combinations(_paired(item), 2)}
    return sorted(keys)


def _candidates(item: EnrichedArticle, first_seen: FirstSeen) -> dict[str, str]:
    """Key -> what the desk reads, for the entities (or pairs) the rule watches."""
    types = set(first_seen.types)
    if first_seen.of == "entity":
        return {e.key: e.canonical for e in item.enrichment.entities if e.type in types}
    return {
        pair_key(a.key, b.key): " & ".join(sorted((a.canonical, b.canonical)))
        for a, b in combinations(_paired(item, types), 2)
    }


def first_seen_alerts(
    rule: Rule, per_article: Alert, item: EnrichedArticle, at: datetime, state: AlertState
) -> list[Alert]:
    """One alert per watched entity (or pair) of the article unseen in the rule's lookback."""
    first_seen = rule.first_seen
    assert first_seen is not None
    lookback = timedelta(days=first_seen.days)
    if first_seen.require_history:
        since = state.history_since()
        if since is None or since > at - lookback:
            return []
    candidates = _candidates(item, first_seen)
    seen = state.seen(candidates, at - lookback, at, exclude_article=item.article.id)
    alerts = []
    for key, label in sorted(candidates.items()):
        if key in seen or state.fired_alerts(rule.id, key, at - lookback, at + lookback):
            continue  # named before, or already alerted (an earlier article arriving late)
        digest = hashlib.sha256(f"{rule.id}\nfirst_seen:{key}\n{item.article.id}".encode()).hexdigest()
        alerts.append(
            per_article.model_copy(
                update={
                    "id": digest[:32],
                    "kind": "first_seen",
                    "key": key,
                    "window_start": at,
                    "window_end": at,
                    "matched": [f"first_seen:{label}", *per_article.matched],
                    "group": "",
                }
            )
        )
    return alerts
