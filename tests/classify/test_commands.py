from __future__ import annotations

import json
from pathlib import Path

import pytest

from masthead.classify import CATEGORIES
from masthead.cli import build_parser, main


def test_classify_adds_lang_and_scores_and_keeps_other_fields(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [{"id": index, "text": text} for index, text in enumerate(["选举结果公布", "Election results are in", ""])]
    source.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    assert main(["classify", "--input", str(source), "--output", str(target)]) == 0
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [record["id"] for record in records] == [0, 1, 2]
    assert [record["lang"] for record in records[:2]] == ["zh", "en"]
    assert all(tuple(record["scores"]) == CATEGORIES for record in records)


def test_classify_rejects_lines_without_text(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"body": "no text field"}\n', encoding="utf-8")
    assert main(["classify", "--input", str(source), "--output", str(tmp_path / "out.jsonl")]) == 2


def test_train_takes_a_data_directory(tmp_path: Path) -> None:
    args = build_parser().parse_args(["train", "--data", str(tmp_path / "missing")])
    assert args.func(args) == 2


def test_train_reports_each_stage_with_the_time_since_it_began(capsys: pytest.CaptureFixture[str]) -> None:
    from masthead.classify.evaluation import stage_printer

    stage = stage_printer("masthead train")
    stage("fitting the seven heads on every training row")
    assert capsys.readouterr().err == "masthead train [0:00] fitting the seven heads on every training row\n"
