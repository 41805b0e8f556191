"""Fixtures of the payouts tests.

- Celery runs eagerly in this process for these tests (the worker-kill test starts its own
  worker on a dedicated Redis database), so an `on_commit` enqueue never leaves a message in the
  shared broker.
- A published policy version exists: the policy app's data migration creates number 1; until it
  does (or after a transactional test flushed it), one is created here with the book's values.
"""

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _celery_eager():
    from config.celery_app import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def published_policy(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return None
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from policies.models import PolicyVersion

    version = (
        PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )
    if version is None:
        number = (
            PolicyVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        version = PolicyVersion.objects.create(
            number=number,
            title="테스트 정책",
            status=PolicyVersion.Status.PUBLISHED,
            published_at=timezone.now(),
            coupon_unit=5000,
            coupon_minimum=5000,
            coupon_validity_days=60,
            driver_commission_percent=20,
            points_memo="기사님 힘내세요",
        )
    return version


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.PAYOUTS_UPLOAD_ROOT = tmp_path / "uploads"
