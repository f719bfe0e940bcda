"""Which partitions each of N pipeline processes reads (`pipeline.share`, `--share K/N`)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from newsmon.connectors.kafka_source import partitions_of_share
from newsmon.settings import PipelineSettings


def test_shares_of_partitions_are_disjoint_and_cover_the_topic() -> None:
    partitions = [4, 0, 5, 1, 3, 2]
    shares = [partitions_of_share(partitions, (k, 3)) for k in (1, 2, 3)]
    assert shares == [[0, 3], [1, 4], [2, 5]]
    assert partitions_of_share(partitions, (1, 1)) == [0, 1, 2, 3, 4, 5]
    assert partitions_of_share([0, 1], (3, 3)) == []
    with pytest.raises(ValueError, match="between 1 and N"):
        partitions_of_share(partitions, (4, 3))


def test_share_setting_is_checked() -> None:
    assert PipelineSettings(share="2/3").share_of_partitions == (2, 3)
    for bad in ("0/2", "3/2", "1-2", "1/0"):
        with pytest.raises(ValidationError):
            PipelineSettings(share=bad)
