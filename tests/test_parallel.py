"""Extraction in parallel: local worker processes and a Dask cluster give the same database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance.cli import app
from provenance.ingest import ingest
from provenance.store import open_store
from tests.support import SAMPLES, check_invariants, snapshot, write_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    write_corpus(root / "generated", 60, seed=11)
    (root / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (root / "empty.md").write_text("", encoding="utf-8")
    return root


def _ingest(db: Path, paths: list[Path], **kwargs: object) -> dict[str, object]:
    store = open_store(str(db))
    report = ingest(store, paths, **kwargs)  # type: ignore[arg-type]
    store.dispose()
    return {
        "new": report.new,
        "failed": report.failed,
        "problems": [str(p) for p in report.problems],
    }


@pytest.mark.parametrize(("workers", "batch_size"), [(2, 1), (2, 8), (3, 5)])
def test_workers_give_the_same_results_as_one(
    tmp_path: Path, corpus: Path, workers: int, batch_size: int
) -> None:
    paths = [SAMPLES, corpus]
    one = _ingest(tmp_path / "one.db", paths, workers=1)
    many = _ingest(tmp_path / "many.db", paths, workers=workers, batch_size=batch_size)
    assert one == many  # same counts, same problems in the same order
    assert one["failed"] == 2
    assert snapshot(str(tmp_path / "one.db")) == snapshot(str(tmp_path / "many.db"))
    check_invariants(str(tmp_path / "many.db"))


def test_cli_workers_option(tmp_path: Path, corpus: Path) -> None:
    runner = CliRunner()
    outs = []
    for n in ("1", "2"):
        db = str(tmp_path / f"w{n}.db")
        result = runner.invoke(
            app, ["ingest", str(corpus / "generated"), "--db", db, "--workers", n]
        )
        assert result.exit_code == 0, result.output
        outs.append(result.output)
    assert outs[0] == outs[1]
    assert "60 new" in outs[0]
    bad = runner.invoke(app, ["ingest", str(SAMPLES), "--workers", "0"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_dask_local_cluster_gives_the_same_results(tmp_path: Path, corpus: Path) -> None:
    distributed = pytest.importorskip("distributed", reason="install provenance[dask]")
    from provenance.distributed import extract_bag, ingest_dask, write_pairs

    paths = [SAMPLES, corpus]
    _ingest(tmp_path / "local.db", paths, workers=1)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        store = open_store(str(tmp_path / "dask.db"))
        report = ingest_dask(store, paths, client, batch_size=4)
        store.dispose()
        assert (report.new, report.failed) == (67, 2)
        assert snapshot(str(tmp_path / "local.db")) == snapshot(str(tmp_path / "dask.db"))

        # The dask.bag API: extract over a bag, store what comes back.
        import dask.bag as db

        from provenance.documents import read_paths
        from provenance.models import DocumentIn

        docs = [d for d in read_paths([corpus / "generated"]) if isinstance(d, DocumentIn)]
        pairs = extract_bag(db.from_sequence(docs, npartitions=4)).compute()
        bag_store = open_store(str(tmp_path / "bag.db"))
        bag_report = write_pairs(bag_store, pairs)
        bag_store.dispose()
    assert bag_report.new == 60
    assert snapshot(str(tmp_path / "bag.db"))["stats"]["quotes"] > 100


def test_unreachable_dask_scheduler_is_a_clean_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed", reason="install provenance[dask]")
    monkeypatch.setattr("provenance.distributed.CONNECT_TIMEOUT", "1s")
    result = CliRunner().invoke(
        app, ["ingest", str(SAMPLES), "--db", str(tmp_path / "x.db"), "--dask", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 1
    assert "cannot reach Dask scheduler" in result.output
    assert "Traceback" not in result.output
