"""Who said it, by canonical name, on real PolNeAR dev articles: one test per kind of error
the canonical-speaker gold showed (speakers_gold.yaml, `newsmon eval speakers`)."""

from __future__ import annotations

from newsmon.models.article import Article
from newsmon.models.enrichment import Enrichment
from newsmon.nlp.enrich import Enricher
from tests.helpers import polnear_text


def _enriched(enricher: Enricher, stem: str) -> Enrichment:
    text = polnear_text(stem)
    return enricher.annotate(Article(body=text, title=""), enricher.nlp(text))


def _speaker(enricher: Enricher, stem: str, start_words: str) -> str | None:
    quote = next(q for q in _enriched(enricher, stem).quotes if q.text.startswith(start_words))
    return quote.speaker


def test_he_is_the_last_man_named_as_a_subject_not_the_last_man_named(enricher: Enricher) -> None:
    # "... misgivings about the armed forces under President Barack Obama ... “Now that I
    # don’t have to be politically correct anymore,” he told the host": retired general Ham.
    stem = "west-journal_2016-09-15_retired-general"
    assert _speaker(enricher, stem, "Now that I don’t have to") == "Norman Ham"


def test_she_is_a_woman(enricher: Enricher) -> None:
    # "Clinton communication director Jennifer Palmieri said Trump is reduced to "taunts and
    # insults" because he cannot defend his own record. "You could dismiss ...," she said"
    stem = "usa-today_2016-09-08_candidates-vie"
    assert _speaker(enricher, stem, "You could dismiss these actions") == "Jennifer Palmieri"


def test_a_surname_taken_for_a_place_is_the_person(enricher: Enricher) -> None:
    # "Mills “got an immunity agreement,” Jordan said": Rep. Jim Jordan, not the country.
    assert _speaker(enricher, "politico_2016-09-23_partisan", "got an immunity agreement") == "Jim Jordan"
    # "..., Schiff told Capital Download": Adam Schiff (the model said LOC).
    assert _speaker(enricher, "usa-today_2016-09-08_lawmaker-urges", "What makes this new") == "Adam Schiff"


def test_a_surname_with_another_apostrophe_is_the_same_person(enricher: Enricher) -> None:
    # "NYPD Commissioner James O’Neill." then "said O'Neill".
    assert _speaker(enricher, "politico_2016-09-17_de-blasio", "The exact cause of the explosion") == (
        "James O’Neill"
    )


def test_a_surname_the_model_did_not_tag_is_the_person(enricher: Enricher) -> None:
    # "“I think this is another case ...,” Tanner said": Michael Tanner of the Cato Institute.
    assert _speaker(enricher, "wash-post_2016-09-21_mixed-messages", "I think this is another case") == (
        "Michael Tanner"
    )


def test_a_place_inside_a_description_is_no_speaker(enricher: Enricher) -> None:
    # "“We need change,” the New York businessman said": not New York City.
    assert _speaker(enricher, "usa-today_2016-09-08_candidates-vie", "We need change") != "New York City"
    # "“My reaction ...,” Obama's former campaign strategist said": not Barack Obama.
    assert _speaker(enricher, "politico_2016-09-28_axelrod", "My reaction, that was") != "Barack Obama"
    speakers = {q.speaker for q in _enriched(enricher, "politico_2016-09-23_partisan").quotes}
    assert "Democratic" not in speakers  # "said one Democratic source on the panel"


def test_a_quotation_its_cue_interrupts_is_one_attribution(enricher: Enricher) -> None:
    # "“Every time you say that,” Tester said, referring the the 1 percent excuse, “you give
    # ammunition to the people who want to break up the big banks.”"
    quotes = _enriched(enricher, "huff-post_2016-09-20_elizabeth-warren").quotes
    first = next(q for q in quotes if q.text.startswith("Every time you say that"))
    second = next(q for q in quotes if q.text.startswith("you give ammunition"))
    assert first.speaker == second.speaker == "Jon Tester"
    assert second.part_of == first.start and first.part_of is None
    # Two sentences are two quotations: "“This just isn’t right,” Warren said. “You squeezed ...”"
    squeezed = next(q for q in quotes if q.text.startswith("You squeezed employees"))
    assert squeezed.part_of is None


def test_a_person_named_by_their_role_is_the_person_given_that_role(enricher: Enricher) -> None:
    # "an explosion that Mayor Bill de Blasio described as ..." then "“We do not see a link
    # to terrorism,” the mayor said".
    stem = "politico_2016-09-17_de-blasio"
    assert _speaker(enricher, stem, "We do not see a link to terrorism") == "Bill de Blasio"
    # "Sanders on Tuesday said ..." then "The senator said he would “introduce legislation ...”".
    stem = "west-journal_2016-10-04_railing-against-trump"
    assert _speaker(enricher, stem, "introduce legislation in the next") == "Bernie Sanders"
    # "On Tuesday’s episode of ..., the former secretary of state ... said": Hillary Clinton.
    stem = "huff-post_2016-09-20_hillary-clinton-speaks"
    assert _speaker(enricher, stem, "this is not who we are") == "Hillary Clinton"


def test_as_he_puts_it_is_a_cue(enricher: Enricher) -> None:
    # "That's because, as he puts it, "the best thing we have going for us" is ...": the
    # pronoun of "puts" is the speaker (PolNeAR train), Donald Trump named before.
    text = polnear_text("wash-post_2016-04-23_one-policy-that-trump", "train")
    quotes = enricher.annotate(Article(body=text, title=""), enricher.nlp(text)).quotes
    quote = next(q for q in quotes if q.text.startswith("the best thing we have going"))
    assert quote.speaker_mention is not None and quote.speaker_mention.text == "he"
    assert (quote.cue, quote.speaker) == ("puts", "Donald Trump")
