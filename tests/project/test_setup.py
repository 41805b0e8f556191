import pytest
from django.contrib.auth.models import Group
from django.test import Client

from config.roles import AGENT, MANAGER, RM


@pytest.mark.django_db
def test_roles_exist_as_groups_with_permissions_after_migrate():
    names = set(Group.objects.values_list("name", flat=True))
    assert {AGENT, MANAGER, RM} <= names
    manager = Group.objects.get(name=MANAGER)
    codenames = set(manager.permissions.values_list("codename", flat=True))
    assert "publish_policyversion" in codenames
    agent = Group.objects.get(name=AGENT)
    assert "publish_policyversion" not in set(agent.permissions.values_list("codename", flat=True))


@pytest.mark.django_db
def test_home_requires_login(client: Client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_healthz_reaches_the_database(client: Client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served_offline(admin_client: Client):
    schema = admin_client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi" in schema.content
    docs = admin_client.get("/api/docs/")
    assert docs.status_code == 200
    # The docs page loads Swagger UI from our own static files, not from a CDN.
    assert b"cdn" not in docs.content.lower()


@pytest.mark.django_db
def test_interface_is_korean_whatever_the_browser_asks(admin_client: Client):
    response = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    text = response.content.decode()
    assert "보상 백오피스" in text
    assert "로그아웃" in text
    assert "Log out" not in text


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_is_postgresql_when_configured():
    from django.db import connection

    assert connection.vendor == "postgresql"


def test_openapi_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yml"
    # --fail-on-warn turns any view drf-spectacular cannot describe into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/quotes/" in out.read_text()


@pytest.mark.django_db
def test_console_headings_read_as_korean(admin_client: Client, django_user_model):
    from config.roles import AGENT

    agent = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    agent.groups.add(Group.objects.get(name=AGENT))
    client = Client()
    client.force_login(agent)
    text = client.get("/admin/policies/policyversion/").content.decode()
    assert "정책 버전 목록" in text
    assert "보기위한" not in text
    text = admin_client.get("/admin/").content.decode()
    assert "로그인 잠금" in text and "접근 시도" in text
    assert "Axes" not in text and "access attempts" not in text.lower()
