"""Names the knowledge base does not hold, and who said a quotation, in German, French and
Italian: one test per kind of error seen on real pages (Fundus's test pages), each on the
page's own text."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from newsmon.exceptions import ConfigurationError
from newsmon.models.article import Article
from newsmon.models.enrichment import Entity, Quote
from newsmon.nlp.gazetteer import shared_gazetteer
from newsmon.nlp.knowledge import KnowledgeBase
from newsmon.nlp.multilingual import Multilingual
from newsmon.nlp.names import PatternNames, load_given_names, shared_given_names
from tests.helpers import shared_file


@cache
def _stages() -> Multilingual:
    return Multilingual(KnowledgeBase.shared(), shared_gazetteer(None))


@cache
def _enriched(page: str, language: str) -> tuple[list[Entity], list[Quote]]:
    for line in shared_file("fundus/fundus_articles.jsonl").read_text().splitlines():
        row = json.loads(line)
        if page in row["html_file"]:
            annotator = _stages().annotator(language)
            entities = annotator.entities(row["text"], row["title"])
            return entities, annotator.quotes(row["text"], entities)
    raise AssertionError(f"no Fundus page {page}")


def _speaker(page: str, language: str, start_words: str) -> str | None:
    _, quotes = _enriched(page, language)
    quote = next(q for q in quotes if q.text.startswith(start_words))
    return quote.speaker


def _people(page: str, language: str) -> dict[str, Entity]:
    entities, _ = _enriched(page, language)
    return {e.canonical: e for e in entities if e.type == "PERSON"}


# ---- names without a model ----


def test_a_given_name_and_a_surname_make_a_person_with_a_stable_key() -> None:
    people = _people("SalzburgerNachrichten_2026_01_06", "de")
    assert people["Nicolas Féraud"].key == "person:nicolas-feraud"
    # The bare surname later in the article is a mention of the same person.
    assert "Féraud" in people["Nicolas Féraud"].aliases
    assert "Romy Biner" in people and "Mathias Reynard" in people


def test_a_role_noun_before_a_name_is_not_part_of_it() -> None:
    people = _people("WAZ_2023_06_29", "de")  # "Ernährungsmediziner Andreas Pfeiffer"
    assert "Andreas Pfeiffer" in people and "Jens Aberle" in people
    assert not [name for name in people if name.startswith(("Ernährungsmediziner", "Endokrinologe"))]


def test_a_surname_a_cue_names_is_a_person_but_a_noun_after_an_article_is_not() -> None:
    # "„…“, zeigt sich Gilgeous-Alexander selbstbewusst": "Shai" is no listed given name.
    assert "Gilgeous-Alexander" in _people("NTV_2024_08_05", "de")
    # "sagte Trainer Nicolej Krickau", "Für Trainer Krickau", "der Trainer": no person Trainer.
    assert "Trainer" not in _people("BerlinerMorgenpost_2025_11_06", "de")


def test_a_given_name_before_a_country_is_a_word() -> None:
    # German "Solange Deutschland …" at a sentence's start: "solange" is a conjunction.
    assert not [name for name in _people("NTV_2024_08_05", "de") if name.startswith("Solange")]


def test_particles_belong_to_the_surname() -> None:
    finder = PatternNames(shared_given_names(), [], frozenset({"die", "sagte"}))
    names = {
        f.name for f in finder.find("Das sagte Ursula von der Leyen am Montag, bevor Marine Le Pen sprach.")
    }
    assert names == {"Ursula von der Leyen", "Marine Le Pen"}


def test_an_organisation_word_makes_a_capitalised_name_an_organisation() -> None:
    finder = PatternNames(shared_given_names(), ["Bank"], frozenset({"die"}))
    found = finder.find("Die Deutsche Bank erhöhte ihre Prognose.")
    assert [(f.name, f.type) for f in found] == [("Deutsche Bank", "ORG")]


def test_italian_people_without_a_model() -> None:
    people = _people("CorriereDellaSera_2025_02_04", "it")
    assert {"Giorgia Meloni", "Marco Rubio", "Mike Waltz"} <= set(people)


# ---- names from the French model ----


def test_the_french_model_names_people_the_knowledge_base_does_not_hold() -> None:
    people = _people("LeFigaro_2024_11_22", "fr")
    assert people["Andreï Belooussov"].key == "person:andrei-belooussov"
    assert "Lin Jian" in people
    # The small model's false people: a weekday at a sentence's start.
    assert "Jeudi" not in people
    # "L’Otan" is the knowledge base's NATO, not a person.
    assert "L’Otan" not in people and "Otan" not in people


# ---- speakers ----


def test_a_pronoun_goes_to_the_last_person_of_its_gender() -> None:
    # "« Je me suis adressée à lui … », confie-t-elle": Sophie Binet, not Emmanuel Macron.
    assert _speaker("LeMonde_2023_09_01", "fr", "Je me suis adressée à lui") == "Sophie Binet"


def test_an_inverted_attribution_with_a_verb_that_is_no_cue_word() -> None:
    # "„In den Jahren 2020 bis 2025 …“, gestand Féraud."
    assert _speaker("SalzburgerNachrichten_2026_01_06", "de", "In den Jahren 2020") == "Nicolas Féraud"


def test_a_cue_with_an_apposition_after_a_role() -> None:
    # "…», a déclaré le porte-parole du ministère des Affaires étrangères, Lin Jian, lors …"
    assert _speaker("LeFigaro_2024_11_22", "fr", "Toutes les parties doivent rester") == "Lin Jian"


def test_a_name_in_a_relative_clause_is_not_the_subject() -> None:
    # "Keir Starmer, qui s'entretiendra … avec le président français Emmanuel Macron,
    # affirme qu'il souhaite « donner un nouvel élan »": the parse's subject is Starmer.
    assert _speaker("LesEchos_2024_07_18", "fr", "donner un nouvel élan") == "Keir Starmer"


def test_a_name_after_a_cue_across_a_clause_boundary_is_not_the_speaker() -> None:
    # "„Was? … Das ist doch absurd“, schimpft der AfD-Chef, woraufhin Voigt …": Höcke.
    assert _speaker("DieWelt_2024_08_27", "de", "Was? … Das ist doch absurd") == "Björn Höcke"


def test_a_description_stands_for_the_last_person_named() -> None:
    # "„…“, so der CDU-Spitzenkandidat" after "Eine Attacke, die Voigt nicht …".
    assert _speaker("DieWelt_2024_08_27", "de", "ungern unterstellen") == "Mario Voigt"


def test_a_quotation_continues_the_previous_speakers() -> None:
    # "« J'avais un ange gardien … », a-t-il raconté. Et d'ajouter …, « nous avons trié … »"
    assert _speaker("LesEchos_2024_07_18", "fr", "nous avons trié toutes") == "JD Vance"


def test_a_clause_with_a_colon_introduces_its_speaker() -> None:
    # "Vertriebsleiter Robert Weiss beschreibt die Situation als schwierig: "…""
    assert _speaker("BR_2026_04_15", "de", "Wir müssen unsere Leistung") == "Robert Weiss"


def test_a_dropped_subject_is_the_last_person_named_not_the_articles_main_one() -> None:
    # "… si è detto Matteo Salvini. «…», ha scritto su X": Salvini, not Trump.
    assert _speaker("CorriereDellaSera_2025_02_04", "it", "Bene Giorgia Meloni") == "Matteo Salvini"


def test_an_unnamed_speaker_stays_unnamed() -> None:
    # "„Ich habe Angst, Kindern nicht gerecht zu werden“, sagt ein Familienvater."
    assert _speaker("BerlinerZeitung_2026_05_18", "de", "Ich habe Angst, Kindern") is None


# ---- the given names ----


def test_given_names_ship_with_their_gender() -> None:
    given = shared_given_names()
    assert given.gender("Sophie") == "f" and given.gender("Emmanuel") == "m"
    assert "Jean-Luc" in given  # a compound name by its first part


def test_a_bad_given_names_line_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "names.tsv"
    path.write_text("# comment\nAnna\tf\nBoris\tx\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"names.tsv:3"):
        load_given_names(path)


def test_speech_by_dashes_and_its_speaker() -> None:
    # Polish news mark speech with a dash, the narrator's words between dashes.
    body = (
        "Prezydent USA odpowiedział na pytania dziennikarzy.\n"
        "– Nie zgodzimy się na żadne ustępstwa – powiedział Donald Trump. – To jest nasza granica.\n"
        "Rozmowy mają być kontynuowane w piątek."
    )
    annotator = _stages().annotator("pl")
    quotes = annotator.quotes(body, annotator.entities(body))
    assert [(q.text, q.speaker) for q in quotes] == [
        ("Nie zgodzimy się na żadne ustępstwa", "Donald Trump"),
        ("To jest nasza granica.", "Donald Trump"),
    ]


def test_the_french_models_vocabulary_does_not_grow_with_articles() -> None:
    from newsmon.nlp.enrich import Enricher
    from newsmon.settings import NlpSettings

    enricher = Enricher.load(NlpSettings())
    nlp = enricher.multilingual.annotator("fr").names.nlp  # type: ignore[union-attr]

    def article(n: int) -> Article:
        body = f"« Nous ne céderons jamais », a déclaré Jeanne Vorlamix{n} à Paris, selon Zebrafax{n}."
        return Article(title="", body=body, language="fr")

    enricher.enrich(article(0))
    before = len(nlp.vocab.strings)
    for n in range(1, 30):
        enriched = enricher.enrich(article(n)).enrichment
        assert enriched.nlp == "full"
    assert len(nlp.vocab.strings) == before


@pytest.mark.parametrize(
    ("page", "language", "topic"),
    [
        ("CorriereDellaSera_2025_02_04", "it", "diplomacy"),  # Meloni meets Trump at Mar-a-Lago
        ("Rzeczpospolita_2026_04_19", "pl", "conflict_defence"),  # the US and Iran
    ],
)
def test_topics_in_languages_beyond_german_and_french(page: str, language: str, topic: str) -> None:
    from newsmon.nlp.enrich import Enricher
    from newsmon.settings import NlpSettings

    for line in shared_file("fundus/fundus_articles.jsonl").read_text().splitlines():
        row = json.loads(line)
        if page in row["html_file"]:
            article = Article(title=row["title"], body=row["text"], language=language)
            enrichment = Enricher.load(NlpSettings()).enrich(article).enrichment
            assert topic in [t.label for t in enrichment.topics]
            return
    raise AssertionError(page)
