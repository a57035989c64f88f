"""Score ``provenance.extract.extract`` on the PolNeAR dev split and show what it misses.

Usage::

    python -m benchmarks.polnear_dev [FOLDER] [--limit N] [--worst 15] [--examples 3] [--json OUT]

``FOLDER`` is a PolNeAR split with ``text/`` and ``attributions/`` (default
``../polnear/data/dev`` relative to the repository). The ``test`` split is reserved
for a final, one-off evaluation: this script refuses any folder named ``test``.
An exception from the extractor scores that document as empty and is listed
(``--strict`` lets it propagate instead).
Prints the micro-averaged metrics (0.0–1.0) and the documents with the most missed
gold attributions, with a few of the missed contents, to guide development.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = REPO.parent / "polnear" / "data" / "dev"


def shorten(text: str, limit: int = 100) -> str:
    """``text`` on one line, cut to at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--limit", type=int, default=None, help="score only the first N texts")
    parser.add_argument("--worst", type=int, default=15, help="documents to list (default 15)")
    parser.add_argument("--examples", type=int, default=3, help="missed contents per document")
    parser.add_argument("--json", type=Path, default=None, help="also write the full report here")
    parser.add_argument("--strict", action="store_true", help="stop at the first extractor error")
    args = parser.parse_args(argv)
    if args.folder.name == "test" or args.folder.resolve().name == "test":
        parser.error(f"{args.folder}: the PolNeAR test split is reserved; use dev or train")
    if not args.folder.is_dir():
        parser.error(f"{args.folder}: no such folder")

    from rich.console import Console
    from rich.table import Table

    from provenance.evaluate import load_brat, run_extractor
    from provenance.extract import extract
    from provenance.models import Attribution

    documents = load_brat(args.folder, args.limit)
    names = {d.text: d.name for d in documents}
    failures: list[str] = []

    def guarded(text: str) -> list[Attribution]:
        """``extract``, counting an exception as no predictions unless ``--strict``."""
        try:
            return extract(text)
        except Exception as exc:
            if args.strict:
                raise
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            failures.append(f"{names.get(text, '?')}: {type(exc).__name__} at {where}: {exc}")
            return []

    started = time.perf_counter()
    report = run_extractor(documents, guarded)
    seconds = time.perf_counter() - started
    console = Console()

    metrics = Table(title=f"{args.folder} — {report.documents} documents, {seconds:.1f} s")
    metrics.add_column("metric")
    metrics.add_column("value", justify="right")
    metrics.add_column("counts", justify="right")
    rows = [
        ("precision", report.precision, f"{report.matched}/{report.predicted} predicted"),
        ("recall", report.recall, f"{report.matched}/{report.gold} gold"),
        ("F1", report.f1, ""),
        ("quote precision", report.quote_precision,
         f"{report.matched_quotes}/{report.predicted_quotes} predicted direct+mixed"),
        ("quote recall", report.quote_recall, f"{report.matched_quotes}/{report.gold_quotes} gold"),
        ("quote F1", report.quote_f1, ""),
        ("indirect recall", report.indirect_recall,
         f"{report.matched_indirect}/{report.gold_indirect} gold non-quotes"),
        ("speaker accuracy", report.speaker_accuracy,
         f"{report.speaker_correct}/{report.matched} matched"),
        ("speaker precision", report.speaker_precision,
         f"{report.speaker_given_correct}/{report.speaker_given} with a speaker"),
        ("cue accuracy", report.cue_accuracy, f"{report.cue_correct}/{report.cue_scored} matched"),
    ]  # fmt: skip
    for name, value, counts in rows:
        metrics.add_row(name, f"{value:.3f}", counts)
    console.print(metrics)
    if failures:
        console.print(f"extract failed on {len(failures)} documents (scored as empty):")
        for failure in failures[:10]:
            console.print(f"  {shorten(failure, 160)}", markup=False, highlight=False)
    if report.skipped_gold:
        console.print(f"({report.skipped_gold} gold events without content were not scored)")

    worst = sorted(report.details, key=lambda d: (-len(d.missed), d.document))[: args.worst]
    console.print(f"\n{len(worst)} documents with the most missed gold (Q = gold quote):")
    for doc in worst:
        console.print(
            f"\n{doc.document}: gold {doc.gold}, matched {doc.matched}, "
            f"missed {len(doc.missed)}, spurious {len(doc.spurious)}",
            markup=False, highlight=False, style="bold",
        )  # fmt: skip
        for g in doc.missed[: args.examples]:
            line = f"  {'Q' if g.is_quote else '-'} {shorten(g.text)}"
            console.print(line, markup=False, highlight=False, soft_wrap=True)

    if args.json:
        args.json.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        console.print(f"report written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
