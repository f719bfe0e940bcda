"""Which words of an article name a quotation's speaker, on real PolNeAR articles: one test
per kind of cue the mention-level score (`newsmon eval quotes`) showed missed or misread."""

from __future__ import annotations

from newsmon.models.article import Article
from newsmon.models.enrichment import Quote
from newsmon.nlp.enrich import Enricher
from newsmon.nlp.quotes import find_quote_spans
from tests.helpers import polnear_text


def _quote(enricher: Enricher, split: str, stem: str, start_words: str) -> Quote:
    text = polnear_text(stem, split)
    enrichment = enricher.annotate(Article(body=text, title=""), enricher.nlp(text))
    return next(q for q in enrichment.quotes if q.text.startswith(start_words))


def test_a_line_break_ends_the_sentence_before_the_next_paragraphs_subject(enricher: Enricher) -> None:
    # '“Republicans will stop at nothing ...”\n\nDemocrats also blasted Oversight': the
    # parse ran the quote's sentence on into the next paragraph and took "Democrats".
    quote = _quote(enricher, "dev", "politico_2016-09-23_partisan", "Republicans will stop at nothing")
    assert quote.speaker == "Elijah Cummings"


def test_a_title_or_description_before_the_name(enricher: Enricher) -> None:
    # '“I will just make this promise to you: ...,” Tulsa police Chief Chuck Jordan said
    # Monday. “I want to assure our community ...”'
    stem = "huff-post_2016-09-20_hillary-clinton"
    assert _quote(enricher, "dev", stem, "I will just make this promise").speaker == "Chuck Jordan"
    assert _quote(enricher, "dev", stem, "I want to assure our community").speaker == "Chuck Jordan"


def test_a_quotation_opened_straight_and_closed_curly_is_one_quotation() -> None:
    # '"If I were managing the campaign, ...? Absolutely,” Eric Woolson, ..., said of Cruz.'
    text = polnear_text("politico_2016-01-27_the-steep-cost", "train")
    contents = [text[s.start : s.end] for s in find_quote_spans(text)]
    assert any(c.startswith("If I were managing") and c.endswith("Absolutely,") for c in contents)


def test_the_speaker_after_a_mixed_quotation(enricher: Enricher) -> None:
    quote = _quote(enricher, "train", "politico_2016-01-27_the-steep-cost", "If I were managing")
    assert quote.speaker == "Eric Woolson"


def test_a_paragraph_ending_in_a_colon_introduces_the_next(enricher: Enricher) -> None:
    # "17-year-old Jared Potts echoed:\n\n“He speaks his mind, ...”"
    quote = _quote(enricher, "train", "breitbart_2015-12-04_bellwether", "He speaks his mind")
    assert quote.speaker == "Jared Potts"


def test_a_colon_in_the_quotations_own_sentence(enricher: Enricher) -> None:
    # 'Senate Majority Leader Mitch McConnell, R-Ky., delivered a blunt message to Trump:
    # "It's time to quit attacking ..."', after a quote of Scott Walker's.
    quote = _quote(enricher, "train", "usa-today_2016-06-09_trump-tries", "It's time to quit")
    assert quote.speaker == "Mitch McConnell"


def test_the_cue_the_quotation_hangs_from_not_the_nearest(enricher: Enricher) -> None:
    # 'Retired Lt. Gen. Michael Flynn said Donald Trump was “absolutely right” when he said
    # Wednesday night that under President Barack Obama, “the generals have been reduced
    # to rubble.”': the first is Flynn's, the second Trump's.
    stem = "politico_2016-09-08_flynn"
    assert _quote(enricher, "dev", stem, "absolutely right").speaker == "Michael Flynn"
    assert _quote(enricher, "dev", stem, "the generals have been").speaker == "Donald Trump"


