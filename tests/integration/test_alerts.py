"""Alerts in the stream: rules on leaders, regions, topics and quotes fire on real articles,
land in the alerts index and on the alerts topic, and re-delivery adds none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from newsmon.alerts.rules import load_rules
from newsmon.connectors.digests import DigestSender
from newsmon.connectors.notify import SIGNATURE_HEADER, sign
from newsmon.services.process import free_port
from newsmon.settings import AlertSettings
from tests.helpers import real_article_lines, shared_file
from tests.integration.conftest import World
from tests.integration.servers import Inbox, Receiver

RULES = """
rules:
  - id: putin-quoted
    severity: high
    channels: [index, kafka, webhook:desk, email:desk_mail]
    when: {quoted: Putin}
  - id: eastern-europe-conflict
    when:
      all:
        - region: Eastern Europe
        - topic: {label: conflict_defence, min_score: 0.5}
  - id: kremlin-quoted-on-nato
    when: {quote_mentions: {speaker: the Kremlin, text: NATO}}
  - id: new-zealand
    when: {country: NZ}
  - id: nato-burst
    name: More than 3 articles on NATO in 10 minutes
    when: {entity: NATO}
    frequency: {count: 4, minutes: 10}
  - id: nato-throttled
    when: {entity: NATO}
    throttle: {minutes: 60}
  - id: nato-digest
    channels: [index, webhook:desk, email:desk_mail]
    when: {entity: NATO}
    digest: {minutes: 60}
  - id: broken
    when: {phrase: {regex: "(unclosed"}}
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver([])
    yield server
    server.close()


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    mailbox, port = Inbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def test_rules_fire_exactly_the_expected_alerts(
    world: World, tmp_path: Path, receiver: Receiver, inbox: tuple[Inbox, int]
) -> None:
    (tmp_path / "desk.yaml").write_text(RULES)
    world.settings = world.settings.model_copy(update={"alerts": AlertSettings(rules_dir=tmp_path)})
    mailbox, smtp_port = inbox
    world.extra_env = {
        "NEWSMON_ALERTS__CHANNELS__DESK__TYPE": "webhook",
        "NEWSMON_ALERTS__CHANNELS__DESK__URL": receiver.url,
        "NEWSMON_ALERTS__CHANNELS__DESK__SECRET": "webhook-secret",
        "NEWSMON_ALERTS__CHANNELS__DESK_MAIL__TYPE": "email",
        "NEWSMON_ALERTS__CHANNELS__DESK_MAIL__SMTP_PORT": str(smtp_port),
        "NEWSMON_ALERTS__CHANNELS__DESK_MAIL__RECIPIENTS": '["desk@example.org"]',
        # The NATO articles are of 2018: let them count for the windowed rules.
        "NEWSMON_ALERTS__ALLOWED_LATENESS_MINUTES": str(10 * 365 * 24 * 60),
    }
    seed = json.dumps(
        {
            "title": "Johnson and Putin discuss Ukraine",
            "body": shared_file("seed-article.txt").read_text(),
            "source": "seed",
        }
    ).encode()
    business = [
        line
        for line in real_article_lines(40, "bbc-news/bbc-news-dev.jsonl")
        if json.loads(line)["category"] == "business"
    ][:5]
    # Real articles on NATO, published (we set the clock) within 8 minutes of each other.
    nato = [json.loads(line) for line in real_article_lines(400) if b"NATO" in line][:4]
    for n, item in enumerate(nato):
        item["published_at"] = f"2018-07-16T10:0{2 * n}:00+00:00"
    world.produce([seed, *business])
    # One partition, read in reverse publication order: the burst is complete only when the
    # earliest article, read last, comes in.
    world.produce([json.dumps(item).encode() for item in reversed(nato)], keys=[b"nato"] * len(nato))

    output = world.run_pipeline()
    assert "rule refused" in output and "broken" in output  # the bad rule is named, the rest run

    index = world.settings.search.alerts_index
    world.engine.refresh(index)
    hits = [
        h["_source"]
        for h in world.engine.search(index, {"query": {"match_all": {}}, "size": 100})["hits"]["hits"]
    ]
    by_rule: dict[str, list[dict[str, object]]] = {}
    for hit in hits:
        by_rule.setdefault(str(hit["rule_id"]), []).append(hit)
    assert {"putin-quoted", "eastern-europe-conflict", "kremlin-quoted-on-nato"} <= {
        r for r, alerts in by_rule.items() if any(a["source"] == "seed" for a in alerts)
    }
    assert "new-zealand" not in by_rule
    assert not any(a["source"] is None for a in hits)  # the business articles raised nothing
    (burst,) = by_rule["nato-burst"]
    assert burst["matched"][0] == "frequency:4 in 10 min"  # type: ignore[index]
    assert burst["window_start"].startswith("2018-07-16T10:00:00")  # type: ignore[attr-defined]
    # Throttled: one alert for the four NATO articles of 2018 (and one for today's seed).
    throttled = [a for a in by_rule["nato-throttled"] if a["source"] != "seed"]
    assert len(throttled) == 1
    digest_alerts = len(by_rule["nato-digest"])
    assert digest_alerts >= 5  # seed + the four of 2018, each in the index and on the topic
    on_topic = world.read_topic(world.settings.kafka.alerts_topic, expected=len(hits))
    assert sorted(json.loads(m.value)["id"] for m in on_topic) == sorted(str(h["id"]) for h in hits)  # type: ignore[attr-defined]

    # Delivered where the desk works: a signed webhook call and an email per group of
    # Putin-quoted alerts (one per story; the digest rule's channels wait for its digest).
    putin_alerts = len({a["group"] for a in by_rule["putin-quoted"]})
    assert putin_alerts >= 1
    assert [json.loads(body)["alert"]["rule_id"] for _, body in receiver.requests] == [
        "putin-quoted"
    ] * putin_alerts
    headers, body = receiver.requests[0]
    assert headers[SIGNATURE_HEADER] == sign(body, "webhook-secret")
    assert len(mailbox.messages) == putin_alerts and b"quoted:Vladimir Putin" in mailbox.messages[0]
    assert "webhook-secret" not in output  # secrets never logged

    # The same article delivered again: same alert ids, so the alerts index holds no more.
    world.produce([seed])
    world.run_pipeline()
    world.engine.refresh(index)
    assert world.engine.count(index) == len(hits)
    assert len(receiver.requests) == putin_alerts and len(mailbox.messages) == putin_alerts

    # The digest: once its hour has passed, one webhook call and one email list its alerts,
    # and a second pass (a restart) sends nothing again.
    sender = DigestSender(world.settings_from_env(), world.engine)
    rules, _ = load_rules(tmp_path)
    an_hour_later = datetime.now(UTC) + timedelta(hours=1)
    before = len(receiver.requests)
    sent = sender.send_due(rules, now=an_hour_later)
    # Two channels; two intervals each if the test ran across the full hour.
    assert sent and all(r.ok for r in sent) and len(sent) in (2, 4)
    digests = [json.loads(body) for _, body in receiver.requests[before:]]
    assert {d["type"] for d in digests} == {"newsmon.digest"}
    assert sum(len(d["digest"]["alerts"]) for d in digests) == digest_alerts
    assert b"digest of" in mailbox.messages[-1]
    assert sender.send_due(rules, now=an_hour_later) == []
