"""Suite-wide fixtures and the rule for tests that need the real services.

Tests marked `postgres` or `redis` need PostgreSQL (DATABASE_URL) or the Redis broker
(CELERY_BROKER_URL). Without them the test is skipped with the reason printed in the summary
(`-ra`); with REQUIRE_SERVICES=1 (set by .ci/run) a missing service is a failure instead.
"""

import functools
import os

import pytest
from django.conf import settings

from config.roles import AGENT, MANAGER, RM

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


@functools.cache
def redis_problem() -> str | None:
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        return "CELERY_BROKER_URL is not set to a Redis URL"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # any failure to reach it is the same answer
        return f"Redis at {url} cannot be reached: {exc}"
    return None


def postgres_problem() -> str | None:
    if not settings.USING_POSTGRES:
        return "DATABASE_URL is not set to PostgreSQL (running on SQLite)"
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    if not REQUIRE_SERVICES:
        return
    problems = [p for p in (postgres_problem(), redis_problem()) if p]
    if problems:
        pytest.exit("REQUIRE_SERVICES=1 but: " + "; ".join(problems), returncode=3)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, check in (("postgres", postgres_problem), ("redis", redis_problem)):
        if item.get_closest_marker(marker) is None:
            continue
        problem = check()
        if problem is None:
            continue
        if REQUIRE_SERVICES:
            pytest.fail(f"needs {marker}: {problem}", pytrace=False)
        pytest.skip(f"needs {marker}: {problem}")


@pytest.fixture
def celery_eager():
    """Tasks run in this process as they are sent (as under `make run` without a broker), so
    an on-commit enqueue never leaves a message in the shared broker."""
    from config.celery_app import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _fresh_policy_books():
    """Books and token rows read into memory belong to one test's database: a rolled-back or
    flushed database may reuse a version number, or a user's id, with other content."""
    from config.authentication import forget_tokens
    from policies.selectors import forget_books
    from policies.selectors_relief import forget_relief_rules

    forget_books()
    forget_tokens()
    forget_relief_rules()
    yield
    forget_books()
    forget_tokens()
    forget_relief_rules()


@pytest.fixture(autouse=True)
def _policy_book_after_flush(request: pytest.FixtureRequest):
    """A transactional test ends with a flush of every table. Content types, permissions and
    roles come back through post_migrate, but the rows a data migration wrote (the published
    policy book) do not; put them back so every test starts from a fresh database's contents.
    (Serialized rollback would do it, but its copy lives on one connection object, which tests
    that run an event loop, such as the browser tests, do not see.)"""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("_django_db_helper")
        from policies.models import PolicyVersion, ReliefProgram
        from policies.services import load_seed_book
        from policies.services_relief import relief_presets_load

        if not PolicyVersion.objects.exists():
            load_seed_book()
        from policies.insurance_services import load_coverage_rules

        load_coverage_rules()  # adds only the versions missing by number
        if not ReliefProgram.objects.exists():
            relief_presets_load()
    yield


def make_user(username: str, role: str | None):
    """A staff user in a role group (None: no role)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username=username, password="pw-12345678")
    user.is_staff = True
    user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def agent(db):
    return make_user("agent1", AGENT)


@pytest.fixture
def manager(db):
    return make_user("manager1", MANAGER)


@pytest.fixture
def rm_user(db):
    return make_user("rm1", RM)


@pytest.fixture
def api_as():
    """An API client authenticated as the given user."""
    from rest_framework.test import APIClient

    def login(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return login
