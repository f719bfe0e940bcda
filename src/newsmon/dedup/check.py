"""The duplicate check, a pure core over a :class:`FingerprintStore`: is this article a
copy of one seen in the last days, and of which first copy?"""

from __future__ import annotations

from datetime import timedelta

from newsmon.dedup.fingerprint import Fingerprint, similarity
from newsmon.dedup.store import FingerprintStore, Remembered
from newsmon.models.article import Duplicate

# Tuned on the provenance corpus' dev half (docs/quality.md, "Near-duplicates").
NEAR_DUPLICATE_THRESHOLD = 0.7


def check_duplicate(
    fp: Fingerprint,
    store: FingerprintStore,
    window: timedelta,
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
) -> Duplicate | None:
    """The article's duplicate status, remembered in ``store``; the same answer again for a
    re-delivered article. A text without a single word (only emoji, only invisible
    characters) is nobody's copy: all such texts would look alike, and copies skip the NLP
    and raise no alerts."""
    if fp.size == 0:
        return None
    known = store.get(fp.article_id)
    if known is not None:
        return _as_duplicate(known, store)
    best: tuple[float, Remembered] | None = None
    for candidate in store.candidates(fp, fp.event_time - window, fp.event_time + window):
        score = similarity(fp, candidate.fingerprint)
        if score >= threshold and (best is None or score > best[0]):
            best = (score, candidate)
    if best is None or best[1].first_copy == fp.article_id:
        store.add(Remembered(fp, None))
        return None
    score, match = best
    store.add(Remembered(fp, match.first_copy))
    exact = match.fingerprint.text_hash == fp.text_hash
    return Duplicate(of=match.first_copy, kind="exact" if exact else "near", similarity=round(score, 3))


def _as_duplicate(known: Remembered, store: FingerprintStore) -> Duplicate | None:
    if known.original is None:
        return None
    original = store.get(known.original)
    exact = original is not None and original.fingerprint.text_hash == known.fingerprint.text_hash
    score = similarity(known.fingerprint, original.fingerprint) if original is not None else 0.0
    return Duplicate(of=known.original, kind="exact" if exact else "near", similarity=round(score, 3))
