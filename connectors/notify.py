"""Delivering alerts where the desk works: generic webhook (JSON, HMAC-signed), Slack-compatible
webhook, and email over SMTP. Each delivery retries with backoff and then gives up with a
result saying why; it never raises, so a channel that keeps failing cannot stop the pipeline.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from newsmon.connectors.search.bulk import RetryPolicy
from newsmon.models.alert import Alert
from newsmon.settings import ChannelSettings

SIGNATURE_HEADER = "X-Newsmon-Signature"


@dataclass(frozen=True)
class DeliveryResult:
    channel: str
    ok: bool
    attempts: int
    error: str | None = None


@dataclass(frozen=True)
class Notification:
    """What a channel sends: one alert, or a digest of several. Text parts come from
    articles and are untrusted: each sender escapes them for its medium."""

    id: str
    severity: str
    subject: str
    lines: list[str]
    payload: dict[str, Any]


def _describe(alert: Alert) -> list[str]:
    return [
        f"Article: {alert.title}",
        f"Source: {alert.source or '?'}  {alert.url or ''}",
        f"Published: {alert.published_at.isoformat() if alert.published_at else '?'}",
        f"Matched: {', '.join(alert.matched)}",
    ]


def alert_notification(alert: Alert) -> Notification:
    """The message of one alert."""
    return Notification(
        id=alert.id,
        severity=alert.severity,
        subject=f"[newsmon {alert.severity}] {alert.rule_name}: {alert.title}",
        lines=[f"Rule: {alert.rule_name} ({alert.rule_id}), severity {alert.severity}", *_describe(alert)],
        payload=alert_payload(alert),
    )


def digest_notification(digest_id: str, alerts: list[Alert], start: datetime, end: datetime) -> Notification:
    """One message listing the alerts of a digest rule raised in [start, end)."""
    first = alerts[0]
    lines = [
        f"Rule: {first.rule_name} ({first.rule_id}): {len(alerts)} alerts "
        f"from {start.isoformat()} to {end.isoformat()}"
    ]
    for n, alert in enumerate(alerts, 1):
        lines += ["", f"{n}.", *_describe(alert)]
    return Notification(
        id=digest_id,
        severity=first.severity,
        subject=f"[newsmon {first.severity}] {first.rule_name}: digest of {len(alerts)} alerts",
        lines=lines,
        payload={
            "type": "newsmon.digest",
            "digest": {
                "id": digest_id,
                "rule_id": first.rule_id,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "alerts": [a.model_dump(mode="json") for a in alerts],
            },
        },
    )


def alert_payload(alert: Alert) -> dict[str, Any]:
    """The JSON a webhook receives."""
    return {"type": "newsmon.alert", "alert": alert.model_dump(mode="json")}


def sign(body: bytes, secret: str) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact request body, GitHub-style."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _slack_escape(text: str) -> str:
    # Slack's control characters: article text must not become links or mentions.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(notification: Notification) -> dict[str, Any]:
    return {"text": "\n".join(_slack_escape(line) for line in [notification.subject, *notification.lines])}


def _post_json(url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - checked above
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise OSError(f"HTTP {response.status}")


def send_webhook(channel: ChannelSettings, notification: Notification) -> None:
    body = json.dumps(notification.payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json", "X-Newsmon-Alert-Id": notification.id}
    if channel.secret is not None:
        headers[SIGNATURE_HEADER] = sign(body, channel.secret.get_secret_value())
    _post_json(channel.url or "", body, headers, channel.timeout)


def send_slack(channel: ChannelSettings, notification: Notification) -> None:
    body = json.dumps(slack_payload(notification), ensure_ascii=False).encode("utf-8")
    _post_json(channel.url or "", body, {"Content-Type": "application/json"}, channel.timeout)


def email_message(channel: ChannelSettings, notification: Notification) -> EmailMessage:
    message = EmailMessage()
    message["From"] = channel.sender
    message["To"] = ", ".join(channel.recipients)
    # Header injection: no line breaks from article text into headers.
    message["Subject"] = " ".join(notification.subject.split())[:200]
    message["Message-ID"] = f"<{notification.id}@newsmon>"
    message.set_content("\n".join(notification.lines))
    return message


def send_email(channel: ChannelSettings, notification: Notification) -> None:
    if not channel.recipients:
        raise ValueError("email channel has no recipients")
    with smtplib.SMTP(channel.smtp_host, channel.smtp_port, timeout=channel.timeout) as smtp:
        if channel.smtp_starttls:
            smtp.starttls()
        if channel.smtp_username and channel.smtp_password is not None:
            smtp.login(channel.smtp_username, channel.smtp_password.get_secret_value())
        smtp.send_message(email_message(channel, notification))


SENDERS: dict[str, Callable[[ChannelSettings, Notification], None]] = {
    "webhook": send_webhook,
    "slack": send_slack,
    "email": send_email,
}


def deliver(
    name: str,
    channel: ChannelSettings,
    message: Alert | Notification,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryResult:
    """Send an alert (or a digest) through one channel, retrying with capped backoff; never raises."""
    try:
        notification = alert_notification(message) if isinstance(message, Alert) else message
    except Exception as e:  # the alert itself cannot be put into a message: no retry helps
        return DeliveryResult(name, False, 0, f"cannot build the notification: {type(e).__name__}: {e}")
    policy = RetryPolicy(max_retries=channel.max_attempts - 1, initial_backoff=channel.initial_backoff)
    error = ""
    for attempt in range(channel.max_attempts):
        try:
            SENDERS[channel.type](channel, notification)
            return DeliveryResult(name, True, attempt + 1)
        except (OSError, ValueError, smtplib.SMTPException) as e:
            error = f"{type(e).__name__}: {e}"
            if attempt + 1 < channel.max_attempts:
                sleep(policy.delay(attempt))
        except Exception as e:  # not the network's doing: a retry would fail the same way
            return DeliveryResult(name, False, attempt + 1, f"{type(e).__name__}: {e}")
    return DeliveryResult(name, False, channel.max_attempts, error)


def unconfigured(reference: str) -> DeliveryResult:
    """The failed delivery to a channel that ``alerts.channels`` lacks."""
    kind, _, name = reference.partition(":")
    return DeliveryResult(reference, False, 0, f"no {kind} channel named {name!r} in alerts.channels")


class Outbox:
    """Deliveries in flight: one background thread per channel, in order within a channel,
    so that a slow or failing endpoint holds up neither the caller nor the other channels.
    Outcomes come back in the order the deliveries were sent."""

    def __init__(self) -> None:
        self._senders: dict[str, ThreadPoolExecutor] = {}
        self._pending: deque[tuple[Alert, Future[DeliveryResult]]] = deque()

    def send(self, alert: Alert, reference: str, channel: ChannelSettings | None) -> None:
        """Start delivering ``alert`` to ``reference`` (``channel`` None: not configured)."""
        if channel is None:
            done: Future[DeliveryResult] = Future()
            done.set_result(unconfigured(reference))
            self._pending.append((alert, done))
            return
        sender = self._senders.get(reference)
        if sender is None:
            sender = self._senders[reference] = ThreadPoolExecutor(
                1, thread_name_prefix=f"deliver-{reference}"
            )
        self._pending.append((alert, sender.submit(deliver, reference, channel, alert)))

    def outcomes(self, wait: bool) -> Iterator[tuple[Alert, DeliveryResult]]:
        """The outcomes of the deliveries sent, in order; without ``wait``, only up to the
        first still going."""
        while self._pending and (wait or self._pending[0][1].done()):
            alert, future = self._pending.popleft()
            yield alert, future.result()

    def close(self) -> None:
        for sender in self._senders.values():
            sender.shutdown(wait=True)
        self._senders.clear()
