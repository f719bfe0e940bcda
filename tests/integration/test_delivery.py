"""Alert delivery against real local servers: an HTTP receiver and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from apache_beam.pvalue import TaggedOutput
from apache_beam.utils.windowed_value import WindowedValue
from pydantic import SecretStr

from newsmon.connectors.notify import SIGNATURE_HEADER, deliver
from newsmon.models.alert import Alert
from newsmon.pipelines.stages.deliver import _DeliverFn
from newsmon.services.process import free_port, wait_until
from newsmon.settings import AlertSettings, ChannelSettings
from tests.integration.conftest import World
from tests.integration.servers import Inbox, Receiver

ALERT = Alert(
    id="a" * 32,
    rule_id="putin-quoted",
    rule_name="Putin quoted",
    severity="high",
    article_id="b" * 32,
    title="Putin says <b>NATO</b> & the West\nSubject: injected",
    source="example.com",
    url="https://example.com/a",
    published_at=datetime(2022, 2, 2, tzinfo=UTC),
    matched=["quoted:Vladimir Putin"],
)


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    server = Receiver(list(getattr(request, "param", [])))
    yield server
    server.close()


def test_webhook_is_signed_and_carries_the_alert(receiver: Receiver) -> None:
    channel = ChannelSettings(type="webhook", url=receiver.url, secret=SecretStr("s3cret"))
    result = deliver("desk", channel, ALERT, sleep=lambda _: None)
    assert result.ok and result.attempts == 1
    headers, body = receiver.requests[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == expected
    assert json.loads(body)["alert"]["rule_id"] == "putin-quoted"


@pytest.mark.parametrize("receiver", [[500, 503]], indirect=True)
def test_webhook_retries_with_backoff_then_succeeds(receiver: Receiver) -> None:
    waits: list[float] = []
    channel = ChannelSettings(type="webhook", url=receiver.url, initial_backoff=0.1)
    result = deliver("desk", channel, ALERT, sleep=waits.append)
    assert result.ok and result.attempts == 3 and waits == [0.1, 0.2]


@pytest.mark.parametrize("receiver", [[500] * 10], indirect=True)
def test_a_channel_that_keeps_failing_gives_up_with_the_reason(receiver: Receiver) -> None:
    channel = ChannelSettings(type="slack", url=receiver.url, max_attempts=3)
    result = deliver("slack", channel, ALERT, sleep=lambda _: None)
    assert not result.ok and result.attempts == 3 and "500" in (result.error or "")
    assert len(receiver.requests) == 3


def test_slack_text_is_escaped(receiver: Receiver) -> None:
    deliver("slack", ChannelSettings(type="slack", url=receiver.url), ALERT, sleep=lambda _: None)
    text = json.loads(receiver.requests[0][1])["text"]
    assert "&lt;b&gt;NATO&lt;/b&gt; &amp; the West" in text and "<b>" not in text


def test_email_reaches_a_real_smtp_server_without_header_injection() -> None:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        channel = ChannelSettings(type="email", smtp_port=port, recipients=["desk@example.org"])
        result = deliver("email", channel, ALERT, sleep=lambda _: None)
    finally:
        controller.stop()
    assert result.ok
    message = message_from_bytes(inbox.messages[0])
    assert message["To"] == "desk@example.org"
    assert message["Subject"].startswith("[newsmon high] Putin quoted: Putin says")
    assert "injected" in message["Subject"] and message.get_all("Subject") == [message["Subject"]]
    assert "quoted:Vladimir Putin" in message.get_payload()


def test_stage_dead_letters_what_cannot_be_delivered(receiver: Receiver) -> None:
    settings = AlertSettings(
        channels={
            "desk": ChannelSettings(type="webhook", url=receiver.url),
            "down": ChannelSettings(
                type="webhook", url="http://127.0.0.1:1/", max_attempts=2, initial_backoff=0.01
            ),
        }
    )
    alert = ALERT.model_copy(update={"channels": ["index", "webhook:desk", "webhook:down", "email:nobody"]})
    fn = _DeliverFn(settings)
    fn.setup()
    outputs = [*fn.process([alert]), *fn.finish_bundle()]
    fn.teardown()
    letters = [o.value.value if isinstance(o.value, WindowedValue) else o.value for o in outputs]
    assert all(isinstance(o, TaggedOutput) and o.tag == "dead_letters" for o in outputs)
    assert len(receiver.requests) == 1
    assert sorted(letter.reason.split(":")[0] for letter in letters) == ["email", "webhook"]
    assert all(letter.stage == "deliver" and letter.key == ALERT.id.encode() for letter in letters)
    assert any("no email channel named 'nobody'" in letter.reason for letter in letters)


def test_a_slow_channel_holds_up_neither_the_stage_nor_the_other_channels(receiver: Receiver) -> None:
    gate = threading.Event()
    slow = Receiver([], gate=gate)
    settings = AlertSettings(
        channels={
            "slow": ChannelSettings(type="webhook", url=slow.url, timeout=30),
            "desk": ChannelSettings(type="webhook", url=receiver.url),
        }
    )
    alerts = [
        ALERT.model_copy(update={"id": f"alert-{n}", "channels": ["webhook:slow", "webhook:desk"]})
        for n in range(3)
    ]
    fn = _DeliverFn(settings)
    fn.setup()
    try:
        # process() hands the alerts to the channels' senders and returns while the slow
        # endpoint still holds its first request; the other channel gets all three.
        assert list(fn.process(alerts)) == []
        assert wait_until(lambda: len(receiver.requests) == 3, 10)
        assert len(slow.requests) == 1
        gate.set()
        # The end of the bundle waits for every delivery (its offsets are committed next).
        assert list(fn.finish_bundle()) == []
        sent = [json.loads(body)["alert"]["id"] for _, body in slow.requests]
        assert sent == ["alert-0", "alert-1", "alert-2"]  # in order within a channel
    finally:
        gate.set()
        fn.teardown()
        slow.close()


def test_unreachable_smtp_server_is_a_failed_delivery_not_an_exception() -> None:
    channel = ChannelSettings(
        type="email", smtp_port=1, recipients=["x@example.org"], max_attempts=2, timeout=2
    )
    result = deliver("email", channel, ALERT, sleep=lambda _: None)
    assert not result.ok and "Connection" in (result.error or "")


def test_the_alerts_of_one_story_are_one_notification(receiver: Receiver, world: World) -> None:
    """One notification per story and channel, within a bundle and across bundles (the
    delivery records in the engine)."""
    run = uuid.uuid4().hex[:8]
    settings = AlertSettings(channels={"desk": ChannelSettings(type="webhook", url=receiver.url)})

    def alert(name: str, story: str) -> Alert:
        return ALERT.model_copy(
            update={
                "id": f"{name}-{run}",
                "group": f"putin-quoted|{story}-{run}",
                "channels": ["webhook:desk"],
            }
        )

    fn = _DeliverFn(settings, world.settings.search)
    fn.setup()
    try:
        assert [*fn.process([alert("copy-0", "a"), alert("copy-1", "a"), alert("other", "b")])] == []
        assert list(fn.finish_bundle()) == []
        # A later alert of the first story, in the next bundle: the story was notified.
        assert [*fn.process([alert("late", "a")]), *fn.finish_bundle()] == []
    finally:
        fn.teardown()
    sent = [json.loads(body)["alert"]["id"] for _, body in receiver.requests]
    assert sent == [f"copy-0-{run}", f"other-{run}"]
