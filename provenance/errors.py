"""One hierarchy for every error the library raises.

Only the CLI turns these into messages and exit codes; the library never
prints or exits.
"""

from __future__ import annotations

import re

# user:password@ in a URL (postgresql+psycopg://alice:S3cret@host/db) and
# password=… in a libpq connection string.
_SECRETS = re.compile(r"(?P<keep>[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*:)[^@\s]*@"
                      r"|(?P<key>\bpassword\s*=\s*)(?:'[^']*'|\S+)", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with database passwords replaced by ``***``: for every message and log."""
    if "://" not in text and "password" not in text.lower():
        return text
    return _SECRETS.sub(lambda m: f"{m['keep']}***@" if m["keep"] else f"{m['key']}***", text)


class ProvenanceError(Exception):
    """Base of every error provenance raises on purpose."""

    exit_code = 1

    def __str__(self) -> str:
        # Messages quote database URLs and driver errors: never with a password.
        return redact(super().__str__())


class InputError(ProvenanceError):
    """A document could not be read: names the file and, where known, the line."""

    exit_code = 1

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class StoreError(ProvenanceError):
    """The database could not be opened, migrated or written."""

    exit_code = 2


class NotFoundError(ProvenanceError):
    """A record or speaker asked for by name or id does not exist."""

    exit_code = 3

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        self.suggestions = suggestions or []
        super().__init__(message)


class LexiconError(ProvenanceError):
    """A lexicon file in data/ is missing or malformed."""


class GoldFormatError(ProvenanceError):
    """An evaluation gold file is malformed."""


class VerificationError(ProvenanceError):
    """Stored data does not match what it was derived from."""

    exit_code = 4
