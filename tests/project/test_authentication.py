"""API authentication: a token read once is reused for API_AUTH_CACHE_SECONDS, and what
revokes it takes effect at once in the process that made the change."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config import authentication
from config.roles import AGENT

pytestmark = pytest.mark.django_db
RULES = "/api/v1/policies/rules/"


@pytest.fixture
def agent(django_user_model):
    user = django_user_model.objects.create_user("auth-agent", password="pw-auth-1234")
    user.groups.add(Group.objects.get(name=AGENT))
    return user


def client_for(token: Token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(authentication.time, "monotonic", clock)
    return clock


def test_a_token_read_once_is_not_read_again_within_the_cache_time(
    agent, settings, django_assert_num_queries
):
    settings.API_AUTH_CACHE_SECONDS = 5
    client = client_for(Token.objects.create(user=agent))
    assert client.get(RULES).status_code == 200
    with django_assert_num_queries(0):
        payload = {"rule": "dispatch.reservation_late", "target": "customer",
                   "facts": {"late_minutes": 45}}  # fmt: skip
        assert client.post("/api/v1/quotes/", payload, format="json").status_code == 200


def test_a_token_deleted_in_another_process_works_here_until_the_cache_time_passes(
    agent, settings, clock
):
    settings.API_AUTH_CACHE_SECONDS = 5
    token = Token.objects.create(user=agent)
    client = client_for(token)
    assert client.get(RULES).status_code == 200
    # Another process's delete: no signal reaches this one.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM authtoken_token WHERE key = %s", [token.key])
    clock.now += 4.9
    assert client.get(RULES).status_code == 200
    clock.now += 0.2
    assert client.get(RULES).status_code == 401


def test_without_a_cache_time_a_deleted_token_fails_at_once(agent, settings):
    settings.API_AUTH_CACHE_SECONDS = 0
    token = Token.objects.create(user=agent)
    client = client_for(token)
    assert client.get(RULES).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM authtoken_token WHERE key = %s", [token.key])
    assert client.get(RULES).status_code == 401


def test_rotating_a_token_in_the_console_revokes_it_at_once(agent, admin_client, settings):
    settings.API_AUTH_CACHE_SECONDS = 300
    token = Token.objects.create(user=agent)
    client = client_for(token)
    assert client.get(RULES).status_code == 200
    admin_client.post(
        "/admin/authtoken/tokenproxy/",
        {"action": "rotate", "_selected_action": [token.key]},
    )
    assert not Token.objects.filter(key=token.key).exists()
    assert client.get(RULES).status_code == 401


def test_a_user_deactivated_or_taken_out_of_a_role_loses_access_at_once(agent, settings):
    settings.API_AUTH_CACHE_SECONDS = 300
    client = client_for(Token.objects.create(user=agent))
    assert client.get(RULES).status_code == 200
    agent.groups.clear()
    assert client.get(RULES).status_code == 403
    agent.groups.add(Group.objects.get(name=AGENT))
    assert client.get(RULES).status_code == 200
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert client.get(RULES).status_code == 401


def test_a_role_losing_a_permission_loses_it_at_once(agent, settings):
    settings.API_AUTH_CACHE_SECONDS = 300
    client = client_for(Token.objects.create(user=agent))
    assert client.get(RULES).status_code == 200
    group = Group.objects.get(name=AGENT)
    quote = group.permissions.get(codename="quote_policy")
    group.permissions.remove(quote)
    assert client.get(RULES).status_code == 403


def test_an_unknown_token_is_not_remembered(agent, settings):
    settings.API_AUTH_CACHE_SECONDS = 300
    key = "a" * 40
    client = client_for(Token(key=key))
    assert client.get(RULES).status_code == 401
    # Made since (say, by another process): it works at once.
    Token.objects.bulk_create([Token(key=key, user=agent)])
    assert client.get(RULES).status_code == 200


@pytest.mark.postgres
def test_the_token_query_stays_prepared_on_postgresql(agent):
    client = client_for(Token.objects.create(user=agent))
    authentication.forget_tokens()
    assert client.get(RULES).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any("FROM authtoken_token t" in s for s in statements)


def test_a_read_that_began_before_a_revocation_is_not_kept(agent, settings, monkeypatch):
    settings.API_AUTH_CACHE_SECONDS = 300
    token = Token.objects.create(user=agent)
    real = authentication._cursor

    def revoked_during_the_read():  # type: ignore[no-untyped-def]
        authentication.forget_tokens()  # another thread's change lands mid-read
        return real()

    monkeypatch.setattr(authentication, "_cursor", revoked_during_the_read)
    assert client_for(token).get(RULES).status_code == 200
    assert token.key not in authentication._recent


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_is_replaced_before_the_token_query(settings):
    import psycopg

    from config.roles import AGENT as role

    settings.API_AUTH_CACHE_SECONDS = 0
    user = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model()
    agent = user.objects.create_user("auth-drop")
    agent.groups.add(Group.objects.get(name=role))
    token = Token.objects.create(user=agent)
    client = client_for(token)
    assert client.get(RULES).status_code == 200
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    # What the start of a request does with CONN_HEALTH_CHECKS: check before the first use.
    connection.health_check_done = False
    assert client.get(RULES).status_code == 200
