"""The public API: every name in ``provenance.__all__`` resolves, lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import provenance

REPO = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves_to_its_stage_module() -> None:
    # A name that is also a submodule would be shadowed by it once that module is imported.
    modules = {p.stem for p in (REPO / "provenance").glob("*.py")}
    assert not set(provenance.__all__) & modules
    for name in provenance.__all__:
        value = getattr(provenance, name)
        assert value is not None, name
        if name != "__version__":
            assert value.__module__.startswith("provenance."), name


def test_import_provenance_loads_no_database_layer() -> None:
    code = (
        "import sys, provenance; "
        "print(' '.join(m for m in ('sqlalchemy', 'sqlmodel', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.strip()
    assert out == ""


def test_the_readme_library_example_runs(tmp_path: Path) -> None:
    from provenance import list_quotes, open_store
    from provenance.ingest import ingest

    store = open_store(str(tmp_path / "news.db"))
    try:
        report = ingest(store, [REPO / "data" / "samples"])
        assert report.ok and report.new == 7  # six sample files, one a JSONL of two articles
        with store.session() as session:
            quotes = list_quotes(session, speaker="Ramírez")
        assert quotes and {q.speaker for q in quotes} == {"Alicia Ramírez"}
    finally:
        store.dispose()
