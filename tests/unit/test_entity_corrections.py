"""The entity corrections of the spaCy pipeline, on lines of real wire copy (Reuters, 1996
and 2022): results lines, datelines and headlines in capitals, determiners and possessives."""

from __future__ import annotations

from pathlib import Path

from newsmon.nlp.enrich import Enricher


def _ents(enricher: Enricher, text: str) -> dict[str, str]:
    return {e.text: e.label_ for e in enricher.nlp(text).ents}


def test_clubs_in_results_lines_are_organisations(enricher: Enricher) -> None:
    ents = _ents(enricher, "Torquay 2 Exeter 0\nNorwich 1 Wolverhampton 0\nMay 18 v Worcestershire")
    assert {ents.get(club) for club in ("Torquay", "Exeter", "Norwich", "Wolverhampton")} == {"ORG"}
    assert ents.get("Worcestershire") == "ORG"
    assert "May" not in ents or ents["May"] == "DATE"


def test_results_keep_countries_as_places_and_players_as_people(enricher: Enricher) -> None:
    ents = _ents(enricher, "Belarus beat Estonia 1-0 ( halftime 1-0 ) in a World Cup soccer qualifier .")
    assert ents.get("Estonia") == "GPE"
    ents = _ents(enricher, "Somerset 83 and 174 ( P. Simmons 4-38 ) , Leicestershire 296 .")
    assert ents.get("Somerset") == ents.get("Leicestershire") == "ORG"
    assert ents.get("Simmons") != "ORG" and ents.get("P. Simmons") != "ORG"


def test_a_number_after_a_name_outside_results_changes_nothing(enricher: Enricher) -> None:
    ents = _ents(enricher, "The 26-year-old joined Newcastle in July 1996 for 15 million pounds .")
    assert "July" not in ents
    assert ents.get("July 1996") == "DATE"


def test_places_written_in_capitals_are_found(enricher: Enricher) -> None:
    ents = _ents(enricher, "JOHANNESBURG 1996-08-31\nSOCCER - ROMANIA BEAT LITHUANIA IN UNDER-21 MATCH .")
    assert ents.get("JOHANNESBURG") == "GPE"
    assert ents.get("ROMANIA") == ents.get("LITHUANIA") == "GPE"


def test_mentions_hold_the_name_alone(enricher: Enricher) -> None:
    doc = enricher.nlp(
        "Ronald Reagan 's tax cut won him a second term in the White House , and "
        "the Kremlin 's spokesman said the North Atlantic Treaty Organisation 's plans were a threat ."
    )
    names = {e.text for e in doc.ents}
    assert {"White House", "Kremlin", "North Atlantic Treaty Organisation"} <= names
    assert not any(name.lower().startswith("the ") or name.endswith("'s") for name in names)


def test_a_desks_own_knowledge_base_reaches_the_spacy_component_and_is_loaded_once(tmp_path: Path) -> None:
    from newsmon.nlp.components import ENTITY_FIXES, EntityFixes
    from newsmon.nlp.knowledge import KnowledgeBase
    from newsmon.settings import NlpSettings

    entities = tmp_path / "entities.yaml"
    entities.write_text("entities:\n  - canonical: Riverwatch\n    type: ORG\n    aliases: [riverwatch]\n")
    enricher = Enricher.load(NlpSettings(entities_file=entities))
    fixes = enricher.nlp.get_pipe(ENTITY_FIXES)
    assert isinstance(fixes, EntityFixes)
    assert fixes.kb is enricher.kb is KnowledgeBase.shared(entities)  # one per process
    text = "The protest was organised by riverwatch, which said the water was unsafe."
    assert not Enricher.load(NlpSettings()).nlp(text).ents  # the model alone misses it
    assert ("riverwatch", "ORG") in {(e.text, e.label_) for e in enricher.nlp(text).ents}
