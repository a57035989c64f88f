"""Score an attribution extractor against gold annotations.

Gold comes from brat standoff files as distributed with PolNeAR/PARC
(``<split>/text/NAME.txt`` plus ``<split>/attributions/NAME_<annotator>.ann``) or
from this project's JSON Lines gold (one quote per line). Predictions come from
an extractor callable or from ``provenance extract --format jsonl`` output.

All offsets are half-open character (not byte) ranges into the document text.
A prediction matches a gold attribution when the Dice overlap of their content
character sets is at least :data:`MATCH_THRESHOLD`; matching is one to one and
greedy, highest Dice first. Counts are summed over documents before any ratio
is taken (micro-average); every ratio is 0.0–1.0, and 0.0 when undefined.

Malformed gold raises :class:`~provenance.errors.GoldFormatError`; unreadable
prediction lines and the reserved PolNeAR ``test`` split raise
:class:`~provenance.errors.InputError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from provenance.errors import InputError
from provenance.gold import (  # noqa: F401  (re-exported: evaluate is the entry point)
    APOSTROPHES,
    QUOTE_KINDS,
    QUOTE_MARKS,
    GoldAttribution,
    GoldDocument,
    Ranges,
    _locate,
    has_quote_mark,
    is_apostrophe,
    load_brat,
    load_jsonl_gold,
    merge_ranges,
    parse_brat,
    read_predictions,
    read_text,
    refuse_test_split,
)
from provenance.models import Attribution

Extractor = Callable[[str], list[Attribution]]

MATCH_THRESHOLD = 0.5
SPEECH_KINDS = frozenset({"direct", "mixed", "indirect"})
_STOP = "the a an of and or for to in on at by with from as his her their its he she they them it"
NAME_STOPWORDS = frozenset(f"{_STOP} we us our you your me my mr mrs ms dr jr sr".split(" "))


class Counts(BaseModel):
    """Attribution counts; see :class:`EvalReport` for what each is compared with."""

    gold: int = 0
    predicted: int = 0
    matched: int = 0
    gold_quotes: int = 0
    predicted_quotes: int = 0
    matched_quotes: int = 0
    gold_indirect: int = 0
    matched_indirect: int = 0
    speaker_correct: int = 0
    speaker_given: int = 0
    speaker_given_correct: int = 0
    cue_scored: int = 0
    cue_correct: int = 0


class DocumentResult(Counts):
    """Counts for one document, plus what was missed and what was spurious."""

    document: str
    missed: list[GoldAttribution] = Field(default_factory=list)
    spurious: list[Attribution] = Field(default_factory=list)


def ratio(numerator: int, denominator: int) -> float:
    """``numerator / denominator`` in 0.0–1.0, or 0.0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


