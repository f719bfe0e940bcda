"""The knowledge base of canonical entities (``configs/entities.yaml``) and name folding."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from newsmon.exceptions import ConfigurationError
from newsmon.settings import read_config_yaml

# Words that precede a name without being part of it ("Russian President Vladimir Putin").
TITLE_WORDS = frozenset(
    """
    president prime minister chancellor premier king queen prince princess emperor pope
    secretary general foreign defence defense finance interior health home minister ministers
    state deputy vice acting former late senator sen. rep. representative congressman
    congresswoman governor mayor ambassador envoy spokesman spokeswoman spokesperson chief
    leader opposition general gen. lt. col. colonel admiral commander captain sergeant
    mr mr. mrs mrs. ms ms. dr dr. sir dame lord lady professor prof. judge justice
    chairman chairwoman chair ceo director head minister's president's sheikh
    """.split()
)
_SLUG = re.compile(r"[^a-z0-9]+")
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name, for lookups."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().replace("’", "'").split())


# Letters NFKD does not take apart, as they are spelled without their marks.
_LETTERS = str.maketrans({"ł": "l", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ı": "i", "ð": "d"})
_SPELLINGS = (
    (re.compile(r"w"), "v"),  # Wladimir, Kiew, Lawrow
    (re.compile(r"ph"), "f"),
    (re.compile(r"x"), "ks"),  # Alexander, Aleksandr
    (re.compile(r"ou"), "u"),  # Oussama
    (re.compile(r"j"), "y"),  # Kyjiv, Jelzin
    (re.compile(r"off\b"), "ov"),  # Lavroff
    (re.compile(r"[iy]+\b"), "y"),  # Zelenski, Zelenskyy, Selenskyj
    (re.compile(r"(.)\1+"), r"\1"),  # doubled letters
)


def spelling_key(text: str) -> str:
    """:func:`fold`, with the usual spellings of one name across European languages made
    one ("Wladimir" and "Vladimir", "Kiew" and "Kiev", "Selenskyj" and "Selensky"): the
    lookup key of the language-independent name matching."""
    key = fold(text).translate(_LETTERS)
    for pattern, replacement in _SPELLINGS:
        key = pattern.sub(replacement, key)
    return key


def slug(text: str) -> str:
    return _SLUG.sub("-", fold(text)).strip("-")


def strip_name(text: str, demonyms: frozenset[str] = frozenset()) -> str:
    """The name inside a mention: no leading article, titles, nationalities or possessive."""
    text = _POSSESSIVE.sub("", text.strip())
    words = text.split()
    while words and (
        words[0].casefold() in TITLE_WORDS
        or words[0].casefold() in ("the", "a", "an")
        or words[0] in demonyms
        or (_POSSESSIVE.search(words[0]) is not None and len(words) > 1)
    ):
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True)
class KnownEntity:
    """An entry of the knowledge base."""

    canonical: str
    type: str
    aliases: tuple[str, ...] = ()
    # Its names in other languages, matched by the language-independent stages only.
    variants: tuple[str, ...] = ()
    role: str | None = None
    country: str | None = None
    wikidata: str | None = None

    @property
    def key(self) -> str:
        return self.wikidata or f"{self.type.lower()}:{slug(self.canonical)}"

    def names(self) -> tuple[str, ...]:
        return (self.canonical, *self.aliases)


@dataclass
class KnowledgeBase:
    """Canonical entities and an index of their names."""

    entities: list[KnownEntity] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_name: dict[str, KnownEntity] = {}
        for entity in self.entities:
            for name in entity.names():
                # Short all-caps aliases (WHO, UN) only match in their exact case.
                key = name if _case_sensitive(name) else fold(name)
                self._by_name.setdefault(key, entity)

    def lookup(self, name: str) -> KnownEntity | None:
        """The entity a name (or a stripped form of it) refers to, if known."""
        for candidate in (name, fold(name)):
            found = self._by_name.get(candidate)
            if found is not None:
                return found
        return None

    def names(self) -> list[tuple[str, KnownEntity]]:
        return [(name, entity) for entity in self.entities for name in entity.names()]

    @classmethod
    def shared(cls, path: Path | None = None) -> KnowledgeBase:
        """The knowledge base of ``path`` (default: the packaged one), loaded once per
        process: the enricher, its spaCy component and the alert rules share it."""
        return _shared_knowledge_base(path.resolve() if path else None)

    @classmethod
    def load(cls, path: Path | None = None) -> KnowledgeBase:
        """Read ``configs/entities.yaml`` (or ``path``), validating each entry."""
        path, raw = read_config_yaml(path, "entities.yaml", "knowledge base")
        entities = []
        for number, item in enumerate(raw.get("entities") or [], start=1):
            if not isinstance(item, dict) or not item.get("canonical") or not item.get("type"):
                raise ConfigurationError(f"{path}: entry {number} needs 'canonical' and 'type'")
            unknown = set(item) - {"canonical", "type", "aliases", "variants", "role", "country", "wikidata"}
            if unknown:
                raise ConfigurationError(f"{path}: entry {number} has unknown fields {sorted(unknown)}")
            entities.append(
                KnownEntity(
                    canonical=str(item["canonical"]),
                    type=str(item["type"]).upper(),
                    aliases=tuple(str(a) for a in item.get("aliases") or ()),
                    variants=tuple(str(v) for v in item.get("variants") or ()),
                    role=item.get("role"),
                    country=item.get("country"),
                    wikidata=item.get("wikidata"),
                )
            )
        return cls(entities)


def _case_sensitive(name: str) -> bool:
    return len(name) <= 4 and name.replace(".", "").isupper()


@cache
def _shared_knowledge_base(path: Path | None) -> KnowledgeBase:
    return KnowledgeBase.load(path)