def test_an_organisations_programme_is_no_speaker(enricher: Enricher) -> None:
    # '..., Flynn, a top Trump surrogate, said Thursday morning on Fox News’s “Fox and
    # Friends.” “I mean, there's a lot of frustration ...”': still Flynn, not Fox News.
    quote = _quote(enricher, "dev", "politico_2016-09-08_flynn", "I mean, there's a lot")
    assert quote.speaker == "Michael Flynn"


def test_whose_claim_it_is(enricher: Enricher) -> None:
    # "Politifact did a fact-check on Donald Trump’s claim that there have been “thousands
    # of shootings” in gun-controlled Chicago"
    quote = _quote(enricher, "dev", "breitbart_2016-09-29_politifact", "thousands of shootings")
    assert quote.speaker == "Donald Trump"


def test_who_stands_for_the_person_it_follows(enricher: Enricher) -> None:
    # 'Sen. Marco Rubio of Florida, who mused in Thursday night's Republican debate that
    # Clinton was "disqualified from being the commander in chief"'
    quote = _quote(enricher, "train", "wash-post_2016-01-31_state-calls", "disqualified from being")
    assert quote.speaker == "Marco Rubio"
    assert quote.speaker_mention is not None and quote.speaker_mention.text == "who"


def test_she_says_it_underscores_is_hers(enricher: Enricher) -> None:
    # 'She says it underscores that Trump is “temperamentally unfit to be commander-in-chief.”'
    quote = _quote(enricher, "dev", "breitbart_2016-09-30_the-latest", "temperamentally unfit")
    assert quote.speaker == "Hillary Clinton"


def test_she_continued(enricher: Enricher) -> None:
    # '“Maybe I can, by speaking directly to white people, say, look, this is not who we
    # are,” she continued.'
    quote = _quote(enricher, "dev", "huff-post_2016-09-20_hillary-clinton", "Maybe I can, by speaking")
    assert quote.speaker == "Hillary Clinton"
    assert quote.cue == "continued"


def test_curly_quotations_nested_in_a_straight_one_stay_inside_it() -> None:
    # '"I’ve learned that ... It comes across as “too loud” or “too shrill” or “too this”
    # or “too that.”"': one quotation, not one ending at "too loud”.
    text = polnear_text("huff-post_2016-09-26_one-tweet", "dev")
    contents = [text[s.start : s.end] for s in find_quote_spans(text)]
    assert any(c.startswith("I’ve learned that") and c.endswith("“too that.”") for c in contents)
    assert "too shrill" not in contents


def test_an_excerpts_open_straight_mark_leaves_the_curly_quotations_inside() -> None:
    # An excerpt opened with a straight mark and never closed: 'On her discharge papers, in
    # a box labeled “medical problem,” a doctor had typed “homicidal ideation.”'
    text = polnear_text("breitbart_2016-10-02_washington-post", "dev")
    contents = [text[s.start : s.end] for s in find_quote_spans(text)]
    assert "medical problem," in contents
    assert "homicidal ideation." in contents


def test_a_name_right_before_a_cue_the_parse_missed(enricher: Enricher) -> None:
    # 'In March, Trump blasted Disney for its “outrageous practices”': the parse takes
    # "blasted" for an adjective of "Disney".
    quote = _quote(enricher, "train", "breitbart_2016-05-18_trump-s-investments", "outrageous practices")
    assert quote.speaker == "Donald Trump"


def test_nested_marks_of_the_other_kind_do_not_close_a_quotation() -> None:
    cases = {
        '“He said "no" to me,” she said.': 'He said "no" to me,',
        '"I said “too loud” or “too shrill.”" he said': "I said “too loud” or “too shrill.”",
        '"If I were managing? Absolutely,” Eric Woolson said.': "If I were managing? Absolutely,",
        "„Wir schaffen das“, sagte sie.": "Wir schaffen das",
    }
    for text, content in cases.items():
        assert [text[s.start : s.end] for s in find_quote_spans(text)] == [content]


def _quotes(enricher: Enricher, split: str, stem: str) -> list[Quote]:
    text = polnear_text(stem, split)
    return enricher.annotate(Article(body=text, title=""), enricher.nlp(text)).quotes