def f1(precision: float, recall: float) -> float:
    """Harmonic mean of precision and recall (0.0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


class Metric(BaseModel):
    """One score of a report: ``value`` = ``numerator`` / ``denominator`` (0.0–1.0)."""

    metric: str
    value: float
    numerator: int | None = None
    denominator: int | None = None
    of: str = ""


class EvalReport(Counts):
    """Micro-averaged scores; all ratios are 0.0–1.0 (0.0 when undefined).

    ``precision``/``recall``/``f1``: direct+mixed+indirect predictions vs all gold.
    ``quote_*``: gold quotes vs direct+mixed predictions, matched on their own.
    ``indirect_recall``: gold non-quotes matched (in the all-attribution matching).
    ``speaker_accuracy``: over all matched pairs. ``speaker_precision``: over matched
    pairs whose prediction names a speaker (``speaker_given``): how often a speaker shown
    is the right one (a record with no speaker misleads no one). ``cue_accuracy``: over
    matched pairs whose gold has a cue span (``cue_scored``).
    """

    documents: int = 0
    skipped_gold: int = Field(default=0, description="gold events without content, not scored")
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    quote_precision: float = 0.0
    quote_recall: float = 0.0
    quote_f1: float = 0.0
    indirect_recall: float = 0.0
    speaker_accuracy: float = 0.0
    speaker_precision: float = 0.0
    cue_accuracy: float = 0.0
    details: list[DocumentResult] = Field(default_factory=list)
    unknown_documents: list[str] = Field(
        default_factory=list, description="prediction documents with no gold, ignored"
    )

    def metrics(self) -> list[Metric]:
        """The scores as rows, with the counts each ratio is made of."""
        return [
            Metric(metric="precision", value=self.precision, numerator=self.matched,
                   denominator=self.predicted, of="predicted attributions"),
            Metric(metric="recall", value=self.recall, numerator=self.matched,
                   denominator=self.gold, of="gold attributions"),
            Metric(metric="f1", value=self.f1),
            Metric(metric="quote_precision", value=self.quote_precision,
                   numerator=self.matched_quotes, denominator=self.predicted_quotes,
                   of="predicted direct+mixed"),
            Metric(metric="quote_recall", value=self.quote_recall, numerator=self.matched_quotes,
                   denominator=self.gold_quotes, of="gold quotes"),
            Metric(metric="quote_f1", value=self.quote_f1),
            Metric(metric="indirect_recall", value=self.indirect_recall,
                   numerator=self.matched_indirect, denominator=self.gold_indirect,
                   of="gold non-quotes"),
            Metric(metric="speaker_accuracy", value=self.speaker_accuracy,
                   numerator=self.speaker_correct, denominator=self.matched, of="matched pairs"),
            Metric(metric="speaker_precision", value=self.speaker_precision,
                   numerator=self.speaker_given_correct, denominator=self.speaker_given,
                   of="matched pairs with a predicted speaker"),
            Metric(metric="cue_accuracy", value=self.cue_accuracy, numerator=self.cue_correct,
                   denominator=self.cue_scored, of="matched pairs with a gold cue"),
        ]  # fmt: skip

    @classmethod
    def from_results(cls, results: Sequence[DocumentResult], skipped_gold: int = 0) -> EvalReport:
        """Sum per-document counts and derive the micro-averaged ratios."""
        c = {k: sum(getattr(r, k) for r in results) for k in Counts.model_fields}
        p, r = ratio(c["matched"], c["predicted"]), ratio(c["matched"], c["gold"])
        qp, qr = (
            ratio(c["matched_quotes"], c["predicted_quotes"]),
            ratio(c["matched_quotes"], c["gold_quotes"]),
        )
        return cls(
            documents=len(results), skipped_gold=skipped_gold, details=list(results),
            precision=p, recall=r, f1=f1(p, r), quote_precision=qp, quote_recall=qr,
            quote_f1=f1(qp, qr), indirect_recall=ratio(c["matched_indirect"], c["gold_indirect"]),
            speaker_accuracy=ratio(c["speaker_correct"], c["matched"]),
            speaker_precision=ratio(c["speaker_given_correct"], c["speaker_given"]),
            cue_accuracy=ratio(c["cue_correct"], c["cue_scored"]), **c,
        )  # fmt: skip


def overlap(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> int:
    """Number of characters in both range lists (each must be merged)."""
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def dice(a: Ranges, b: Ranges) -> float:
    """Dice coefficient 2|A∩B| / (|A|+|B|) of two merged range lists, 0.0–1.0."""
    size = sum(e - s for s, e in a) + sum(e - s for s, e in b)
    return 2 * overlap(a, b) / size if size else 0.0


def greedy_match(
    gold: Sequence[Ranges], predicted: Sequence[Ranges], threshold: float = MATCH_THRESHOLD
) -> list[tuple[int, int, float]]:
    """One-to-one ``(gold index, prediction index, dice)`` pairs, highest Dice first.

    Only pairs with Dice ≥ ``threshold`` (0.0–1.0) are considered; ties are broken by
    gold index, then prediction index, so results are deterministic.
    """
    return match_alternatives(gold, [[p] for p in predicted], threshold)


def match_alternatives(
    gold: Sequence[Ranges],
    predicted: Sequence[Sequence[Ranges]],
    threshold: float = MATCH_THRESHOLD,
) -> list[tuple[int, int, float]]:
    """:func:`greedy_match` where each prediction offers alternative contents.

    The Dice of a gold/prediction pair is the best over the prediction's
    alternatives (0.0–1.0); matching stays one to one between gold and predictions.
    """
    candidates = [
        (d, gi, pi)
        for gi, g in enumerate(gold)
        for pi, alts in enumerate(predicted)
        if (d := max(dice(g, a) for a in alts)) >= threshold
    ]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for d, gi, pi in candidates:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gi, pi, d))
    return pairs


def name_tokens(name: str) -> set[str]:
    """Lower-cased alphabetic tokens of ≥2 letters that are not :data:`NAME_STOPWORDS`."""
    return {t for t in re.findall(r"[^\W\d_]+", name.lower()) if len(t) >= 2} - NAME_STOPWORDS


def speaker_correct(gold: GoldAttribution, pred: Attribution) -> bool:
    """Whether the predicted speaker agrees with the gold source.

    Correct when the predicted mention span overlaps a gold Source span by ≥1 char,
    or the predicted name (resolved name, else mention text) shares a
    :func:`name_tokens` token with the gold source text. With no gold source, correct
    exactly when nothing was predicted.
    """
    if not gold.sources and not gold.source_text:
        return pred.speaker is None and pred.speaker_name is None
    if pred.speaker and overlap([(pred.speaker.start, pred.speaker.end)], gold.sources) > 0:
        return True
    name = pred.speaker_name or (pred.speaker.text if pred.speaker else "")
    return bool(name_tokens(name) & name_tokens(gold.source_text))


def cue_correct(gold: GoldAttribution, pred: Attribution) -> bool:
    """Whether the predicted cue span overlaps a gold Cue span by ≥1 char."""
    return pred.cue is not None and overlap([(pred.cue.start, pred.cue.end)], gold.cues) > 0


class _Predicted:
    """Predictions sharing one cue span, scored as one attribution.

    The extractor reports one speech event at the granularity a reader needs:
    "X said (clause with “a fragment”) and “another”" gives the clause as an
    ``indirect`` record plus each quoted fragment as a ``mixed`` record, and
    a quote continued after "…,” X said. “…”" gives one record per quotation,
    all with the same cue. Gold (PolNeAR) has one attribution per cue with a
    possibly discontinuous content, so records with the same cue span are
    pooled: content is the union, the group is a quote when any member is
    direct or mixed, and speaker and cue come from the first member. A group
    matches gold by the union or by any one member's content, whichever
    overlaps more: gold that keeps only the quoted fragment is matched too.
    """

    def __init__(self, members: list[Attribution]) -> None:
        self.first = members[0]
        self.ranges = merge_ranges((m.content.start, m.content.end) for m in members)
        self.is_quote = any(m.kind in QUOTE_KINDS for m in members)
        self.members = members
        # A gold that keeps only the quoted fragment (this project's JSONL gold)
        # matches the fragment's own record; PolNeAR's clause matches the union.
        own = [[(m.content.start, m.content.end)] for m in members]
        self.alternatives = [self.ranges, *(r for r in own if r != self.ranges)]


def group_by_cue(predictions: Sequence[Attribution]) -> list[_Predicted]:
    """Speech predictions (``nonspeech`` dropped) pooled by identical cue span."""
    groups: dict[object, list[Attribution]] = {}
    for i, p in enumerate(predictions):
        if p.kind not in SPEECH_KINDS:
            continue
        key = (p.cue.start, p.cue.end) if p.cue is not None else i
        groups.setdefault(key, []).append(p)
    return [_Predicted(members) for members in groups.values()]


def score_document(
    name: str, gold: Sequence[GoldAttribution], predictions: Sequence[Attribution]
) -> DocumentResult:
    """Score one document's predictions (``nonspeech`` ones ignored) against its gold.

    Predictions with the same cue span count as one attribution (:func:`group_by_cue`).
    """
    groups = group_by_cue(predictions)
    preds = [g.first for g in groups]
    pairs = match_alternatives([g.content for g in gold], [g.alternatives for g in groups])
    gold_q = [g for g in gold if g.is_quote]
    pred_q = [g for g in groups if g.is_quote]
    quote_pairs = match_alternatives([g.content for g in gold_q], [g.alternatives for g in pred_q])
    matched_g = {gi for gi, _, _ in pairs}
    matched_p = {pi for _, pi, _ in pairs}
    with_cue = [(gold[gi], preds[pi]) for gi, pi, _ in pairs if gold[gi].cues]
    right = [speaker_correct(gold[gi], preds[pi]) for gi, pi, _ in pairs]
    given = [n for n, (_, pi, _) in enumerate(pairs) if preds[pi].speaker is not None]
    return DocumentResult(
        document=name, gold=len(gold), predicted=len(preds), matched=len(pairs),
        gold_quotes=len(gold_q), predicted_quotes=len(pred_q), matched_quotes=len(quote_pairs),
        gold_indirect=sum(not g.is_quote for g in gold),
        matched_indirect=sum(not gold[gi].is_quote for gi in matched_g),
        speaker_correct=sum(right),
        speaker_given=len(given),
        speaker_given_correct=sum(right[n] for n in given),
        cue_scored=len(with_cue), cue_correct=sum(cue_correct(g, p) for g, p in with_cue),
        missed=[g for gi, g in enumerate(gold) if gi not in matched_g],
        spurious=[m for pi, g in enumerate(groups) if pi not in matched_p for m in g.members],
    )  # fmt: skip


def score_documents(
    documents: Sequence[GoldDocument], predictions: Mapping[str, Sequence[Attribution]]
) -> EvalReport:
    """Score predictions keyed by :attr:`GoldDocument.name`; a missing key means none."""
    results = [score_document(d.name, d.gold, predictions.get(d.name, [])) for d in documents]
    report = EvalReport.from_results(results, skipped_gold=sum(d.skipped for d in documents))
    known = {d.name for d in documents}
    report.unknown_documents = sorted(k for k in predictions if k not in known)
    return report


def run_extractor(documents: Sequence[GoldDocument], extractor: Extractor) -> EvalReport:
    """Run ``extractor`` on each document's text (its exceptions propagate) and score it."""
    return score_documents(documents, {d.name: extractor(d.text) for d in documents})


