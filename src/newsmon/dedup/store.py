"""Where fingerprints are remembered: the :class:`FingerprintStore` protocol and its memory
implementation (tests, the batch command, and the overlay of the search engine's store,
``connectors/stores/fingerprints.py``, which the pipeline uses)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from newsmon.dedup.fingerprint import Fingerprint


@dataclass(frozen=True)
class Remembered:
    """A fingerprint and the first copy it was found to repeat (None: it is a first copy)."""

    fingerprint: Fingerprint
    original: str | None

    @property
    def first_copy(self) -> str:
        return self.original or self.fingerprint.article_id


class FingerprintStore(Protocol):
    def get(self, article_id: str) -> Remembered | None: ...

    def candidates(self, fp: Fingerprint, since: datetime, until: datetime) -> list[Remembered]:
        """Other articles in [since, until] with the same text hash or a shared LSH band."""
        ...

    def add(self, remembered: Remembered) -> None: ...

    def flush(self) -> None:
        """Write what ``add`` buffered (at the end of a bundle)."""
        ...

    def prefetch(self, fingerprints: list[Fingerprint], window: timedelta) -> None:
        """Ask once for what ``get`` and ``candidates`` (within ``window``) will need for
        these fingerprints, so a batch costs two requests rather than two per article."""
        ...


class MemoryFingerprintStore:
    """Fingerprints in memory, indexed by text hash and band key.

    Kept compact, as it is every worker's overlay: an index entry holds the one article
    with that key (band keys are nearly all unique), a set only once a second one shares
    it, and the fingerprint is stored without its cached band keys."""

    def __init__(self, max_items: int | None = None) -> None:
        self._items: OrderedDict[str, Remembered] = OrderedDict()
        self._by_key: dict[str, str | set[str]] = {}
        self._max_items = max_items

    def get(self, article_id: str) -> Remembered | None:
        return self._items.get(article_id)

    def candidates(self, fp: Fingerprint, since: datetime, until: datetime) -> list[Remembered]:
        ids: set[str] = set()
        for key in (fp.text_hash, *fp.bands):
            holders = self._by_key.get(key)
            if isinstance(holders, str):
                ids.add(holders)
            elif holders is not None:
                ids |= holders
        ids.discard(fp.article_id)
        found = (self._items[i] for i in ids if i in self._items)
        return [r for r in found if since <= r.fingerprint.event_time <= until]

    def add(self, remembered: Remembered) -> None:
        fp = remembered.fingerprint
        article_id = fp.article_id
        if article_id in self._items:
            self._forget(article_id)
        for key in (fp.text_hash, *fp.bands):
            holders = self._by_key.setdefault(key, article_id)
            if isinstance(holders, set):
                holders.add(article_id)
            elif holders != article_id:
                self._by_key[key] = {holders, article_id}
        self._items[article_id] = Remembered(replace(fp), remembered.original)
        while self._max_items is not None and len(self._items) > self._max_items:
            self._forget(next(iter(self._items)))

    def _forget(self, article_id: str) -> None:
        old = self._items.pop(article_id).fingerprint
        for key in (old.text_hash, *old.bands):
            holders = self._by_key.get(key)
            if holders == article_id:
                del self._by_key[key]
            elif isinstance(holders, set):
                holders.discard(article_id)
                if len(holders) == 1:
                    self._by_key[key] = holders.pop()

    def flush(self) -> None:
        pass

    def prefetch(self, fingerprints: list[Fingerprint], window: timedelta) -> None:
        pass