def test_marks_with_no_cue_and_no_one_to_say_them_hold_no_quote(enricher: Enricher) -> None:
    # 'why are you voting for Trump, unless simply because "she" is a "he"? A loud-mouthed,
    # white "he."': scare quotes.
    texts = [q.text for q in _quotes(enricher, "dev", "usa-today_2016-09-29_can-you")]
    assert not {"she", "he", "he."} & set(texts)


def test_a_show_named_in_marks_is_no_quote_of_the_sentences_subject(enricher: Enricher) -> None:
    # 'Omarosa Manigault, perhaps the most famous graduate of Trump's reality television
    # show, "The Apprentice."'
    quotes = _quotes(enricher, "train", "wash-post_2016-04-17_donald-trump-is-not")
    assert not [q for q in quotes if q.text.startswith("The Apprentice")]


def test_a_pronoun_and_cue_right_after_a_question(enricher: Enricher) -> None:
    # '“You winning?” she said, but Kevin was drifting off again': the parse ends the
    # sentence at the question; the cue after it is still the quotation's.
    quote = _quote(enricher, "dev", "breitbart_2016-10-02_washington-post", "You winning?")
    assert quote.speaker_mention is not None and quote.speaker_mention.text == "she"


def test_whoever_the_subject_of_a_cue_right_after_the_quotation_names(enricher: Enricher) -> None:
    # '...: “Parallel to our union's progress for flight attendants, ...,” the union wrote.'
    quote = _quote(enricher, "dev", "politico_2016-09-30_flight-attendants", "Parallel to our union")
    assert quote.speaker_mention is not None and quote.speaker_mention.text == "the union"


def test_a_cue_in_a_clause_of_time_is_not_the_quotations(enricher: Enricher) -> None:
    # 'footage of Trump saying during the debate last week, “That makes me smart,” when
    # Clinton blasted him'; 'When Clinton noted that Trump has occasionally not paid ...,
    # Trump boasted, “That makes me smart.”'
    stems = ("breitbart_2016-10-03_the-latest", "huff-post_2016-09-27_hillary-clinton-goes")
    for stem in stems:
        assert _quote(enricher, "dev", stem, "That makes me smart").speaker == "Donald Trump"


def test_a_transcripts_turns_are_their_labels_speakers(enricher: Enricher) -> None:
    # '"WALLACE: Let’s start with breaking news ...', '"PENCE: Well, look, Hillary Clinton
    # apparently thinks this is an episode of “Shark Tank.” ...', then a paragraph that
    # continues Pence's turn ('"But the truth is that Donald Trump ...'): the first words
    # of each turn name people the rest of the transcript is about, not its speaker.
    quotes = _quotes(enricher, "dev", "breitbart_2016-09-25_pence-gennifer-flowers-won-t-be-")
    by_start = {q.text.split()[0] + " " + q.text.split()[1]: q for q in quotes}
    assert by_start["Let’s start"].speaker == "Wallace"
    assert by_start["Well, look,"].speaker == "Mike Pence"  # the label "PENCE", by surname
    assert by_start["But the"].speaker == "Mike Pence"  # continues his turn
    assert by_start["Governor, I"].speaker == "Wallace"
    assert not any(q.text.startswith(("WALLACE:", "PENCE:")) for q in quotes)
    # A quotation inside a turn is the turn speaker's: 'as “The Wall Street Journal” wrote'.
    assert by_start["The Wall"].speaker == "Wallace"


def test_one_label_in_capitals_makes_no_transcript() -> None:
    one = '"UPDATE: The senator called it “a disgrace” and left.\n\nMore follows.'
    two = one + '\n\n"SMITH: We will see about “a disgrace” tomorrow.'
    assert [one[s.start : s.end] for s in find_quote_spans(one)] == ["a disgrace"]
    turns = [two[s.start : s.end] for s in find_quote_spans(two)]
    assert turns[0].startswith("UPDATE: The senator") and "a disgrace" in turns
