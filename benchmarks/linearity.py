"""Time and peak memory at 1×, 2× and 4× input sizes on inputs that used to be quadratic.

    python -m benchmarks.linearity [--ordinary-mb 2] [--cases nostop,ordinary,html]

Cases (issue 10):

* ``nostop``: "Mayor Jane Doe said that the bridge would close " repeated, no sentence
  end anywhere (was 384 KB → 1.6 GB RSS); extraction.
* ``ordinary``: one document made of the bundled sample articles repeated to the size
  (was 2 MB: 10 s, 8 MB: 111 s, 50 MB: not done in 15 min); ingested into a temporary
  SQLite store with ``--no-match`` (``--ordinary-mb 12.5`` makes 4× = 50 MB).
* ``html``: unclosed ``<div>`` nested 25,000 deep at 1× (100,000 at 4×; was 76 s),
  read as an HTML file and ingested the same way.

Each size runs in a fresh interpreter; "peak MB" is its peak resident memory minus
the resident memory once the input is built (ru_maxrss). Linear code shows time and
memory ratios near 2 and 4; the ratios are against 1× of the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import json, resource, sys, tempfile, time
    from pathlib import Path
    case, size = sys.argv[1], float(sys.argv[2])
    from provenance.extract import extract
    from provenance.ingest import ingest
    from provenance.store import open_store
    extract("“Warm up,” she said.")  # lexicons load outside the measurement
    tmp = Path(tempfile.mkdtemp())
    if case == "nostop":
        unit = "Mayor Jane Doe said that the bridge would close "
        data = unit * int(size * 1e6 / len(unit))
    elif case == "ordinary":
        samples = sorted(Path("data/samples").glob("*.txt"))
        base = "\\n\\n".join(p.read_text(encoding="utf-8") for p in samples)
        data = base * int(size * 1e6 / len(base) + 1)
        (tmp / "big.txt").write_text(data, encoding="utf-8")
    else:
        data = ("<html><body><article><p>" + "<div>" * int(size)
                + "“The bridge is safe,” said Mayor Lena Ortiz.</p></article></body></html>")
        (tmp / "deep.html").write_text(data, encoding="utf-8")
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if case == "nostop":
        found = extract(data)
        out = sum(len(a.content.text) for a in found)
    else:
        store = open_store(str(tmp / "b.db"))
        report = ingest(store, [tmp], match=False)
        assert report.failed == 0 and report.new == 1, report
        out = report.quotes
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"chars": len(data), "seconds": seconds,
                      "peak_mb": max(0, peak - base_rss) / 1024, "output": out}))
""")

SIZES = {"nostop": 0.384, "ordinary": 2.0, "html": 25_000}
UNITS = {"nostop": "MB of text", "ordinary": "MB of text", "html": "levels deep"}


def measure(case: str, size: float) -> dict[str, float]:
    run = subprocess.run(
        [sys.executable, "-c", CHILD, case, str(size)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        raise SystemExit(f"{case} at {size}: {run.stderr.strip().splitlines()[-1]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="nostop,ordinary,html")
    parser.add_argument(
        "--ordinary-mb",
        type=float,
        default=SIZES["ordinary"],
        help="1× size of the ordinary document in MB (12.5: 4× is 50 MB)",
    )
    args = parser.parse_args()
    SIZES["ordinary"] = args.ordinary_mb
    print(
        f"{'case':<9} {'×':>2} {'size':>18} {'seconds':>8} {'time ×':>7} "
        f"{'peak MB':>8} {'mem ×':>6} {'output':>10}"
    )
    for case in args.cases.split(","):
        base: dict[str, float] | None = None
        for factor in (1, 2, 4):
            size = SIZES[case] * factor
            r = measure(case, size)
            base = base or r
            shown = f"{size:g} {UNITS[case]}"
            print(
                f"{case:<9} {factor:>2} {shown:>18} {r['seconds']:>8.2f} "
                f"{r['seconds'] / max(base['seconds'], 1e-9):>7.2f} {r['peak_mb']:>8.1f} "
                f"{r['peak_mb'] / max(base['peak_mb'], 1e-9):>6.2f} {r['output']:>10.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
