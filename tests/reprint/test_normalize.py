from __future__ import annotations

from masthead.reprint.normalize import normalize, strip_boilerplate


def test_full_width_traditional_punctuation_and_case_fold_to_one_form() -> None:
    assert normalize("深圳地鐵將設立ＶＩＰ頭等車廂　買雙倍票，可享坐票！") == normalize("深圳地铁将设立VIP头等车厢 买双倍票 可享坐票")
    assert normalize("深圳地铁将设立VIP头等车厢") == "深圳地铁将设立vip头等车厢"


def test_english_punctuation_and_whitespace_fold_to_single_spaces() -> None:
    assert normalize("Hello,   World!\n\n(Isn't it?)") == "hello world isn t it"


def test_headers_signatures_and_footers_are_stripped() -> None:
    body = "深圳今后将设地铁头等车厢，设坐票制。"
    wrapped = "\n".join(
        ("转载自新华网", "来源：人民日报", body + "（责任编辑：王某）", "责任编辑：李娜", "本文来源：搜狐", "版权所有 未经授权不得转载")
    )
    assert normalize(wrapped) == normalize(body)
    english = "Reprinted from BBC News\nThe council met on Tuesday.\nFollow us on Twitter\nCopyright 2024 Example. All rights reserved."
    assert normalize(english) == "the council met on tuesday"


def test_a_long_paragraph_that_starts_like_boilerplate_is_kept() -> None:
    paragraph = "Source: " + "officials said the bridge would reopen next week after repairs. " * 5
    assert strip_boilerplate(paragraph) == paragraph
