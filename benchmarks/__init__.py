"""Benchmarks: run from the repository root as modules, e.g. ``python -m benchmarks.startup``.

Each prints its figures; speed is reported as ratios against a baseline measured in
the same run. Generated articles come from :mod:`tests.support`."""
