"""provenance: who said what, where it was reported, and whether the sources agree."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Computed on first use: importing importlib.metadata takes tens of milliseconds,
    # which `provenance --help` need not spend.
    if name != "__version__":
        raise AttributeError(f"module 'provenance' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("provenance")
    except PackageNotFoundError:  # running from a source tree without installing
        value = "0.0.0+source"
    globals()["__version__"] = value
    return value
