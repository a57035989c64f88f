"""Shared fixtures."""

from __future__ import annotations

import pytest

from provenance.ingest import ingest
from provenance.lexicon import data_dir
from provenance.store import Store


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo corpus (data/samples) ingested once into a temporary SQLite database."""
    db = tmp_path_factory.mktemp("samples") / "samples.db"
    store = Store(f"sqlite:///{db}").init()
    ingest(store, [data_dir() / "samples"])
    return store
