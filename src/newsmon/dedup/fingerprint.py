"""Article fingerprints: a hash of the normalised text (exact copies) and a MinHash
signature of word shingles with LSH band keys (near copies: a wire story reprinted with
small edits and another headline, or an early short version of it).

Two articles whose shingle sets have Jaccard similarity ``s`` share at least one of the
``BANDS`` band keys with probability ``1 - (1 - s**rows)**BANDS`` (rows = 2: 0.41 at
s = 0.09, 0.93 at s = 0.2). The signature estimates ``s``, and with the two set sizes the
*containment* of the shorter text in the longer, which is what decides: a 150-word early
version of a wire story inside its 800-word update has a Jaccard similarity near 0.1 but
is the same story.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
BANDS = 64  # rows per band: 2
SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, accents and punctuation dropped, single spaces: what a copy edit keeps."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(stripped))


def shingles(words: list[str], size: int = SHINGLE_WORDS) -> set[bytes]:
    """Overlapping ``size``-word sequences (the whole text when shorter)."""
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


@dataclass(frozen=True)
class Fingerprint:
    """What the duplicate check remembers of one article."""

    article_id: str
    event_time: datetime
    text_hash: str
    signature: tuple[int, ...]
    size: int = 0  # number of distinct shingles

    @cached_property  # read by the candidate query, the stored document and the overlay
    def bands(self) -> list[str]:
        rows = len(self.signature) // BANDS
        return [
            f"{band}:"
            + hashlib.blake2b(
                np.asarray(self.signature[band * rows : (band + 1) * rows], dtype=np.uint64).tobytes(),
                digest_size=8,
            ).hexdigest()
            for band in range(BANDS)
        ]


def fingerprint(article_id: str, event_time: datetime, body: str) -> Fingerprint:
    """The fingerprint of an article body."""
    words = normalise(body).split()
    minhash = MinHash(num_perm=NUM_PERM, seed=7)
    grams = sorted(shingles(words))
    if grams:
        minhash.update_batch(grams)
    return Fingerprint(
        article_id=article_id,
        event_time=event_time,
        text_hash=hashlib.sha256(" ".join(words).encode()).hexdigest()[:32],
        signature=tuple(int(v) for v in minhash.hashvalues),
        size=len(grams),
    )


def jaccard(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    if a.text_hash == b.text_hash:
        return 1.0
    same = sum(1 for x, y in zip(a.signature, b.signature, strict=True) if x == y)
    return same / len(a.signature)


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated share of the shorter text's shingles found in the longer (containment)."""
    j = jaccard(a, b)
    if j >= 1.0:
        return 1.0
    smaller = min(a.size, b.size)
    if j == 0.0 or smaller == 0:
        return 0.0
    shared = j * (a.size + b.size) / (1 + j)
    return min(1.0, shared / smaller)
