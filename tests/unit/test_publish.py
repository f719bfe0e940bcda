"""The alerts a publishing bundle writes: each id once, none already published."""

from newsmon.models.alert import Alert, alert_id
from newsmon.pipelines.stages.publish import unpublished


def _alert(article_id: str) -> Alert:
    return Alert(
        id=alert_id("r", article_id),
        rule_id="r",
        rule_name="r",
        severity="high",
        article_id=article_id,
        title="t",
        matched=["language:en"],
    )


def test_a_bundle_publishes_each_alert_once_and_none_published_before() -> None:
    a, b, c = _alert("a"), _alert("b"), _alert("c")
    due = list(unpublished([a, b, a, c, b], reached={b.id}))
    assert [x.article_id for x in due] == ["a", "c"]
