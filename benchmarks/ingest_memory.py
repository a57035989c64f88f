"""Peak memory of `provenance ingest` and `provenance export` as the corpus grows.

Usage::

    python -m benchmarks.ingest_memory [--docs 500] [--steps 3] [--workers 1]

For corpora of ``docs``, 2×``docs``, 4×``docs`` … generated articles
(tests/support.py), runs each command in a fresh process and prints its peak
resident memory (ru_maxrss, MiB). "Flat" means the peak does not grow with the
corpus: the last column gives each peak as a ratio to the smallest corpus's
(target: about 1.0, while the corpus grows 2×, 4×, …). The ingest runs with
``--no-match`` (cross-source clustering is a separate stage).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support import write_corpus

REPO = Path(__file__).resolve().parents[1]

# Runs the CLI in-process, then reports this process's peak RSS (KiB on Linux).
RUNNER = """
import resource, sys
from provenance.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def peak_mib(*args: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin"},
    )
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=500, help="articles in the smallest corpus")
    parser.add_argument("--steps", type=int, default=3, help="corpus sizes (doubling)")
    parser.add_argument("--workers", type=int, default=1, help="--workers for the ingest")
    args = parser.parse_args(argv)
    print(
        f"{'documents':>10} {'ingest MiB':>11} {'export MiB':>11} {'ingest x':>9} {'export x':>9}"
    )
    base: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for step in range(args.steps):
            n = args.docs * 2**step
            folder = Path(tmp) / f"c{n}"
            write_corpus(folder, n, seed=step)
            db = str(Path(tmp) / f"m{n}.db")
            ingest = peak_mib(
                "ingest",
                str(folder),
                "--db",
                db,
                "--quiet",
                "--no-match",
                "--workers",
                str(args.workers),
            )
            export = peak_mib("export", "--db", db, "--out", str(Path(tmp) / "out.jsonl"))
            base = base or (ingest, export)
            print(
                f"{n:>10} {ingest:>11.1f} {export:>11.1f} {ingest / base[0]:>9.2f} "
                f"{export / base[1]:>9.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
