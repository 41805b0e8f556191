"""Fixtures of the policy tests: the role users and API clients are the suite's
(tests/conftest.py)."""
