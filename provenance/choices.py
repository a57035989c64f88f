"""Enumerations the CLI offers as option values, importable on their own.

Typer reads every command's option types when it builds ``provenance --help``, so
these live apart from the modules that use them (which import the database and
matching libraries): this module imports only the standard library.
"""

from __future__ import annotations

from enum import StrEnum


class ReviewStatus(StrEnum):
    unreviewed = "unreviewed"
    verified = "verified"
    disputed = "disputed"
    retracted = "retracted"


class FlagDecision(StrEnum):
    open = "open"
    confirmed = "confirmed"
    dismissed = "dismissed"


class ExportFormat(StrEnum):
    """Formats of ``provenance export`` (see :mod:`provenance.export`)."""

    jsonl = "jsonl"
    csv = "csv"
    prov_json = "prov-json"
    web_annotation = "web-annotation"
    claimreview = "claimreview"
