"""Which channels an alert is still to reach: the pure part of delivering it."""

from __future__ import annotations

from collections.abc import Callable

from newsmon.models.alert import Alert
from newsmon.settings import AlertSettings, ChannelSettings

SINK_CHANNELS = frozenset({"index", "kafka"})
"""Channels the pipeline's sinks serve (the alerts index and topic), not a delivery."""


def to_deliver(alerts: list[Alert]) -> tuple[list[Alert], int]:
    """The alerts that name an external channel and go out now, and how many were left for
    their rule's digest (sent by the digest scheduler instead)."""
    outgoing: list[Alert] = []
    digested = 0
    for alert in alerts:
        if not set(alert.channels) - SINK_CHANNELS:
            continue
        if alert.digest_minutes is not None:
            digested += 1
            continue
        outgoing.append(alert)
    return outgoing, digested


def due_channels(
    alert: Alert, settings: AlertSettings, sent_before: Callable[[str], bool] = lambda _: False
) -> list[tuple[str, ChannelSettings | None]]:
    """The external channels ``alert`` has yet to reach, with their settings (None: the rule
    names a channel that ``alerts.channels`` lacks)."""
    due: list[tuple[str, ChannelSettings | None]] = []
    for reference in alert.channels:
        if reference in SINK_CHANNELS or sent_before(reference):
            continue
        kind, _, name = reference.partition(":")
        channel = settings.channels.get(name)
        due.append((reference, channel if channel is not None and channel.type == kind else None))
    return due
