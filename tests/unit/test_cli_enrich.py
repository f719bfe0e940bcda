"""`newsmon enrich`: the batch command on a small file of real and broken lines."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newsmon.cli import app
from tests.helpers import real_article_lines


def test_enrich_file_writes_one_enriched_article_per_valid_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    target = tmp_path / "out.jsonl"
    lines = real_article_lines(3)
    source.write_bytes(b"\n".join([lines[0], b"{broken", lines[1], b"", lines[2]]) + b"\n")

    result = CliRunner().invoke(app, ["enrich", str(source), str(target)])

    assert result.exit_code == 0, result.output
    assert "line 2: not JSON" in result.output
    documents = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(documents) == 3
    for document in documents:
        assert document["language"] == "en"
        assert "Vladimir Putin" in document["entity_names"] or document["entities"]
        for entity in document["entities"]:
            for mention in entity["mentions"]:
                assert document["body"][mention["start"] : mention["end"]] == mention["text"]
