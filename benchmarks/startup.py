"""Start-up time of the commands a user types, as whole processes.

Usage::

    python -m benchmarks.startup [--repeat 7] [--top 12]

Times, best of ``--repeat`` runs each (as ``timeit`` does: on a shared machine
the slower runs measure the neighbours):

- ``python -c pass``: the interpreter alone, the baseline;
- ``python -c "import typer._adapters, rich.table"``: what any command needs before
  it runs (typer imports pydantic while it parses a command line; rich draws tables),
  so the least ``quotes`` can take on this machine;
- ``python -c "import typer"``, ``"import pydantic"``, ``"import sqlalchemy"``,
  ``"import sqlmodel"``: the floors. ``--help`` needs typer; ``quotes`` needs typer
  and pydantic (its records). On a SQLite file at the current schema it reads with
  sqlite3 (provenance/quickread.py) and imports neither sqlalchemy nor sqlmodel, which
  alone take longer than the target; elsewhere (PostgreSQL, an older file) it opens the
  store, and ``import sqlmodel`` is the least it can take;
- ``provenance --help``;
- ``provenance quotes --speaker Ramírez`` on a small database (the bundled
  samples, ingested once into a temporary folder before timing: a SQLite file, so
  the quick read).

The package's bytecode is compiled first (``python -m compileall``), as an installed
package has it: where ``PYTHONDONTWRITEBYTECODE`` is set (this machine sets it) every
run would otherwise compile provenance from source, ~70 ms no user pays.

Prints seconds and the ratio to the baseline for each, then, for each command,
its total import time and the modules with the largest cumulative import time
(``python -X importtime``; it inflates times, so compare its figures with each
other, not with wall clock), so a slow start can be traced to its import.
Target (issue 15): each command ≤ 0.3 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support import HEAVY

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


def imports(cmd: list[str]) -> list[tuple[int, int, str]]:
    """(cumulative µs, depth, module) of every import of ``cmd``, in import order."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *cmd[1:]], capture_output=True, text=True, check=True
    )
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            depth = (len(name) - len(name.lstrip())) // 2
            rows.append((int(parts[1]), depth, name.strip()))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "provenance")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "small.db")
        subprocess.run(
            [*CLI, "ingest", str(REPO / "data" / "samples"), "--db", db, "--quiet"], check=True
        )
        base = best_of([sys.executable, "-c", "pass"], args.repeat)
        print(f"python -c pass (baseline): {base:.3f} s")
        for module in ("typer", "pydantic", "sqlalchemy", "sqlmodel"):
            t = best_of([sys.executable, "-c", f"import {module}"], args.repeat)
            print(f'python -c "import {module}" (floor): {t:.3f} s ({t / base:.1f}x baseline)')
        floor = "import typer._adapters, rich.table"
        floor_t = best_of([sys.executable, "-c", floor], args.repeat)
        print(
            f'python -c "{floor}" (floor of any command): {floor_t:.3f} s '
            f"({floor_t / base:.1f}x baseline)"
        )
        commands = (
            ("provenance --help", [*CLI, "--help"]),
            (
                "provenance quotes --speaker Ramírez",
                [*CLI, "quotes", "--speaker", "Ramírez", "--db", db],
            ),
        )
        for label, cmd in commands:
            t = best_of(cmd, args.repeat)
            print(
                f"{label}: {t:.3f} s ({t / base:.1f}x baseline; target 0.300 s; "
                f"{t - floor_t:+.3f} s over the floor)"
            )
        for label, cmd in commands:
            rows = imports(cmd)
            total = sum(micros for micros, depth, _ in rows if depth == 0)
            loaded = {name.split(".")[0] for _, _, name in rows}
            heavy = sorted(loaded & set(HEAVY))
            print(
                f"{label}: imports {total / 1000:.1f} ms (-X importtime), "
                f"{len(rows)} modules; of the heavy libraries: {', '.join(heavy) or 'none'}"
            )
            for micros, _, module in sorted(rows, reverse=True)[: args.top]:
                print(f"  {micros / 1000:8.1f}  {module}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
