"""Fixtures of the payouts tests.

- Celery runs eagerly in this process for these tests (the worker-kill test starts its own
  worker on a dedicated Redis database), so an `on_commit` enqueue never leaves a message in the
  shared broker.
- `published_policy` is the published policy version (number 1 from the data migration).
"""

import pytest


@pytest.fixture(autouse=True)
def _celery_eager(celery_eager):
    yield


@pytest.fixture(autouse=True)
def published_policy(request):
    """The published version (the data migration's v1; see tests/conftest.py for flushes)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return None
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from policies.selectors import current_version

    return current_version()


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.PAYOUTS_UPLOAD_ROOT = tmp_path / "uploads"
