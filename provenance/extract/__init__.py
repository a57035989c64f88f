"""Extraction: one document's text → :class:`~provenance.models.Attribution` records.

A pure function of the text (no model, no I/O, linear in its length), in stages:

- :mod:`~provenance.extract.segment`: tokens, paragraphs, sentences, quotations;
- :mod:`~provenance.extract.cues`: cue verbs used as verbs, their subjects and frames;
- :mod:`~provenance.extract.mentions`: speaker phrases (names, titles, pronouns,
  organisations, documents);
- :mod:`~provenance.extract.quotes`: the ordered table of named quote-attribution rules
  (:data:`~provenance.extract.quotes.QUOTE_RULES`; a rule's name is the record's ``rule``);
- :mod:`~provenance.extract.reported`: unquoted reported speech (``indirect`` records);
- :mod:`~provenance.extract.document`: :func:`extract`, which runs them over a document and
  resolves speakers inside it (:mod:`provenance.speakers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provenance.extract.document import EXTRACTOR_VERSION, extract

__all__ = ["EXTRACTOR_VERSION", "extract"]


def __getattr__(name: str) -> Any:
    # Lazy: the speakers stage imports this package's mentions and segment modules,
    # and document.py imports the speakers stage; an eager import here would be a cycle.
    if name in __all__:
        from provenance.extract import document

        return getattr(document, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
