"""Real news as one archive: PolNeAR train + dev ingested the way a user would, then measured.

Usage::

    python -m benchmarks.real_news [--polnear ../polnear] [--workdir DIR] [--reuse]
                                   [--sections ingest,speakers,flags]

Builds one JSON Lines archive from the PolNeAR ``train`` and ``dev`` texts (outlet
and date from each file name ``outlet_YYYY-MM-DD_slug.txt``; the ``test`` split is
reserved and never read), then runs the commands a user runs, as whole processes:

- ``provenance extract ARCHIVE`` (extraction alone, output discarded): the baseline;
- ``provenance ingest ARCHIVE --db DB`` with its default settings (cross-source
  update on);
- ``provenance ingest ARCHIVE --no-match`` into another database (storage alone);
- ``provenance match`` (the rebuild of claims, clusters and flags) on a copy of DB.

and prints wall and CPU time of each (``os.wait4``: the process and the workers it
waited for), their ratios to ``extract``, and the documents stored and failed
(section ``ingest``). Other sections read the database this run made and print
their own figures; each lives in a module ``benchmarks/real_news_<name>.py`` with
a function ``report(db_url: str, archive: Path) -> list[str]`` (lines to print).

``--reuse`` keeps an existing ``DB`` in ``--workdir`` instead of ingesting again
(for reading a section's figures after a change that does not touch ingest).
Nothing from PolNeAR is written inside the repository.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
DEFAULT_POLNEAR = REPO.parent / "polnear"
NAME = re.compile(r"(?P<outlet>[a-z-]+)_(?P<date>\d{4}-\d{2}-\d{2})_(?P<slug>.+)\.txt$")
SPLITS = ("train", "dev")


def build_archive(polnear: Path, out: Path) -> int:
    """Write PolNeAR train+dev texts to ``out`` as JSON Lines; return the number of articles.

    Each line: ``text``, ``source`` (outlet), ``date`` (YYYY-MM-DD), ``title`` (the
    file's slug) and ``url`` (``polnear:<split>/<file name>``, so a record can be
    traced back to its file without storing the text anywhere else).
    """
    count = 0
    with out.open("w", encoding="utf-8") as sink:
        for split in SPLITS:
            folder = polnear / "data" / split / "text"
            if not folder.is_dir():
                raise SystemExit(f"{folder}: no such folder (fetch PolNeAR beside the repo)")
            for path in sorted(folder.glob("*.txt")):
                m = NAME.match(path.name)
                if not m:
                    continue
                record = {
                    "text": path.read_text(encoding="utf-8"),
                    "source": m["outlet"],
                    "date": m["date"],
                    "title": m["slug"],
                    "url": f"polnear:{split}/{path.name}",
                }
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
    return count


class Run(NamedTuple):
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and the children it waited for
    status: int
    stderr: str
    peak_mb: float  # peak RSS of the process (its largest child's, for worker pools)


# Runs the command in a grandchild and reports its rusage: a child forked from this
# (large) benchmark process would count this process's pages in its peak RSS.
_LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "provenance", *sys.argv[2:]])
_, status, u = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump([u.ru_utime + u.ru_stime, os.waitstatus_to_exitcode(status), u.ru_maxrss], out)
"""


