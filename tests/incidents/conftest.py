"""Fixtures of the accounts-and-penalties tests: the role users and API clients are the
suite's (tests/conftest.py). The published policy version (v1, from the data migration) holds
the penalty rules."""