def evaluate_brat(folder: Path, extractor: Extractor, limit: int | None = None) -> EvalReport:
    """Run ``extractor`` over a PolNeAR-style split (never ``test``) and score it."""
    return run_extractor(load_brat(folder, limit), extractor)


def evaluate_jsonl_gold(gold_path: Path, corpus_dir: Path, extractor: Extractor) -> EvalReport:
    """Run ``extractor`` over the documents of a JSON Lines gold file and score it."""
    return run_extractor(load_jsonl_gold(gold_path, corpus_dir), extractor)


def evaluate_predictions(
    predictions: Path | Iterable[str], documents: Sequence[GoldDocument]
) -> EvalReport:
    """Score pre-computed JSON Lines predictions (a file or its lines) against gold.

    Predictions are keyed to gold by the file name of their ``document`` field;
    predicted documents with no gold are listed in ``unknown_documents``. Raises
    :class:`InputError` when a predicted span does not match its document's text.
    """
    source = str(predictions) if isinstance(predictions, Path) else "<predictions>"
    lines = read_text(predictions).splitlines() if isinstance(predictions, Path) else predictions
    grouped = read_predictions(lines, source)
    for doc in documents:
        for a in grouped.get(doc.name, []):
            if bad := [s for s in a.spans() if not s.holds_in(doc.text)]:
                raise InputError(source, f"{doc.name}: span {bad[0]!r} is not in the text")
    return score_documents(documents, grouped)


def evaluate(
    gold: Path,
    extractor: Extractor,
    predictions: Path | None = None,
    corpus: Path | None = None,
    limit: int | None = None,
) -> EvalReport:
    """Score ``predictions`` (a JSON Lines file) or, without them, ``extractor`` against gold.

    ``gold`` is a PolNeAR-style split folder (never ``test``) or a JSON Lines gold
    file whose documents live in ``corpus`` (default: ``corpus/`` beside the gold
    file's folder, as in ``shared/eval`` and ``shared/corpus``). ``limit`` keeps
    the first N brat texts. Raises GoldFormatError or InputError naming the file.
    """
    if gold.is_dir():
        documents = load_brat(gold, limit)
    elif gold.is_file():
        documents = load_jsonl_gold(gold, corpus or gold.resolve().parent.parent / "corpus")
    else:
        raise InputError(str(gold), "no such gold file or folder")
    if predictions is None:
        return run_extractor(documents, extractor)
    if not predictions.is_file():
        raise InputError(str(predictions), "no such predictions file")
    return evaluate_predictions(predictions, documents)
