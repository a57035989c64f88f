"""provenance: who said what, where it was reported, and whether the sources agree.

The public API is what ``__all__`` names: one function per pipeline stage, each
importable from here (``from provenance import open_store, ingest, list_quotes``)
or from its own module. Names are resolved on first use, so ``import provenance``
stays cheap (the command line starts without loading the database layer).
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> module that defines it; the stage each belongs to is docs/architecture.md's table.
# Functions named like their module (extract, ingest, review, trace, verify, evaluate) are not
# here: importing the submodule sets that attribute of the package to the module
# itself. Import them from their module: ``from provenance.ingest import ingest``.
_API = {
    # read and extract
    "read_paths": "documents",
    # store and ingest
    "Store": "store",
    "open_store": "store",
    "list_quotes": "store",
    "list_speakers": "store",
    "get_quote": "store",
    "stats": "store",
    # cross-source
    "rebuild": "crosscheck",
    "list_conflicts": "conflicts",
    "clusters_for": "cluster_members",
    "claims_for": "quantities",
    # review, audit, export
    "review_flag": "review",
    "reassign_speaker": "review",
    "list_reviews": "review",
    "delete_document": "review",
    "list_entries": "audit",
    "write_export": "export",
    "export_file": "export",
    # errors
    "ProvenanceError": "errors",
    "InputError": "errors",
    "NotFoundError": "errors",
    "StoreError": "errors",
    "ArgumentError": "errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(f"provenance.{_API[name]}"), name)
        globals()[name] = value
        return value
    if name != "__version__":
        raise AttributeError(f"module 'provenance' has no attribute {name!r}")
    # Computed on first use: importing importlib.metadata takes tens of milliseconds,
    # which `provenance --help` need not spend.
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("provenance")
    except PackageNotFoundError:  # running from a source tree without installing
        value = "0.0.0+source"
    globals()["__version__"] = value
    return value
