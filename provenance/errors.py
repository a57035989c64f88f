"""One hierarchy for every error the library raises.

Only the CLI turns these into messages and exit codes; the library never
prints or exits.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
from collections.abc import Callable
from typing import Any, TypeVar

# user:password@ in a URL (postgresql+psycopg://alice:S3cret@host/db) and
# password=… in a libpq connection string.
_SECRETS = re.compile(
    r"(?P<keep>[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s]*:)[^@\s]*@"
    r"|(?P<key>\bpassword\s*=\s*)(?:'[^']*'|\S+)",
    re.IGNORECASE,
)


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


class ArgumentError(ProvenanceError, ValueError):
    """A library function was called with an argument of the wrong type or value (a
    ValueError too, for callers that caught what the check replaced)."""

    exit_code = 2


F = TypeVar("F", bound=Callable[..., Any])


def enum_value(kind: Callable[[Any], Any], value: Any, name: str) -> Any:
    """``kind(value)`` for an enum argument; a bad value is an :class:`ArgumentError`."""
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(str(m.value) for m in kind)  # type: ignore[attr-defined]
        raise ArgumentError(f"{name}: {value!r} is not one of {choices}") from None


def public(fn: F | None = None, *, lists: tuple[str, ...] = ()) -> Any:
    """Check a public function's arguments against its annotations (strictly: no
    ``"5"`` for an int); a mismatch is an :class:`ArgumentError` naming the argument.

    ``lists`` names parameters that take several paths: a single str or path there
    is refused (it is iterable too, and its characters were walked as paths).
    """
    if fn is None:
        return functools.partial(public, lists=lists)
    # Here, not at the top: the CLI imports this module for its error classes, and
    # `provenance --help` should not pay for pydantic.
    from pydantic import ConfigDict, ValidationError, validate_call

    checked = validate_call(config=ConfigDict(arbitrary_types_allowed=True, strict=True))(fn)
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if lists:
            bound = signature.bind_partial(*args, **kwargs).arguments
            for name in lists:
                value = bound.get(name)
                if isinstance(value, str | bytes | os.PathLike):
                    raise ArgumentError(
                        f"{fn.__name__}(): argument {name}: want a list of paths, not one "
                        f"{type(value).__name__} (write [{os.fsdecode(value)[:60]!r}])"
                    )
        try:
            return checked(*args, **kwargs)
        except ValidationError as exc:
            # A lazily checked iterable argument fails as "ValidatorIterator"; any other
            # title is a model inside the call failing, not an argument.
            if exc.title not in (fn.__name__, "ValidatorIterator"):
                raise
            first = exc.errors()[0]
            loc = list(first["loc"])
            names = list(signature.parameters)
            if exc.title == fn.__name__ and loc and isinstance(loc[0], int) and loc[0] < len(names):
                loc[0] = names[loc[0]]
            where = ".".join(str(part) for part in loc)
            got = type(first.get("input")).__name__
            raise ArgumentError(
                f"{fn.__name__}(): argument {where}: {first['msg']} (got {got})"
            ) from None

    return wrapper
