"""The benchmarks are a package run from the repository root (``python -m benchmarks.X``):
each imports, and none reaches into ``tests`` or ``provenance`` through ``sys.path``.
No test times anything: the figures are the benchmarks' own output."""

from __future__ import annotations

import importlib

import pytest

from tests.support import REPO

MODULES = sorted(p.stem for p in (REPO / "benchmarks").glob("*.py") if p.stem != "__init__")


def test_the_benchmarks_are_there() -> None:
    assert {"real_news", "startup", "ingest_throughput", "match_parity"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_benchmark_imports_without_path_hacks(name: str) -> None:
    source = (REPO / "benchmarks" / f"{name}.py").read_text(encoding="utf-8")
    assert "sys.path" not in source
    module = importlib.import_module(f"benchmarks.{name}")
    assert callable(getattr(module, "main", None) or getattr(module, "report", None))
