"""Alerts in the stream: rules on leaders, regions, topics and quotes fire on real articles,
land in the alerts index and on the alerts topic, and re-delivery adds none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from newsmon.connectors.notify import SIGNATURE_HEADER, sign
from newsmon.settings import AlertSettings
from tests.helpers import real_article_lines, shared_file
from tests.integration.conftest import World
from tests.integration.servers import Inbox, Receiver, free_port

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
  - id: sport
    when: {topic: sport}
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
    world.produce([seed, *business])

    output = world.run_pipeline()
    assert "rule refused" in output and "broken" in output  # the bad rule is named, the rest run

    index = world.settings.search.alerts_index
    world.engine.refresh(index)
    hits = world.engine.search(index, {"query": {"match_all": {}}, "size": 50})["hits"]["hits"]
    fired = sorted((h["_source"]["rule_id"], h["_source"]["source"]) for h in hits)
    assert fired == [
        ("eastern-europe-conflict", "seed"),
        ("kremlin-quoted-on-nato", "seed"),
        ("putin-quoted", "seed"),
    ]
    on_topic = world.read_topic(world.settings.kafka.alerts_topic, expected=3)
    assert sorted(json.loads(m.value)["rule_id"] for m in on_topic) == [r for r, _ in fired]  # type: ignore[attr-defined]

    # Delivered where the desk works: one signed webhook call, one email, for the one rule.
    assert [json.loads(body)["alert"]["rule_id"] for _, body in receiver.requests] == ["putin-quoted"]
    headers, body = receiver.requests[0]
    assert headers[SIGNATURE_HEADER] == sign(body, "webhook-secret")
    assert len(mailbox.messages) == 1 and b"quoted:Vladimir Putin" in mailbox.messages[0]
    assert "webhook-secret" not in output  # secrets never logged

    # The same article delivered again: same alert ids, so the alerts index holds no more.
    world.produce([seed])
    world.run_pipeline()
    world.engine.refresh(index)
    assert world.engine.count(index) == 3
    assert len(receiver.requests) == 1 and len(mailbox.messages) == 1
