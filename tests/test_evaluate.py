"""Tests for provenance.evaluate on small brat snippets written for these tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from provenance.errors import GoldFormatError, InputError
from provenance.evaluate import (
    GoldAttribution,
    dice,
    evaluate_brat,
    evaluate_jsonl_gold,
    evaluate_predictions,
    greedy_match,
    has_quote_mark,
    load_brat,
    name_tokens,
    parse_brat,
    score_document,
    speaker_correct,
)
from provenance.models import Attribution, ResolvedSpeaker, Span

TEXT = (
    "Mayor Lena Ortiz said the bridge would reopen in May. "
    '"We are not done yet," she added. '
    "Officials say the costs rose sharply. "
    "It’s a relief, one resident told reporters, "
    "but the plan, critics warned, is 'far too late' for shops."
)


def at(fragment: str, occurrence: int = 0) -> tuple[int, int]:
    """Character range of the ``occurrence``-th ``fragment`` in :data:`TEXT`."""
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(fragment, start + 1)
    return start, start + len(fragment)


def t_line(tid: str, kind: str, *fragments: str) -> str:
    """A brat text-bound line over one or more fragments of :data:`TEXT`."""
    ranges = [at(f) for f in fragments]
    offsets = ";".join(f"{s} {e}" for s, e in ranges)
    return f"{tid}\t{kind} {offsets}\t{' '.join(TEXT[s:e] for s, e in ranges)}"


ANN = "\n".join(
    [
        t_line("T1", "Source", "Mayor Lena Ortiz"),
        t_line("T2", "Cue", "said"),
        t_line("T3", "Content", "the bridge would reopen in May"),
        t_line("T4", "Attribution", "said"),
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
        t_line("T5", "Content", '"We are not done yet,"'),
        t_line("T6", "Source", "she"),
        t_line("T7", "Cue", "added"),
        "E2\tAttribution:T7 Source:T6 Cue:T7 Content:T5",
        t_line("T8", "Cue", "say"),
        t_line("T9", "Content", "the costs rose sharply"),
        "E3\tAttribution-no-source:T8 Cue:T8 Content:T9",
        t_line("T10", "Content", "It’s a relief"),
        t_line("T11", "Source", "one resident"),
        t_line("T12", "Cue", "told"),
        "E4\tAttribution:T12 Content:T10 Source:T11 Cue:T12",
        t_line("T13", "Content", "but the plan", "is 'far too late' for shops"),
        t_line("T14", "Source", "critics"),
        t_line("T15", "Cue", "warned"),
        "E5\tAttribution:T15 Content:T13 Source:T14 Cue:T15",
        "E6\tAttribution-no-source:T15 ",
        t_line("T16", "Discard", "Officials"),
        "#1\tAnnotatorNotes T16\ta note that is ignored",
    ]
)


@pytest.fixture
def split(tmp_path: Path) -> Path:
    """A split folder with one text annotated twice and one text not annotated."""
    folder = tmp_path / "dev"
    (folder / "text").mkdir(parents=True)
    (folder / "attributions").mkdir()
    (folder / "text" / "story.txt").write_text(TEXT, encoding="utf-8")
    (folder / "text" / "unannotated.txt").write_text("Nothing here.", encoding="utf-8")
    (folder / "attributions" / "story_aaaa.ann").write_text(ANN, encoding="utf-8")
    (folder / "attributions" / "story_bbbb.ann").write_text(ANN.split("\nT5")[0], encoding="utf-8")
    return folder


def gold_of(ann: str = ANN) -> list[GoldAttribution]:
    gold, _ = parse_brat(ann, TEXT)
    return gold


def attribution(
    kind: str, content: tuple[int, int], **spans: tuple[int, int] | None
) -> Attribution:
    """A prediction over :data:`TEXT` with optional ``speaker`` and ``cue`` ranges."""
    made = {k: Span.of(TEXT, *v) if v else None for k, v in spans.items()}
    return Attribution(kind=kind, content=Span.of(TEXT, *content), **made)


def as_predictions(gold: list[GoldAttribution]) -> list[Attribution]:
    """Gold turned into predictions: hull of the content, first source and cue fragment."""
    return [
        attribution(
            "direct" if g.is_quote else "indirect", (g.content[0][0], g.content[-1][1]),
            speaker=g.sources[0] if g.sources else None, cue=g.cues[0] if g.cues else None,
        )
        for g in gold
    ]  # fmt: skip


def test_parse_discontinuous_missing_and_ignored() -> None:
    gold, skipped = parse_brat(ANN, TEXT)
    assert skipped == 1  # E6 has no Content
    assert len(gold) == 5
    plan = gold[4]
    assert plan.content == [at("but the plan"), at("is 'far too late' for shops")]
    assert plan.text == "but the plan is 'far too late' for shops"
    assert gold[2].sources == [] and gold[2].source_text == ""
    assert gold[2].cues == [at("say")]
    assert gold[0].source_text == "Mayor Lena Ortiz"


def test_repeated_roles_are_pooled() -> None:
    ann = "\n".join([
        t_line("T1", "Content", "Officials say"),
        t_line("T2", "Content", "the costs rose sharply"),
        t_line("T3", "Cue", "say"),
        "E1\tAttribution:T3 Content:T1 Content2:T2 Cue:T3",
    ])  # fmt: skip
    (only,) = gold_of(ann)
    assert only.content == [at("Officials say"), at("the costs rose sharply")]


@pytest.mark.parametrize(
    "ann",
    [
        "T1\tContent 5 x\tbad",  # malformed offsets
        "E1\tAttribution:T9 Content:T8",  # unknown reference
        f"T1\tContent 0 {len(TEXT) + 5}\ttoo long",  # outside the text
        "T1\tContent 0 5\tWrong",  # does not match the document
    ],
)
def test_bad_brat_raises(ann: str) -> None:
    with pytest.raises(GoldFormatError):
        parse_brat(ann, TEXT)


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("the bridge would reopen in May", False),
        ('"We are not done yet,"', True),
        ("It’s a relief", False),  # apostrophe between two letters
        ("is 'far too late' for shops", True),
        ("«non»", True),
        ("‘yes’", True),
        ("the voters’ choice", False),  # plural possessive
        ("Sanders' plan", False),
        ("the U.N.'s record", False),
        ("the 1990's boom", False),
        ("the 'Dogs' rule", True),  # a quoted word ending in s is opened first
        ("''Not yet,''", True),  # doubled single quotes used as double quotes
        ("rock ’n’ roll", True),  # not between letters: the brief's rule counts it
    ],
)
def test_quote_classification(fragment: str, expected: bool) -> None:
    text = f"{TEXT} «non» and ‘yes’ or the voters’ choice, Sanders' plan, the U.N.'s record, "
    text += "the 1990's boom, the 'Dogs' rule, ''Not yet,'' rock ’n’ roll."
    start = text.index(fragment)
    assert has_quote_mark(text, [(start, start + len(fragment))]) is expected


def test_quotes_and_non_quotes_in_gold() -> None:
    assert [g.is_quote for g in gold_of()] == [False, True, False, False, True]


def test_first_annotator_file_is_used(split: Path) -> None:
    docs = load_brat(split)
    assert [d.name for d in docs] == ["story.txt"]  # the unannotated text is left out
    assert docs[0].source_file.endswith("story_aaaa.ann")
    assert len(docs[0].gold) == 5 and docs[0].skipped == 1


def test_gold_as_prediction_scores_one(split: Path) -> None:
    report = evaluate_brat(split, lambda text: as_predictions(gold_of()))
    assert (report.documents, report.gold, report.predicted, report.matched) == (1, 5, 5, 5)
    for metric in ("precision", "recall", "f1", "quote_f1", "indirect_recall"):
        assert getattr(report, metric) == 1.0, metric
    assert report.speaker_accuracy == 1.0 and report.cue_accuracy == 1.0
    assert report.details[0].missed == [] and report.details[0].spurious == []


def test_nothing_predicted(split: Path) -> None:
    report = evaluate_brat(split, lambda text: [])
    assert (report.precision, report.recall, report.f1) == (0.0, 0.0, 0.0)
    assert len(report.details[0].missed) == 5


@pytest.mark.parametrize(
    ("prediction", "matched"),
    [
        ((40, 140), True),  # Dice 0.6
        ((60, 160), False),  # Dice 0.4
        ((0, 34), True),  # Dice 68/134 > 0.5
        ((0, 33), False),  # Dice 66/133 < 0.5
        ((50, 150), True),  # Dice exactly 0.5 counts
    ],
)
def test_dice_threshold(prediction: tuple[int, int], matched: bool) -> None:
    assert bool(greedy_match([[(0, 100)]], [[prediction]])) is matched


def test_dice_of_discontinuous_content() -> None:
    assert dice([(0, 10), (20, 30)], [(0, 30)]) == pytest.approx(40 / 50)
    assert dice([(0, 10)], [(10, 20)]) == 0.0


def test_greedy_matching_is_one_to_one() -> None:
    gold = [[(0, 10)], [(10, 20)]]
    pairs = greedy_match(gold, [[(0, 12)], [(0, 10)]])
    assert pairs == [(0, 1, 1.0)]  # the exact prediction wins gold 0; the other may not reuse it
    assert greedy_match([[(0, 10)], [(0, 11)]], [[(0, 10)]]) == [(0, 0, 1.0)]


@pytest.mark.parametrize(
    ("shift_start", "shift_end", "matched"),
    [
        (5, 5, True),  # shifted right by 5 of 30 chars: Dice 50/60
        (-12, -12, True),  # shifted left into the cue and source: Dice 36/60
        (0, -7, True),  # partial, "the bridge would reopen": Dice 46/53
        (0, -20, True),  # "the bridge": Dice 20/40, exactly the threshold
        (0, -21, False),  # "the bridg": Dice 18/39
        (17, 0, True),  # "reopen in May": Dice 26/43
        (24, 0, False),  # "in May": Dice 12/36
    ],
)
def test_shifted_and_partial_predictions(shift_start: int, shift_end: int, matched: bool) -> None:
    s, e = at("the bridge would reopen in May")
    pred = attribution("indirect", (s + shift_start, e + shift_end))
    result = score_document("d", gold_of(), [pred])
    assert (result.matched, result.predicted) == (int(matched), 1)
    assert result.spurious == ([] if matched else [pred])


def test_quote_metrics_and_nonspeech() -> None:
    gold = gold_of()
    quote = at('"We are not done yet,"')
    result = score_document(
        "d", gold,
        [attribution("indirect", quote), attribution("nonspeech", at("'far too late'"))],
    )  # fmt: skip
    assert (result.predicted, result.matched) == (1, 1)  # nonspeech is ignored
    assert (result.gold_quotes, result.predicted_quotes, result.matched_quotes) == (2, 0, 0)
    assert (result.gold_indirect, result.matched_indirect) == (3, 0)


@pytest.mark.parametrize(
    ("source", "predicted", "name", "expected"),
    [
        ("Mayor Lena Ortiz", None, "Lena Ortiz", True),
        ("Mayor Lena Ortiz", None, "ORTIZ", True),  # case-insensitive
        ("Mayor Lena Ortiz", None, "The Mayor's Office", True),  # shares "mayor"
        ("one resident", None, "the resident", True),
        ("Mayor Lena Ortiz", None, "A. Ortega", False),
        ("critics", None, "the critics' group of", True),
        ("one resident", None, "of the a", False),  # stopwords only
        ("Mayor Lena Ortiz", "she", None, False),  # pronoun elsewhere, no name
        ("she", "she", None, True),  # span overlap
        ("Mayor Lena Ortiz", "Mayor Lena Ortiz", None, True),  # mention text as the name
        (None, None, None, True),  # no source, nothing predicted
        (None, "critics", None, False),
    ],
)
def test_speaker_rule(
    source: str | None, predicted: str | None, name: str | None, expected: bool
) -> None:
    sources = [at(source)] if source else []
    gold = GoldAttribution(content=[(0, 5)], text="", sources=sources, source_text=source or "")
    pred = attribution("indirect", (0, 5), speaker=at(predicted) if predicted else None)
    if name:
        pred = pred.model_copy(update={"resolved": ResolvedSpeaker(name=name)})
    assert speaker_correct(gold, pred) is expected


def test_name_tokens() -> None:
    assert name_tokens("The Secretary of State, Dr. J. Smith") == {"secretary", "state", "smith"}


def test_speaker_and_cue_accuracy() -> None:
    gold = gold_of()
    content = at("the bridge would reopen in May")
    right = attribution("indirect", content, speaker=at("Lena Ortiz"), cue=at("said"))
    wrong = attribution("indirect", content, speaker=at("she"), cue=at("added"))
    result = score_document("d", gold, [right])
    assert (result.speaker_correct, result.cue_scored, result.cue_correct) == (1, 1, 1)
    result = score_document("d", gold, [wrong])
    assert (result.speaker_correct, result.cue_scored, result.cue_correct) == (0, 1, 0)


def test_records_sharing_a_cue_are_scored_as_one_attribution() -> None:
    # "critics warned, is 'far too late' for shops": gold E5 has one discontinuous
    # content; the extractor gives the clause (indirect) and the fragment (mixed).
    gold = gold_of()
    cue = at("warned")
    clause = attribution("indirect", at("is 'far too late' for shops"), cue=cue)
    fragment = attribution("mixed", at("far too late"), cue=cue)
    result = score_document("d", gold, [clause, fragment])
    assert (result.predicted, result.matched) == (1, 1)
    assert (result.predicted_quotes, result.matched_quotes) == (1, 1)  # a quote via its fragment
    assert result.spurious == []
    # The fragment alone is too short to match (Dice < 0.5) and counts as one spurious quote.
    alone = score_document("d", gold, [fragment])
    assert (alone.predicted, alone.matched, alone.spurious) == (1, 0, [fragment])
    # Without a shared cue the two are separate predictions.
    apart = score_document("d", gold, [clause, fragment.model_copy(update={"cue": None})])
    assert (apart.predicted, apart.matched) == (2, 1)


def test_precomputed_jsonl_predictions(split: Path) -> None:
    docs = load_brat(split)
    lines = []
    for p in as_predictions(docs[0].gold):
        row: dict[str, Any] = {
            "document": "run/story.txt",
            "kind": p.kind,
            "content": p.content.model_dump(),
        }
        row |= {"speaker": p.speaker.model_dump() if p.speaker else None, "speaker_name": None}
        lines.append(json.dumps(row | {"cue": p.cue.model_dump() if p.cue else None}))
    lines.append(json.dumps({**json.loads(lines[0]), "document": "other.txt"}))
    path = split.parent / "predictions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = evaluate_predictions(path, docs)
    assert report.f1 == 1.0 and report.speaker_accuracy == 1.0
    assert report.unknown_documents == ["other.txt"]
    with pytest.raises(InputError, match="<predictions>:1"):
        evaluate_predictions(['{"document": "story.txt", "kind": "direct"}'], docs)
    shifted = json.loads(lines[0])
    shifted["content"]["start"] += 1
    shifted["content"]["end"] += 1
    with pytest.raises(InputError, match="not in the text"):
        evaluate_predictions([json.dumps(shifted)], docs)


def test_jsonl_gold(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    s, e = at("We are not done yet,")
    ss, se = at("far too late")
    rows = [
        {"doc": "a.txt", "start": s, "end": e, "text": TEXT[s:e], "speaker": "Lena Ortiz",
         "kind": "direct", "cue": "added"},
        {"doc": "a.txt", "start": ss, "end": se, "text": TEXT[ss:se], "speaker": None,
         "kind": "scare", "cue": None},
    ]  # fmt: skip
    gold_path = tmp_path / "gold.jsonl"
    gold_path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    pred = attribution("direct", (s - 1, e + 1), cue=at("added"))
    pred = pred.model_copy(update={"resolved": ResolvedSpeaker(name="Ortiz")})
    report = evaluate_jsonl_gold(gold_path, tmp_path, lambda text: [pred])
    assert (report.gold, report.matched, report.quote_f1) == (1, 1, 1.0)
    assert (report.speaker_accuracy, report.cue_accuracy) == (1.0, 1.0)
    rows[0]["text"] = "something else"
    gold_path.write_text(json.dumps(rows[0]), encoding="utf-8")
    with pytest.raises(GoldFormatError):
        evaluate_jsonl_gold(gold_path, tmp_path, lambda text: [])


def test_speaker_precision_counts_only_records_that_name_a_speaker() -> None:
    """A record with no speaker lowers speaker accuracy, not speaker precision; one with
    the wrong speaker lowers both."""
    gold, _ = parse_brat(ANN, TEXT)
    first, second, resident = (
        attribution("indirect", at("the bridge would reopen in May"),
                    speaker=at("Mayor Lena Ortiz"), cue=at("said")),
        attribution("direct", at('"We are not done yet,"'), speaker=None, cue=at("added")),
        attribution("indirect", at("It’s a relief"), speaker=at("reporters"), cue=at("told")),
    )  # fmt: skip
    report = score_document("story", gold, [first, second, resident])
    assert (report.matched, report.speaker_correct) == (3, 1)
    assert (report.speaker_given, report.speaker_given_correct) == (2, 1)


def test_test_split_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="reserved"):
        load_brat(tmp_path / "test")


def test_cli_evaluate_runs_extraction_on_a_split(split: Path) -> None:
    from typer.testing import CliRunner

    from provenance.cli import app

    result = CliRunner().invoke(app, ["evaluate", str(split), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["documents"] == 1 and report["gold"] == 5  # the unannotated text is left out
    assert 0.0 <= report["f1"] <= 1.0 and report["predicted"] >= 1
    csv_out = CliRunner().invoke(app, ["evaluate", str(split), "-f", "csv"])
    assert csv_out.exit_code == 0
    assert csv_out.output.splitlines()[0] == "metric,value,numerator,denominator,of"
    assert {line.split(",")[0] for line in csv_out.output.splitlines()[1:]} >= {
        "precision",
        "recall",
        "f1",
        "quote_f1",
        "indirect_recall",
        "speaker_accuracy",
        "speaker_precision",
        "cue_accuracy",
    }


def test_cli_evaluate_scores_given_predictions(split: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from provenance.cli import app

    preds = tmp_path / "preds.jsonl"
    rows = []
    for a in as_predictions(gold_of()):
        rows.append(json.dumps({
            "document": "somewhere/story.txt", "kind": a.kind,
            "content": a.content.model_dump(), "speaker": None, "speaker_name": None,
            "cue": a.cue.model_dump() if a.cue else None,
        }))  # fmt: skip
    preds.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(split), "-p", str(preds), "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["precision"] == 1.0 and report["recall"] == 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["evaluate", "{tmp}/missing"], "no such gold"),
        (["evaluate", "{split}", "-p", "{tmp}/none.jsonl"], "no such predictions"),
        (["evaluate", "{tmp}/test"], "reserved"),
        (["evaluate", "{split}", "-p", "{tmp}/bad.jsonl"], "bad.jsonl:1"),
    ],
)
def test_cli_evaluate_errors(split: Path, tmp_path: Path, args: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from provenance.cli import app

    (tmp_path / "test").mkdir()
    (tmp_path / "bad.jsonl").write_text("{not json\n", encoding="utf-8")
    argv = [a.format(tmp=tmp_path, split=split) for a in args]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code != 0
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output
