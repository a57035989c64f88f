"""The test suite: one module per package module or concern; helpers in tests.support."""
