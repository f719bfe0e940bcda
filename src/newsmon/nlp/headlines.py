"""Headlines a desk can read: when the given title is page furniture (a share button, a
weather box, the outlet's name, a headline of another story on the page), a headline is
taken from the article's lead and marked as derived; the given title stays stored.

A title is furniture when it is empty, matches a known boilerplate line
(:data:`BOILERPLATE`), is mostly a time or date, names only the outlet, or shares too few
of its words with the text (:data:`MIN_TITLE_SUPPORT`): a real headline is written from
its article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsmon.nlp.knowledge import fold

MIN_TITLE_SUPPORT = 0.15
"""Share of a title's content words (stems) the text must contain for the title to stand."""
MAX_HEADLINE_CHARS = 120
MIN_PROSE_WORDS = 100
"""Below this, a text is a brief: too short to tell that its title is not its own."""
MAX_FIGURE_SHARE = 0.2
"""A lead with more figures than this share of its words is a table, not a headline."""
_LEAD_LINES = 8

BOILERPLATE = re.compile(
    r"""^(?:
        share|print|comments?|e-?mail|fullscreen|video|photos?|advertisement|menu|search|
        close|log\s?in|sign\s?in|sign\s?up|home|news|top\ stories|related|more|
        subscribe\b.*|get\ breaking\ news\b.*|tap\ here\ to\ .*|enter\ city\ and\ state.*|
        powered\ by\ .*|to\ find\ out\ more\ about\ facebook\ commenting.*|
        (?:facebook|twitter|email|google\+|linkedin|pinterest|whatsapp|reddit)(?:\W*
           (?:facebook|twitter|email|google\+|linkedin|pinterest|whatsapp|reddit))*|
        obituaries.*|.*\b\d+-day\ forecast|weather\ forecast.*|.*\bwinds\ [nsew]{1,3}\ at\ .*|
        (?:sign\ up\ (?:for|to)\ |subscribe\ to\ )?(?:our\ |the\ )?(?:\w+\ )?newsletters?|
        cookies?\b.*|accept.*cookies.*|we\ use\ cookies.*|
        start\ your\ \w+\ smart.*|
        afp|ap|reuters|associated\ press|agence\ france-presse|bloomberg|upi|dpa|efe|ansa|tass|
enlarge\ this\ image|skip\ to\ .*|follow\ @\w+|
        (?:about\ )?\d+\ (?:sec|secs|seconds?|min|mins|minutes?|hours?|hrs?|days?)\ ago|
        last\ \d+\ hours:?|breaking(?:\ news)?:?|live(?:\ updates)?:?|watch:?|listen:?|
        \W*\(?\d+\)?\W*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_TIME_OR_DATE = re.compile(
    r"\b(?:\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?(?:\s+\d{4})?|"
    r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*day)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_DATELINE = re.compile(r"^[A-Z][A-Z.'’/ -]{2,}(?:,\s*[^—–-]{1,40})?\s*(?:\([^)]{1,40}\))?\s*[—–-]{1,2}\s+")
_TOKENS_WITH_UNDERSCORES = re.compile(r"\b\w+_\w+\b\s*")
_BYLINE = re.compile(r"^(?:by|von|par|por|di|door)\s+\S", re.IGNORECASE)
_CAPTION = re.compile(
    r"\b(?:file photo|AP Photo|Getty Images|REUTERS/|/Reuters|Photograph:|Photo:|Image caption|"
    r"Pool Photo|via Associated Press|your weather is set to|you have successfully subscribed|"
    r"turn on notifications)",
    re.IGNORECASE,
)
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Prof|St|Jr|Sr|Rev|Hon|No|Nos|vs|Inc|Corp|Ltd|Co|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z])$"
)
_STOP = frozenset(
    "the a an and or of to in on at for with from by as is are was were be been has have had "
    "it its this that these those after before over under into about amid than then not no "
    "but his her their our your will would can could may might says said new".split()
)


@dataclass(frozen=True)
class Headline:
    text: str
    derived: bool
    reason: str | None = None
    """Why the given title was set aside (derived headlines only)."""


def _stems(text: str) -> set[str]:
    """Content words cut to five letters: "summit"/"summits", "meddling"/"meddled" agree."""
    return {w[:5] for w in _WORD.findall(fold(text)) if len(w) > 2 and w not in _STOP}


def _squashed(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text)).removeprefix("the")


def furniture_reason(title: str, body: str, source: str | None = None) -> str | None:
    """Why ``title`` is not the article's headline, or None when it is."""
    stripped = " ".join(title.split()).strip(" \u00a0|·•-–—:")
    if not stripped or not _WORD.search(stripped):
        return "no title"
    if BOILERPLATE.match(stripped):
        return "boilerplate"
    words = _WORD.findall(stripped)
    leftover = _TIME_OR_DATE.sub(" ", stripped)
    if len(_WORD.findall(leftover)) <= max(2, len(words) // 3) and _TIME_OR_DATE.search(stripped):
        return "a time or date"
    if source and (squashed := _squashed(stripped)) and len(squashed) >= 3:
        outlet = _squashed(source.split("//")[-1].removeprefix("www.").split(".")[0])
        if outlet and (squashed == outlet or squashed.removesuffix("news") == outlet.removesuffix("news")):
            return "the outlet's name"
    stems = _stems(stripped)
    if not stems:
        return None
    present = _stems(body)
    support = len(stems & present) / len(stems)
    if support < MIN_TITLE_SUPPORT:
        return "not found in the text"
    return None


def _paragraphs(body: str) -> list[str]:
    """Paragraphs: blocks between blank lines, hard-wrapped lines joined (an indented line
    starts a new paragraph, as on the wire)."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in body.splitlines():
        if not line.strip() or (line[:1].isspace() and current):
            if current:
                paragraphs.append(" ".join(current))
            current = [line.strip()] if line.strip() else []
            continue
        current.append(line.strip())
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _first_sentence(line: str) -> str:
    line = _DATELINE.sub("", _TOKENS_WITH_UNDERSCORES.sub("", line))
    for end in re.finditer(r"[.!?](?=\s+[A-Z“\"‘']|$)", line):
        if not _ABBREVIATION.search(line[: end.start()]):
            return line[: end.start() + 1]
    return line


def _lead_sentence(body: str) -> str:
    """The first sentence of the lead, past bylines, datelines and photo captions (a
    caption when nothing else is there)."""
    captions = []
    for line in _paragraphs(body)[: _LEAD_LINES * 4]:
        line = " ".join(_TOKENS_WITH_UNDERSCORES.sub("", line).split())
        words = _WORD.findall(line)
        if len(words) < 6 or _BYLINE.match(line) or BOILERPLATE.match(line):
            continue
        if len(_WORD.findall(_TIME_OR_DATE.sub(" ", line))) <= len(words) // 3:
            continue
        if _CAPTION.search(line):
            captions.append(line)
            continue
        return _first_sentence(line)
    if captions:
        return _first_sentence(captions[0])
    return " ".join(_TOKENS_WITH_UNDERSCORES.sub("", body).split()[:20])


def _shorten(text: str, limit: int = MAX_HEADLINE_CHARS) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text.rstrip(".")
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:—–- ")
    return cut + "…"


def lead_headline(body: str) -> str:
    """A headline from the lead: its first sentence (past bylines, datelines, captions)."""
    return _shorten(_lead_sentence(body))


def headline(title: str, body: str, source: str | None = None) -> Headline:
    """The headline to show: the given title, or one derived from the lead."""
    reason = furniture_reason(title, body, source)
    if reason is None:
        return Headline(" ".join(title.split()), derived=False)
    lead = lead_headline(body)
    if reason == "not found in the text" and (
        len(body.split()) < MIN_PROSE_WORDS or not _reads_as_a_sentence(lead)
    ):
        # A wire brief or a table of figures ("Shr 10 cts vs 14 cts Net ..."): its title,
        # in other words than its text, is still the better headline.
        return Headline(" ".join(title.split()), derived=False)
    return Headline(lead, derived=True, reason=reason)


def _reads_as_a_sentence(text: str) -> bool:
    tokens = text.split()
    figures = sum(1 for t in tokens if any(c.isdigit() for c in t))
    opening = text.lstrip("“\"‘'(")[:1]
    return len(tokens) >= 6 and opening.isupper() and figures <= len(tokens) * MAX_FIGURE_SHARE
