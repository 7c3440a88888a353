from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from masthead.cli import main

ORIGINAL = "深圳今后将设地铁头等车厢，设坐票制。在未来的11号线上将增加特色服务，满足不同消费层次的乘客的不同需求。" * 3
OTHER = "The council voted on Tuesday to repair the harbour wall before the winter storms arrive in the town."


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    return path


def test_reprint_match_prints_one_line_per_query_with_matches_best_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _write(tmp_path / "corpus.jsonl", [{"id": "orig", "text": ORIGINAL}, {"id": 7, "text": OTHER}])
    queries = _write(
        tmp_path / "queries.jsonl",
        [{"id": "copy", "text": "轉載自新華網\n" + ORIGINAL.replace("地铁", "地鐵")}, {"id": "new", "text": "完全不同的内容"}],
    )
    assert main(["reprint", "match", "--corpus", str(corpus), "--queries", str(queries)]) == 0
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == ["copy", "new"]
    assert [match["id"] for match in lines[0]["matches"]] == ["orig"]
    assert 0.5 <= lines[0]["matches"][0]["similarity"] <= 1.0
    assert lines[1]["matches"] == []


def test_reprint_match_rejects_lines_without_id_or_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = _write(tmp_path / "corpus.jsonl", [{"text": OTHER}])
    assert main(["reprint", "match", "--corpus", str(corpus), "--queries", str(corpus)]) == 2
    assert "id" in capsys.readouterr().err
    assert main(["reprint", "match", "--corpus", str(corpus), "--queries", str(corpus), "--threshold", "0"]) == 2
