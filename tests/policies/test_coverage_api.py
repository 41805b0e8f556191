"""The coverage check and the lines over the API and on the page: shapes, 400s with field
messages, roles, the admin console's pages."""

import datetime as dt

import pytest
from django.test import Client

from policies.api.insurance import CoverageAnswerSerializer
from policies.insurance_selectors import coverage_check_on
from policies.insurance_services import coverage_rule_version_create, insurance_line_register
from policies.models import CoverageRuleVersion
from policies.models.insurance import today
from tests.forms import form_data

pytestmark = pytest.mark.django_db

CHECK = "/api/v1/insurance/coverage-check/"
LINES = "/api/v1/insurance/lines/"
BODY = {
    "on": "2025-06-30",
    "revenue": 80_000_000_001,
    "users_oct": 31_000_000,
    "users_nov": 30_000_000,
    "users_dec": 31_000_000,
}


@pytest.fixture
def privacy_line():
    return insurance_line_register(
        kind="privacy_liability",
        insurer="한빛화재해상보험",
        policy_number="PI-2025-01",
        limit=600_000_000,
        deductible=10_000_000,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
    )


def test_the_check_answers_with_every_figure(manager, api_as, privacy_line):
    response = api_as(manager).post(CHECK, {**BODY, "reserve": 100_000_000}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rule_version"]["number"] == 2
    assert body["user_counts"] == {
        "oct": 31_000_000,
        "nov": 30_000_000,
        "dec": 31_000_000,
        "total": 92_000_000,
    }
    assert (body["average_days"], body["daily_average_users"]) == (92, 1_000_000)
    assert body["duty_applies"] is True and body["not_applicable_reasons"] == []
    assert body["revenue_band"]["code"] == "revenue_top"
    assert body["users_band"] == {
        "code": "users_top",
        "label": "100만 명 이상",
        "minimum": 1_000_000,
        "maximum": None,
    }
    assert body["minimum_amount"] == 1_000_000_000
    assert [line["id"] for line in body["lines"]] == [privacy_line.pk]
    assert (body["insured_total"], body["reserve"], body["cover_total"]) == (
        600_000_000,
        100_000_000,
        700_000_000,
    )
    assert body["meets_minimum"] is False and body["compliant"] is False
    assert (body["shortfall"], body["fine"]) == (300_000_000, 20_000_000)


def test_the_answer_dict_is_the_serializers_shape(privacy_line):
    answer = coverage_check_on(
        on=dt.date(2025, 6, 30), revenue=10**9, user_counts=(10_000 * 92, 0, 0)
    )
    assert set(answer.as_dict()) == set(CoverageAnswerSerializer().fields)


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"on": "2025-13-01"}, "on", "YYYY-MM-DD"),
        ({"on": "2019-06-12"}, "on", "2019-06-13부터"),
        ({"revenue": -1}, "revenue", "0"),
        ({"revenue": "많음"}, "revenue", "정수"),
        ({"revenue": 10**17}, "revenue", ""),
        ({"users_nov": None}, "users_nov", ""),
        ({"users_dec": 1.5}, "users_dec", "정수"),
        ({"reserve": -5}, "reserve", "0"),
        ({"lines": [999_999]}, "lines", "유효한 보험 계약이 아닙니다"),
        ({"lines": "1"}, "lines", ""),
    ],
)
def test_bad_input_is_a_400_naming_the_field_in_korean(manager, api_as, change, field, message):
    response = api_as(manager).post(CHECK, {**BODY, **change}, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == [field]
    assert message in " ".join(errors[field])


def test_a_missing_field_is_named(manager, api_as):
    response = api_as(manager).post(CHECK, {"on": "2025-06-30"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"revenue", "users_oct", "users_nov", "users_dec"}
    assert response.json()["revenue"] == ["이 필드는 필수 항목입니다."]


def test_only_managers_and_operators_check_coverage(agent, rm_user, manager, api_as):
    assert api_as(agent).post(CHECK, BODY, format="json").status_code == 403
    denied = api_as(rm_user).post(CHECK, BODY, format="json")
    assert denied.status_code == 403 and "관리자·운영자" in denied.json()["detail"]
    assert Client().post(CHECK, BODY, content_type="application/json").status_code == 401
    assert api_as(manager).post(CHECK, BODY, format="json").status_code == 200


def test_lines_filter_by_kind_and_date(manager, rm_user, agent, api_as, privacy_line):
    insurance_line_register(
        kind="cgl",
        insurer="누리손해보험",
        policy_number="GL-2026-05",
        limit=1_000_000_000,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
    )
    client = api_as(manager)
    assert len(client.get(LINES).json()) == 2
    on = client.get(LINES, {"on": "2025-12-31"}).json()
    assert [line["policy_number"] for line in on] == ["PI-2025-01"]
    assert on[0] == {
        "id": privacy_line.pk,
        "kind": "privacy_liability",
        "kind_label": "개인정보보호배상책임보험",
        "mandatory": True,
        "insurer": "한빛화재해상보험",
        "policy_number": "PI-2025-01",
        "limit": 600_000_000,
        "deductible": 10_000_000,
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "note": "",
    }
    assert [x["kind"] for x in client.get(LINES, {"kind": "cgl"}).json()] == ["cgl"]
    assert client.get(LINES, {"kind": "cgl", "on": "2025-06-01"}).json() == []
    bad = client.get(LINES, {"kind": "life", "on": "어제"})
    assert bad.status_code == 400 and set(bad.json()) == {"kind", "on"}
    # RM sees the lines an incident may be claimed against; agents do not.
    assert api_as(rm_user).get(LINES).status_code == 200
    assert api_as(agent).get(LINES).status_code == 403


def test_schema_documents_both_endpoints(admin_client):
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    check = schema["paths"][CHECK]["post"]
    body = check["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "CoverageCheckInput" in body
    assert {"200", "400", "403"} <= set(check["responses"])
    lines = schema["paths"][LINES]["get"]
    assert {p["name"] for p in lines["parameters"]} == {"kind", "on"}


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_lays_out_the_answer_with_separators_and_won(manager, privacy_line):
    client = page_client(manager)
    empty = client.get("/policies/coverage/")
    assert empty.status_code == 200
    assert "개인정보 손해배상책임 보장 점검" in empty.content.decode()
    page = client.get(
        "/policies/coverage/",
        {
            "on": "2025-06-30",
            "revenue": "80,000,000,001원",
            "users_oct": "31,000,000",
            "users_nov": "30000000",
            "users_dec": "31,000,000명",
            "reserve": "",
        },
    )
    text = page.content.decode()
    assert "미달 · 과태료 20,000,000원" in text
    assert "일일평균 1,000,000명" in text
    assert "1,000,000,000원" in text and "부족액 <b>400,000,000원</b>" in text
    assert "PI-2025-01" in text and "합산" in text


def test_the_page_shows_form_errors_not_a_server_error(manager):
    page = page_client(manager).get(
        "/policies/coverage/",
        {"on": "2019-01-01", "revenue": "-3", "users_oct": "x", "users_nov": "", "users_dec": "1"},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "적용되는 개인정보 손해배상책임 기준이 없습니다" not in text or "errorlist" in text
    assert text.count('class="errorlist"') >= 3
    # A link naming only the date (the admin's) fills it in quietly.
    linked = page_client(manager).get("/policies/coverage/", {"on": "2024-03-15"})
    assert 'value="2024-03-15"' in linked.content.decode()
    assert "errorlist" not in linked.content.decode()
    assert page_client(manager).get("/policies/coverage/", {"on": "garbage"}).status_code == 200


def test_agents_do_not_get_the_page(agent):
    assert page_client(agent).get("/policies/coverage/").status_code == 403


def test_managers_register_lines_and_make_a_version_in_the_console(manager):
    client = page_client(manager)
    assert "보험 계약" in client.get("/admin/policies/insuranceline/").content.decode()
    add = client.get("/admin/policies/insuranceline/add/")
    data = form_data(add.content.decode())
    data.update(
        kind="e_finance_liability",
        insurer="한빛화재해상보험",
        policy_number="EF-1",
        limit="2000000000",
        deductible="5000000",
        period_start="2025-01-01",
        period_end="2025-12-31",
    )
    assert client.post("/admin/policies/insuranceline/add/", data).status_code == 302
    data.update(policy_number="EF-2", period_start="2025-12-01", period_end="2026-11-30")
    refused = client.post("/admin/policies/insuranceline/add/", data)
    assert refused.status_code == 200 and "보험기간이 겹칩니다" in refused.content.decode()

    versions = client.get("/admin/policies/coverageruleversion/").content.decode()
    assert "개인정보 손해배상책임 기준" in versions and "20,000,000원" in versions
    v2 = CoverageRuleVersion.objects.get(number=2)
    shown = client.get(f"/admin/policies/coverageruleversion/{v2.pk}/change/").content.decode()
    assert "이상 없음" in shown
    assert 'name="users_minimum"' not in shown  # in force: only its end may change
    add = client.get("/admin/policies/coverageruleversion/add/")
    data = form_data(add.content.decode())
    data.update(effective_from=today().isoformat(), title="")
    refused = client.post("/admin/policies/coverageruleversion/add/", data)
    assert "내일 이후" in refused.content.decode()
    start = today() + dt.timedelta(days=10)
    data.update(effective_from=start.isoformat(), based_on=str(v2.pk))
    made = client.post("/admin/policies/coverageruleversion/add/", data)
    assert made.status_code == 302, made.content.decode()[-3000:]
    v3 = CoverageRuleVersion.objects.get(number=3)
    assert v3.minimums.count() == 9 and v3.based_on == v2
    page = client.get(f"/admin/policies/coverageruleversion/{v3.pk}/change/").content.decode()
    assert 'name="users_minimum"' in page  # not yet in force: editable
    data = form_data(page)
    data.update(users_minimum="20000")
    saved = client.post(f"/admin/policies/coverageruleversion/{v3.pk}/change/", data, follow=True)
    assert "표가 완전하지 않습니다" in saved.content.decode()  # the lowest band starts at 10,000
    v3.refresh_from_db()
    assert v3.users_minimum == 20_000


def test_a_future_version_is_the_answer_from_its_first_day(manager):
    start = today() + dt.timedelta(days=1)
    coverage_rule_version_create(
        source=CoverageRuleVersion.objects.get(number=2), effective_from=start, actor=manager
    )
    facts = dict(revenue=10**9, user_counts=(920_000, 0, 0))
    assert coverage_check_on(on=today(), **facts).rules.number == 2
    assert coverage_check_on(on=start, **facts).rules.number == 3


def test_a_line_of_another_kind_is_not_counted_toward_the_minimum(manager, api_as, privacy_line):
    cgl = insurance_line_register(
        kind="cgl",
        insurer="동해손해보험",
        policy_number="CGL-2025-01",
        limit=10_000_000_000,
        deductible=0,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
    )
    response = api_as(manager).post(
        CHECK, {**BODY, "lines": [privacy_line.pk, cgl.pk]}, format="json"
    )
    assert response.status_code == 400, response.content
    (message,) = response.json()["lines"]
    assert f"#{cgl.pk} 동해손해보험 CGL-2025-01" in message
    assert cgl.get_kind_display() in message and "개인정보" in message
    ok = api_as(manager).post(CHECK, {**BODY, "lines": [privacy_line.pk]}, format="json")
    assert ok.status_code == 200
