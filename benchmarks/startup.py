"""Start-up time of the commands a user types, as whole processes.

Usage::

    python benchmarks/startup.py [--repeat 7] [--top 12]

Times, best of ``--repeat`` runs each (as ``timeit`` does: on a shared machine
the slower runs measure the neighbours):

- ``python -c pass``: the interpreter alone, the baseline;
- ``provenance --help``;
- ``provenance quotes --speaker Ramírez`` on a small database (the bundled
  samples, ingested once into a temporary folder before timing).

Prints seconds and the ratio to the baseline for each, then the modules with
the largest cumulative import time for ``provenance --help``
(``python -X importtime``), so a slow start can be traced to its import.
Target (issue 15): each command ≤ 0.3 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "provenance"]


def best_of(cmd: list[str], repeat: int) -> float:
    """The fastest of ``repeat`` wall-clock runs of ``cmd``, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return min(times)


def top_imports(cmd: list[str], top: int) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) of the slowest imports of ``cmd``."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *cmd[1:]], capture_output=True,
                          text=True, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    return sorted(rows, reverse=True)[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "small.db")
        subprocess.run([*CLI, "ingest", str(REPO / "data" / "samples"), "--db", db, "--quiet"],
                       check=True)
        base = best_of([sys.executable, "-c", "pass"], args.repeat)
        print(f"python -c pass (baseline): {base:.3f} s")
        for label, cmd in (("provenance --help", [*CLI, "--help"]),
                           ("provenance quotes --speaker Ramírez",
                            [*CLI, "quotes", "--speaker", "Ramírez", "--db", db])):
            t = best_of(cmd, args.repeat)
            print(f"{label}: {t:.3f} s ({t / base:.1f}x baseline; target 0.300 s)")
        print("slowest imports of provenance --help (cumulative ms):")
        for micros, module in top_imports([*CLI, "--help"], args.top):
            print(f"  {micros / 1000:8.1f}  {module}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
