"""No 500 on any input, brute force stopped, honest errors: the outside test's findings, each
kept as a regression test."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.roles import AGENT, MANAGER

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db
PASSWORD = "pw-hardening-1234"


@pytest.fixture
def manager(django_user_model):
    user = django_user_model.objects.create_user("mgr", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=MANAGER))
    return user


@pytest.fixture
def agent(django_user_model):
    user = django_user_model.objects.create_user("agt", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=AGENT))
    return user


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


# --- input that gave a 500 --------------------------------------------------------------

JSON_POSTS = ["/api/v1/quotes/", "/api/v1/payouts/requests/1/retry/"]


@pytest.mark.parametrize("url", JSON_POSTS)
def test_deeply_nested_json_is_a_400(manager, url):
    body = '{"facts": ' + "[" * 940 + "]" * 940 + "}"
    response = token_client(manager).post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert "중첩" in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/policies/rules/?category=%00",
        "/admin/payouts/payoutrequest/?status=%00",
        "/admin/payouts/payoutrequest/?recipient_id=%00",
        "/admin/policies/rule/?category=%00",
        "/admin/auth/user/?username=%00",
        "/admin/auth/user/?q=%00",
    ],
)
def test_a_nul_byte_in_a_query_is_a_400(admin_user, url):
    client = Client()
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json")
        assert "NUL" in response.json()["detail"]
    else:
        assert "잘못된 요청입니다" in response.content.decode()


def test_a_nul_byte_in_a_form_is_a_400(admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.post("/admin/policies/policyversion/", {"action": "create_draft\x00"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/policies/rules/?version=%C2%B2", 400),
        ("/api/v1/policies/rules/?version=%EF%BC%91", 400),  # a full-width digit
        ("/policies/matrix/?v=%C2%B2", 200),  # not a number: the current version
    ],
)
def test_unicode_digits_are_not_integers(agent, url, status):
    client = Client()
    client.force_login(agent)
    assert client.get(url).status_code == status


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("multipart/form-data; boundary=b; charset=rot13", b"--b--", 400),
        ("multipart/form-data; boundary=b; charset=base64", b"--b\r\n", 400),
        ("application/x-www-form-urlencoded; charset=punycode", b"rule=x", 400),
        ("application/x-www-form-urlencoded", b"rule=fare.x&target=customer", 415),
        ("text/plain", b"{}", 415),
        ("application/json", b"[1, 2]", 400),
        ("application/json", b'"just a string"', 400),
        ("application/json", b"12345678901234567890123456789", 400),
    ],
)
def test_odd_bodies_answer_4xx_not_500(manager, content_type, body, status):
    response = token_client(manager).generic("POST", "/api/v1/quotes/", body, content_type)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "header",
    ["Token", "Token ", "Token \x00abc", "Token \xe9\xe9", "Token " + "a" * 10_000, "Bearer x"],
)
def test_malformed_tokens_answer_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/policies/rules/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_nul_byte_in_the_path_is_a_400(admin_user):
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/r/1/%00/").status_code == 400


def test_redoc_is_not_served():
    # Its page needs inline styles, which the CSP refuses; the docs page is Swagger UI.
    assert Client().get("/api/redoc/").status_code == 404


def test_the_500_page_is_branded_korean():
    from django.test import RequestFactory

    from config.views import server_error

    page = server_error(RequestFactory().get("/somewhere/"))
    assert page.status_code == 500
    assert "오류가 발생했습니다" in page.content.decode()
    api = server_error(RequestFactory().get("/api/v1/quotes/"))
    assert json.loads(api.content) == {
        "detail": "서버 오류가 발생했습니다. 잠시 뒤 다시 시도하세요."
    }


def test_a_body_over_the_limit_is_a_json_400_on_the_api(manager):
    body = json.dumps({"rule": "x", "target": "customer", "facts": {"a": "x" * 10_000_000}})
    response = token_client(manager).post("/api/v1/quotes/", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "너무 큽니다" in response.json()["detail"]


# --- abuse ---------------------------------------------------------------------------------


@pytest.mark.parametrize("login_url", ["/admin/login/", "/accounts/login/"])
def test_repeated_wrong_passwords_lock_the_user_out(manager, login_url, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login_url, {"username": "mgr", "password": "wrong"})
    response = client.post(login_url, {"username": "mgr", "password": PASSWORD})
    assert response.status_code == 429
    assert "로그인이 잠겼습니다" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_from_one_address_lock_that_address(manager, django_user_model, settings):
    client = Client(REMOTE_ADDR="10.0.0.9")
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": f"guess{i}", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "mgr", "password": PASSWORD})
    assert response.status_code == 429
    # Another address is not locked.
    other = Client(REMOTE_ADDR="10.0.0.10")
    assert other.post("/admin/login/", {"username": "mgr", "password": PASSWORD}).status_code == 302


def test_an_operator_unlocks_a_locked_user_in_the_admin(manager, admin_user, settings):
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "mgr", "password": "wrong"})
    assert AccessAttempt.objects.filter(username="mgr").exists()
    operator = Client()
    operator.force_login(admin_user)
    page = operator.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert "mgr" in page.content.decode()
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    operator.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    response = client.post("/admin/login/", {"username": "mgr", "password": PASSWORD})
    assert response.status_code == 302


def test_api_calls_over_the_rate_answer_429_with_retry_after(agent, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    # DRF reads the rates into the class when it is imported; a test sets them there.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "3/min"})
    client = token_client(agent)
    codes = [client.get("/api/v1/policies/rules/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    last = client.get("/api/v1/policies/rules/")
    assert int(last["Retry-After"]) > 0
    assert "요청이 너무 많습니다" in last.json()["detail"]
    # Callers without a valid token are counted by address, before the 401, whatever
    # X-Forwarded-For they send; the schema counts them too.
    anon = APIClient(REMOTE_ADDR="10.1.1.1")
    anon.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    codes = [
        anon.get("/api/v1/policies/rules/", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code
        for i in range(3)
    ]
    assert codes == [401, 401, 429]
    other = APIClient(REMOTE_ADDR="10.1.1.2")
    other.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert [other.get("/api/schema/").status_code for _ in range(3)] == [401, 401, 429]
    cache.clear()


def test_an_anonymous_api_call_is_a_401_asking_for_a_token():
    response = APIClient().post("/api/v1/quotes/", {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"]


def test_a_token_expires(agent, settings):
    token = Token.objects.create(user=agent)
    Token.objects.filter(pk=token.pk).update(
        created=timezone.now() - dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS + 1)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/v1/policies/rules/")
    assert response.status_code == 401
    assert "만료" in response.json()["detail"]


def test_an_operator_rotates_a_token_in_the_admin(agent, admin_user):
    old = Token.objects.create(user=agent)
    operator = Client()
    operator.force_login(admin_user)
    response = operator.post(
        "/admin/authtoken/tokenproxy/",
        {"action": "rotate", "_selected_action": [old.pk]},
        follow=True,
    )
    new = Token.objects.get(user=agent)
    assert new.key != old.key
    assert new.key in response.content.decode()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    assert client.get("/api/v1/policies/rules/").status_code == 401
    assert token_client(agent).get("/api/v1/policies/rules/").status_code == 200


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_docs_need_a_login(url, agent):
    anonymous = Client().get(url)
    assert anonymous.status_code in (302, 401)
    if anonymous.status_code == 302:
        assert "login" in anonymous["Location"]
    client = Client()
    client.force_login(agent)
    assert client.get(url).status_code == 200


def test_a_session_lasts_a_working_day_and_ends_with_the_browser(agent, settings):
    client = Client()
    response = client.post("/accounts/login/", {"username": "agt", "password": PASSWORD})
    assert response.status_code == 302
    assert settings.SESSION_COOKIE_AGE == 9 * 60 * 60
    assert client.session.get_expire_at_browser_close()
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]


# --- honest answers --------------------------------------------------------------------------


def test_a_login_without_next_lands_on_the_home_page(agent):
    response = Client().post("/accounts/login/", {"username": "agt", "password": PASSWORD})
    assert response["Location"] == "/"


def test_api_not_found_is_korean(manager):
    response = token_client(manager).get("/api/v1/payouts/batches/999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "찾을 수 없습니다."}
    response = token_client(manager).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "찾을 수 없습니다."}


def test_pages_answer_branded_korean_errors(agent):
    client = Client()
    client.force_login(agent)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    text = missing.content.decode()
    assert "페이지를 찾을 수 없습니다" in text and "보상 백오피스" in text
    denied = client.get("/admin/payouts/payoutbatch/")  # agents do not see batches
    assert denied.status_code == 403
    text = denied.content.decode()
    assert "권한이 없습니다" in text and "보상 백오피스" in text


def test_logout_page_is_branded(agent):
    client = Client()
    client.force_login(agent)
    response = client.post("/admin/logout/")
    text = response.content.decode()
    assert "로그아웃했습니다" in text
    assert "보상 백오피스" in text
    assert "Django" not in text


def test_password_reset_without_mail_says_to_ask_an_administrator():
    page = Client().get("/accounts/password_reset/")
    assert page.status_code == 200
    assert "운영 관리자에게" in page.content.decode()
    login = Client().get("/admin/login/").content.decode()
    assert "password_reset" not in login


@pytest.mark.parametrize(
    ("query", "status"),
    [("?page=1&page=2", 400), ("?page=abc", 400), ("?page=%C2%B2", 400), ("?page=0", 400),
     ("?page=999", 404)],
)  # fmt: skip
def test_pagination_parameters_are_strict(manager, query, status):
    response = token_client(manager).get(f"/api/v1/payouts/batches/{query}")
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")


def test_healthz_reveals_nothing_but_ok():
    response = Client().get("/healthz")
    assert response.json() == {"status": "ok"}


def test_the_schema_documents_the_answers_the_api_gives(manager):
    schema = token_client(manager).get("/api/schema/?format=json").json()
    rules = schema["paths"]["/api/v1/policies/rules/"]["get"]["responses"]
    body = rules["200"]["content"]["application/json"]["schema"]
    assert "$ref" in body  # an object, not an array
    name = body["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][name]["properties"]) == {"policy_version", "rules"}
    for path in schema["paths"].values():
        for operation in path.values():
            assert {"400", "401", "403", "404", "429"} <= set(operation["responses"])
    retry = schema["paths"]["/api/v1/payouts/requests/{id}/retry/"]["post"]["responses"]
    assert "409" in retry


# --- production settings ----------------------------------------------------------------------


def _production(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "CELERY"))
    }
    environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": "sqlite://",
            "DJANGO_ALLOWED_HOSTS": "testserver",
        },
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


KEY = "k" * 20 + "-random-enough-for-a-test-0123456789abcdef"


def test_production_settings_pass_the_deploy_check():
    check = "import django; django.setup(); from django.core.management import call_command; " \
        "call_command('check', '--deploy', '--fail-level', 'WARNING')"  # fmt: skip
    result = _production(check, DJANGO_SECRET_KEY=KEY)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout + result.stderr


@pytest.mark.parametrize("key", ["", "bosang-insecure-local-key-change-me"])
def test_production_refuses_the_built_in_or_a_missing_key(key):
    result = _production("import django; django.setup()", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_redirects_to_https_and_sends_hsts_and_csp():
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/admin/login/'); print(r.status_code, r['Location']); "
        "r = Client().get('/admin/login/', secure=True); "
        "print(r.status_code, r['Strict-Transport-Security'], r['Content-Security-Policy']); "
        "print(Client().get('/healthz').status_code)"
    )
    result = _production(code, DJANGO_SECRET_KEY=KEY)
    assert result.returncode == 0, result.stderr
    redirect, secure, probe = result.stdout.splitlines()
    assert redirect == "301 https://testserver/admin/login/"
    assert probe == "200"  # a probe over plain HTTP sees the database, not a redirect
    assert secure.startswith("200 max-age=31536000; includeSubDomains; preload")
    assert "script-src 'self'" in secure and "unsafe-inline" not in secure


def test_workers_default_to_the_production_settings_like_the_web():
    result = _production(
        "import os; os.environ.pop('DJANGO_SETTINGS_MODULE'); import config.celery_app; "
        "print(os.environ['DJANGO_SETTINGS_MODULE'])"
    )
    assert result.stdout.strip() == "config.settings.production"


@pytest.mark.parametrize(
    ("accept", "status"),
    [("", 200), ("*/*", 200), ("application/json", 200), ("application/json; q=0.9", 200),
     ("text/html", 406)],
)  # fmt: skip
def test_the_api_answers_json_to_whoever_accepts_it_and_406_otherwise(agent, accept, status):
    client = token_client(agent)
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client.get("/api/v1/policies/rules/", **headers)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
