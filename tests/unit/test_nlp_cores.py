"""Each NLP core on real sentences (from PolNeAR, Reuters and the seed article), without Beam."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from newsmon.models.article import Article
from newsmon.nlp.enrich import Enricher
from newsmon.nlp.gazetteer import default_gazetteer
from newsmon.nlp.language import detect_language
from newsmon.nlp.quotes import find_quote_spans
from newsmon.nlp.topics import Taxonomy, score_topics
from tests.helpers import shared_file


def _enrich(enricher: Enricher, body: str, title: str = "") -> object:
    return enricher.enrich(Article(title=title, body=body)).enrichment


def test_quote_after_speaker_inverted_and_straight_marks(enricher: Enricher) -> None:
    body = (
        "Republican presidential candidate Donald Trump spoke in Iowa on Monday. "
        '"We are going to win so much," said Trump. "You will get tired of winning."'
    )
    quotes = _enrich(enricher, body).quotes  # type: ignore[attr-defined]
    assert quotes[0].text == "We are going to win so much,"
    assert quotes[0].speaker == "Donald Trump" and quotes[0].cue == "said"


def test_pronoun_speaker_is_the_last_person_named(enricher: Enricher) -> None:
    body = (
        "Angela Merkel met Emmanuel Macron in Berlin. Later, Hillary Clinton addressed supporters. "
        "She said, “We will not stop until every vote is counted.”"
    )
    quote = _enrich(enricher, body).quotes[0]  # type: ignore[attr-defined]
    assert quote.speaker == "Hillary Clinton" and quote.speaker_mention.text == "She"


def test_a_scare_quote_of_one_word_is_the_speakers_word_but_a_name_is_not(enricher: Enricher) -> None:
    body = (
        "New Jersey Gov. Chris Christie described Democratic presidential nominee Hillary Clinton "
        "as a “disgrace” after she attacked law enforcement officers nationwide. "
        "He repeated it on “Fox” later."
    )
    quotes = _enrich(enricher, body).quotes  # type: ignore[attr-defined]
    assert [q.text for q in quotes] == ["disgrace"]
    assert quotes[0].speaker == "Chris Christie" and quotes[0].kind == "partial"


def test_according_to_and_unknown_speakers_get_a_stable_key(enricher: Enricher) -> None:
    body = "The talks collapsed, according to Maria Fernandez, “because nobody was willing to move first.”"
    quote = _enrich(enricher, body).quotes[0]  # type: ignore[attr-defined]
    assert quote.speaker == "Maria Fernandez" and quote.speaker_key == "person:maria-fernandez"


def test_quote_over_two_paragraphs_keeps_its_speaker(enricher: Enricher) -> None:
    body = (
        "“We have to act now on the border,” Boris Johnson told reporters in London.\n"
        "“There is no time left for another summit and no appetite for one.\n"
        "“The sanctions package is ready and we will use it,” he added."
    )
    quotes = _enrich(enricher, body).quotes  # type: ignore[attr-defined]
    assert [q.speaker for q in quotes] == ["Boris Johnson"] * 3


def test_quotes_signed_at_the_end_of_their_line_go_to_the_signer(enricher: Enricher) -> None:
    # Readers' voices as HuffPost printed them (PolNeAR dev): each line a quote and its signer.
    text = shared_file("polnear/dev/text/huff-post_2016-09-27_latinos-share-their-most-honest-.txt")
    lines = text.read_text(encoding="utf-8").splitlines()
    body = "\n".join(line for line in lines if "Krystal Correa" in line or "Esther Tapia" in line)
    quotes = _enrich(enricher, body).quotes  # type: ignore[attr-defined]
    assert [(q.speaker, q.cue) for q in quotes] == [("Krystal Correa", "signed"), ("Esther Tapia", "signed")]
    assert body[quotes[1].speaker_mention.start : quotes[1].speaker_mention.end] == "Esther Tapia"


def test_a_signature_after_a_no_break_space_counts(enricher: Enricher) -> None:
    body = "Readers wrote in.\n“Maybe, we can build a wall around Donald Trump.” \u2015\u00a0Steve Quinlan.\n"
    quote = _enrich(enricher, body).quotes[0]  # type: ignore[attr-defined]
    assert quote.speaker_mention.text == "Steve Quinlan" and quote.cue == "signed"


def test_speaker_named_right_after_the_quote_with_an_apposition(enricher: Enricher) -> None:
    # The parser hangs "Flynn" on "the president" inside the quote and takes "Fox" of the
    # show's title for the subject of "said".
    body = (
        "“There's a severe disconnect between this White House and frankly the president and our "
        "military,” Flynn, a top Trump surrogate, said Thursday morning on Fox News’s “Fox and Friends.”"
    )
    quote = _enrich(enricher, body).quotes[0]  # type: ignore[attr-defined]
    assert quote.speaker_mention.text == "Flynn" and quote.cue == "said"


def test_a_clause_after_a_dash_is_not_a_signature(enricher: Enricher) -> None:
    body = "Boris Johnson told reporters: “We will not back down” — and the room fell silent."
    quote = _enrich(enricher, body).quotes[0]  # type: ignore[attr-defined]
    assert quote.speaker == "Boris Johnson" and quote.cue != "signed"


def test_surname_belongs_to_the_full_name_in_the_article_not_the_knowledge_base(
    enricher: Enricher,
) -> None:
    body = "Dwayne Johnson opened the festival. Johnson later thanked the fans in Los Angeles."
    names = {e.canonical: e for e in _enrich(enricher, body).entities}  # type: ignore[attr-defined]
    assert "Dwayne Johnson" in names and names["Dwayne Johnson"].count == 2
    assert "Boris Johnson" not in names


def test_georgia_is_the_state_in_a_us_context() -> None:
    gazetteer = default_gazetteer()
    assert gazetteer.resolve("Georgia").place.country_code == "GE"  # type: ignore[union-attr]
    in_us = gazetteer.resolve("Georgia", frozenset({"US"}))
    assert in_us is not None and in_us.place.kind == "us_state"
    assert gazetteer.resolve("Kiev").place.country_code == "UA"  # type: ignore[union-attr]


def test_places_and_regions_of_a_reuters_story(enricher: Enricher) -> None:
    body = (
        "Brazilian coffee exports fell sharply in February, traders in Sao Paulo said, "
        "while shipments from Colombia and Kenya rose."
    )
    enrichment = _enrich(enricher, body)
    assert {"BR", "CO", "KE"} <= set(enrichment.countries)  # type: ignore[attr-defined]
    assert {"Latin America and the Caribbean", "Sub-Saharan Africa"} <= set(enrichment.regions)  # type: ignore[attr-defined]


def test_language_detection() -> None:
    assert (
        detect_language("", "Der Bundeskanzler sagte am Dienstag in Berlin, dass die Regierung plane.")
        == "de"
    )
    assert detect_language("Hi", "", declared="FR") == "fr"
    assert (
        detect_language("", "Prime Minister Boris Johnson spoke with President Putin on Wednesday.") == "en"
    )


def test_a_french_article_gets_the_french_model(enricher: Enricher) -> None:
    enrichment = _enrich(
        enricher,
        "La Commission européenne a présenté mardi un nouveau paquet de sanctions contre la Russie.",
    )
    assert enrichment.language == "fr" and enrichment.nlp == "full"  # type: ignore[attr-defined]
    assert {e.canonical for e in enrichment.entities} == {"European Commission", "Russia"}  # type: ignore[attr-defined]


def test_a_body_cut_for_the_nlp_says_so_and_a_whole_one_is_full(enricher: Enricher) -> None:
    from dataclasses import replace

    body = "Prime Minister Boris Johnson spoke with President Putin on Wednesday. " * 5
    short = replace(enricher, max_characters=80)
    assert _enrich(short, body).nlp == "truncated"  # type: ignore[attr-defined]
    assert _enrich(enricher, body).nlp == "full"  # type: ignore[attr-defined]


def test_topics_explain_themselves() -> None:
    taxonomy = Taxonomy.load()
    topics = score_topics(
        "Striker scores twice as United win the cup final",
        "The striker scored twice in the final and the club's manager praised the team.",
        taxonomy,
    )
    assert topics[0].label == "sport" and "striker*" in topics[0].evidence


def test_topic_terms_match_whatever_the_case_and_the_longest_term_wins() -> None:
    taxonomy = Taxonomy.load()
    lower = score_topics(
        "", "the foreign minister met the prime minister after the sanctions vote", taxonomy, keep_all=True
    )
    shouted = score_topics(
        "", "THE FOREIGN MINISTER MET THE Prime Minister AFTER THE SANCTIONS VOTE", taxonomy, keep_all=True
    )
    assert [(t.label, t.score, t.evidence) for t in lower] == [
        (t.label, t.score, t.evidence) for t in shouted
    ]
    diplomacy = next(t for t in lower if t.label == "diplomacy")
    # "foreign minister*" is the longer term at that start: not "minister*" alone.
    assert "foreign minister*" in diplomacy.evidence
    politics = next(t for t in lower if t.label == "politics")
    assert {"prime minister", "minister*"} <= set(politics.evidence)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab “”"\n.,')), max_size=200))
def test_quote_spans_stay_inside_the_text(text: str) -> None:
    for span in find_quote_spans(text):
        assert 0 <= span.start <= span.end <= len(text)
        assert "\n" not in text[span.start : span.end]
