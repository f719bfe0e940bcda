"""Matching rules against enriched articles, in process, fast with thousands of rules.

Each rule is indexed under its *anchor* terms (entities, speakers, regions, countries,
topics, sources, languages it cannot match without); an article's own terms select the
candidate rules, and only those are evaluated in full. Rules without anchors (a lone
phrase or a ``not``) are evaluated for every article.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from newsmon.alerts.rules import Condition, Rule
from newsmon.models.alert import Alert, Highlight, alert_id
from newsmon.models.enrichment import EnrichedArticle
from newsmon.nlp.knowledge import KnowledgeBase, fold

Term = tuple[str, str]


class _ArticleView:
    """The facts of one enriched article that conditions look at, folded once."""

    def __init__(self, item: EnrichedArticle) -> None:
        article, enrichment = item.article, item.enrichment
        self.title = article.title
        self.body = article.body
        self.source = fold(article.source or "")
        self.language = (enrichment.language or article.language or "").lower()
        first_break = article.body.find("\n", 1)
        lead_end = first_break if first_break > 0 else len(article.body)
        self.entities: dict[str, tuple[int, bool, str, bool]] = {}
        self.aliases: dict[str, set[str]] = {}
        for entity in enrichment.entities:
            names = {fold(entity.canonical), fold(entity.key), *(fold(a) for a in entity.aliases)}
            for name in names:
                in_lead = bool(entity.mentions) and entity.mentions[0].start < lead_end
                self.entities[name] = (entity.count, entity.in_title, entity.canonical, in_lead)
                self.aliases[name] = names
        self.quotes = [
            (fold(q.speaker or ""), fold(q.speaker_key or ""), fold(q.text)) for q in enrichment.quotes
        ]
        self.regions = {fold(r) for r in enrichment.regions}
        self.countries = {c.upper() for c in enrichment.countries} | {
            fold(p.country) for p in enrichment.places if p.country
        }
        self.topics = {t.label: t.score for t in enrichment.topics}

    def terms(self) -> set[Term]:
        terms: set[Term] = {("entity", name) for name in self.entities}
        terms |= {("entity", s) for s, _, _ in self.quotes if s} | {
            ("entity", k) for _, k, _ in self.quotes if k
        }
        terms |= {("region", r) for r in self.regions}
        terms |= {("country", c) for c in self.countries}
        terms |= {("topic", t) for t in self.topics}
        terms |= {("source", self.source), ("language", self.language)}
        return terms


def _matches(condition: Condition, view: _ArticleView, matched: list[str]) -> bool:
    if condition.all_ is not None:
        return all(_matches(c, view, matched) for c in condition.all_)
    if condition.any_ is not None:
        return any(
            [_matches(c, view, matched) for c in condition.any_]
        )  # evaluate every branch: all matches are reported
    if condition.not_ is not None:
        return not _matches(condition.not_, view, [])
    hit = _leaf(condition, view)
    if hit is not None:
        matched.append(hit)
    return hit is not None


def _leaf(c: Condition, view: _ArticleView) -> str | None:
    if c.entity is not None:
        found = view.entities.get(fold(c.entity.name))
        if (
            found
            and found[0] >= c.entity.min_mentions
            and (found[1] or not c.entity.in_title)
            and (found[3] or not c.entity.in_lead)
        ):
            return f"entity:{found[2]}"
        return None
    if c.quoted is not None:
        name = fold(c.quoted)
        names = view.aliases.get(name, {name})
        return f"quoted:{c.quoted}" if any(s in names or k in names for s, k, _ in view.quotes) else None
    if c.quote_mentions is not None:
        q = c.quote_mentions
        speakers = view.aliases.get(fold(q.speaker), {fold(q.speaker)}) if q.speaker else None
        topic_names = view.aliases.get(fold(q.text), {fold(q.text)})
        for speaker, key, text in view.quotes:
            if speakers is not None and speaker not in speakers and key not in speakers:
                continue
            if any(re.search(rf"\b{re.escape(n)}\b", text) for n in topic_names if n):
                return f"quote_mentions:{q.text}"
        return None
    if c.region is not None:
        return f"region:{c.region}" if fold(c.region) in view.regions else None
    if c.country is not None:
        code = c.country.upper() if len(c.country) == 2 else fold(c.country)
        return f"country:{c.country}" if code in view.countries else None
    if c.topic is not None:
        score = view.topics.get(c.topic.label)
        return f"topic:{c.topic.label}" if score is not None and score >= c.topic.min_score else None
    if c.phrase is not None:
        texts = [view.title if f == "title" else view.body for f in c.phrase.fields]
        if c.phrase.regex:
            pattern = re.compile(c.phrase.regex, re.IGNORECASE)
            return f"phrase:{c.phrase.regex}" if any(pattern.search(t) for t in texts) else None
        needle = fold(c.phrase.text or "")
        return f"phrase:{c.phrase.text}" if any(needle in fold(t) for t in texts) else None
    if c.source is not None:
        wanted = fold(c.source)
        return f"source:{c.source}" if view.source == wanted or view.source.endswith("." + wanted) else None
    if c.language is not None:
        return f"language:{c.language}" if view.language == c.language.lower() else None
    if c.every_article:
        return "every_article"
    return None


def _anchors(condition: Condition) -> set[Term] | None:
    """Terms an article must have for the condition to possibly hold (None: no such terms)."""
    if condition.all_ is not None:
        options = [a for a in (_anchors(c) for c in condition.all_) if a]
        return min(options, key=len) if options else None
    if condition.any_ is not None:
        union: set[Term] = set()
        for child in condition.any_:
            anchors = _anchors(child)
            if not anchors:
                return None
            union |= anchors
        return union
    if condition.not_ is not None or condition.phrase is not None:
        return None
    if condition.entity is not None:
        return {("entity", fold(condition.entity.name))}
    if condition.quoted is not None:
        return {("entity", fold(condition.quoted))}
    if condition.quote_mentions is not None:
        return (
            {("entity", fold(condition.quote_mentions.speaker))} if condition.quote_mentions.speaker else None
        )
    if condition.region is not None:
        return {("region", fold(condition.region))}
    if condition.country is not None:
        c = condition.country
        return {("country", c.upper() if len(c) == 2 else fold(c))}
    if condition.topic is not None:
        return {("topic", condition.topic.label)}
    if condition.source is not None:
        return None  # subdomains match too: no exact anchor
    if condition.language is not None:
        return {("language", condition.language.lower())}
    return None


def canonicalise(condition: Condition, kb: KnowledgeBase) -> Condition:
    """The condition with every name the knowledge base knows replaced by its canonical name,
    so a rule on "Zelenskyy" matches an article that wrote "Volodymyr Zelensky"."""

    def name(value: str) -> str:
        known = kb.lookup(value)
        return known.canonical if known is not None else value

    update: dict[str, Any] = {}
    if condition.all_ is not None:
        update["all_"] = [canonicalise(c, kb) for c in condition.all_]
    elif condition.any_ is not None:
        update["any_"] = [canonicalise(c, kb) for c in condition.any_]
    elif condition.not_ is not None:
        update["not_"] = canonicalise(condition.not_, kb)
    elif condition.entity is not None:
        update["entity"] = condition.entity.model_copy(update={"name": name(condition.entity.name)})
    elif condition.quoted is not None:
        update["quoted"] = name(condition.quoted)
    elif condition.quote_mentions is not None:
        q = condition.quote_mentions
        update["quote_mentions"] = q.model_copy(
            update={"speaker": name(q.speaker) if q.speaker else None, "text": name(q.text)}
        )
    return condition.model_copy(update=update) if update else condition


class RuleIndex:
    """Enabled rules, indexed by their anchor terms."""

    def __init__(self, rules: list[Rule], kb: KnowledgeBase | None = None) -> None:
        if kb is not None:
            rules = [r.model_copy(update={"when": canonicalise(r.when, kb)}) for r in rules]
        self.rules = [r for r in rules if r.enabled]
        self.has_first_seen_rules = any(r.first_seen is not None for r in self.rules)
        self.has_story_growth_rules = any(r.story_growth is not None for r in self.rules)
        self._by_id = {r.id: r for r in self.rules}
        self._by_term: dict[Term, list[Rule]] = defaultdict(list)
        self._unanchored: list[Rule] = []
        for rule in self.rules:
            anchors = _anchors(rule.when)
            if anchors:
                for term in anchors:
                    self._by_term[term].append(rule)
            else:
                self._unanchored.append(rule)

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def match(self, item: EnrichedArticle) -> list[Alert]:
        """The alerts of one article, one per matching rule."""
        view = _ArticleView(item)
        candidates: dict[str, Rule] = {r.id: r for r in self._unanchored}
        for term in view.terms():
            for rule in self._by_term.get(term, ()):
                candidates[rule.id] = rule
        alerts = []
        for rule in candidates.values():
            matched: list[str] = []
            if _matches(rule.when, view, matched):
                article = item.article
                alerts.append(
                    Alert(
                        id=alert_id(rule.id, article.id),
                        rule_id=rule.id,
                        rule_name=rule.name or rule.id,
                        severity=rule.severity,
                        owner=rule.owner,
                        channels=rule.channels,
                        article_id=article.id,
                        story_id=article.story_id,
                        title=item.enrichment.headline or article.title,
                        headline_derived=item.enrichment.headline_derived,
                        group=f"{rule.id}|{article.story_id or article.id}"
                        if rule.group_by == "story"
                        else "",
                        source=article.source,
                        url=article.url,
                        published_at=article.published_at,
                        matched=sorted(set(matched)),
                        highlights=highlights(item, matched),
                    )
                )
        return sorted(alerts, key=lambda a: a.rule_id)


_SNIPPET_CONTEXT = 90


def _snippet(field: str, text: str, start: int, end: int) -> Highlight:
    left = max(0, start - _SNIPPET_CONTEXT)
    right = min(len(text), end + _SNIPPET_CONTEXT)
    return Highlight(field=field, text=text[left:right], start=start - left, end=end - left)


def highlights(item: EnrichedArticle, matched: list[str], limit: int = 3) -> list[Highlight]:
    """Passages of the article behind the matched conditions (entity mentions, quotes, phrases)."""
    article, enrichment = item.article, item.enrichment
    found: list[Highlight] = []
    for term in dict.fromkeys(matched):
        kind, _, value = term.partition(":")
        wanted = fold(value)
        if kind == "entity":
            for entity in enrichment.entities:
                if fold(entity.canonical) == wanted and entity.mentions:
                    m = entity.mentions[0]
                    found.append(_snippet("body", article.body, m.start, m.end))
                    break
        elif kind in ("quoted", "quote_mentions"):
            for quote in enrichment.quotes:
                names = {fold(quote.speaker or ""), fold(quote.speaker_key or "")}
                if (kind == "quoted" and wanted in names) or (
                    kind == "quote_mentions" and wanted in fold(quote.text)
                ):
                    found.append(_snippet("body", article.body, quote.start, quote.end))
                    break
        elif kind == "phrase" and value:
            try:
                pattern = re.compile(value, re.IGNORECASE)
            except re.error:
                pattern = re.compile(re.escape(value), re.IGNORECASE)
            for field, text in (("title", article.title), ("body", article.body)):
                hit = pattern.search(text)
                if hit is not None:
                    found.append(_snippet(field, text, hit.start(), hit.end()))
                    break
    return found[:limit]