def run_command(*args: str) -> Run:
    """Run ``provenance ARGS`` as its own process (output discarded) and measure it
    with ``os.wait4``: wall and CPU seconds (the process and the workers it waited
    for) and its peak RSS.

    CPU seconds are printed next to wall seconds because this machine is shared:
    a neighbour's load stretches wall time more than the CPU a command uses.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "rusage.json"
        err = Path(tmp) / "stderr"
        with err.open("w", encoding="utf-8") as sink:
            subprocess.run(
                [sys.executable, "-c", _LAUNCHER, str(figures), *args],
                stdout=subprocess.DEVNULL,
                stderr=sink,
                check=False,
                cwd=REPO,
            )
        wall = time.perf_counter() - started
        cpu, status, maxrss = json.loads(figures.read_text(encoding="utf-8"))
        return Run(wall, cpu, status, err.read_text(encoding="utf-8"), maxrss / 1024)


def ratio(run: Run, base: Run) -> str:
    """ "W.WWx wall, C.CCx CPU" of ``run`` against ``base``."""
    return f"{run.wall / base.wall:.2f}x wall, {run.cpu / max(base.cpu, 1e-9):.2f}x CPU"


def ingest_section(archive: Path, db: Path, articles: int, reuse: bool) -> list[str]:
    lines = []
    extract = run_command("extract", str(archive))
    lines.append(
        f"extract alone: {extract.wall:.1f} s wall, {extract.cpu:.1f} s CPU "
        f"(exit {extract.status}), {articles / extract.wall:.0f} articles/s"
    )
    if reuse and db.exists():
        lines.append(f"ingest: reused {db}")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        ingest = run_command("ingest", str(archive), "--db", str(db), "--quiet")
        errors = [ln for ln in ingest.stderr.splitlines() if ln.startswith("error:")]
        lines.append(
            f"ingest (default, cross-source on): {ingest.wall:.1f} s wall, {ingest.cpu:.1f} s CPU "
            f"(exit {ingest.status}), {ratio(ingest, extract)} extract alone"
        )
        lines.append(f"documents failed (error lines): {len(errors)}")
        lines.extend(f"  {ln}" for ln in errors[:5])
        # The same archive without the cross-source update, and that update run
        # alone as a rebuild (`provenance match`) on a copy of the database.
        bare = db.with_name(db.stem + "-no-match.db")
        rebuilt = db.with_name(db.stem + "-rebuilt.db")
        for path in (bare, rebuilt):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        no_match = run_command("ingest", str(archive), "--db", str(bare), "--quiet", "--no-match")
        lines.append(
            f"ingest --no-match: {no_match.wall:.1f} s wall, {no_match.cpu:.1f} s CPU "
            f"(exit {no_match.status}), {ratio(no_match, extract)} extract alone"
        )
        shutil.copy(db, rebuilt)
        match = run_command("match", "--db", str(rebuilt))
        lines.append(
            f"match (rebuild claims, clusters, flags): {match.wall:.1f} s wall, "
            f"{match.cpu:.1f} s CPU (exit {match.status}), {ratio(match, extract)} extract alone"
        )
    with sqlite3.connect(db) as con:
        stored = con.execute("select count(*) from documents").fetchone()[0]
        quotes = con.execute("select count(*) from quotes").fetchone()[0]
    # Identical texts are one document (id = hash of the text): PolNeAR has one repeat.
    distinct = len({json.loads(line)["text"] for line in archive.open(encoding="utf-8")})
    lines.append(
        f"documents stored: {stored} of {distinct} distinct texts "
        f"({articles} articles); records: {quotes}"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polnear", type=Path, default=DEFAULT_POLNEAR)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/provenance-real-news"))
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    parser.add_argument(
        "--sections",
        default="ingest",
        help="comma-separated: ingest and any real_news_<name>.py module",
    )
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    archive = args.workdir / "polnear-train-dev.jsonl"
    db = args.workdir / "real-news.db"
    articles = build_archive(args.polnear, archive)
    print(f"archive: {articles} articles (PolNeAR {' + '.join(SPLITS)}) -> {archive}")
    for name in [s.strip() for s in args.sections.split(",") if s.strip()]:
        print(f"== {name}")
        if name == "ingest":
            lines = ingest_section(archive, db, articles, args.reuse)
        else:
            if not db.exists():
                lines = ingest_section(archive, db, articles, reuse=False)
                print("\n".join(lines))
            module = importlib.import_module(f"benchmarks.real_news_{name}")
            lines = module.report(f"sqlite:///{db}", archive)
        print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
