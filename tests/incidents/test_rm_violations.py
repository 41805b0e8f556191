"""Recording a violation from an incident: through the accounts service, so the 트루카 and 대리
penalty rules act at their thresholds; idempotent per case, party and code; a timeline row."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from config.roles import RM_SENSITIVE
from incidents.models import IncidentEvent, Restriction, Review, Violation
from incidents.services.rm import PartyInput, incident_create
from incidents.services.rm_actions import incident_record_violation
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")
URL = "/api/v1/incidents/"


def file(**overrides):  # type: ignore[no-untyped-def]
    fields = {
        "service": "truka",
        "category": "other",
        "subtype": "general_dispute",
        "severity": "medium",
        "description": "차량 내 흡연 신고",
        "occurred_at": datetime(2026, 10, 6, 9, tzinfo=KST),
        "parties": [
            PartyInput(role="truka_member", external_id="T-1", name="홍길동"),
            PartyInput(role="driver", external_id="D-1", name="김기사"),
        ],
    }
    return incident_create(**{**fields, **overrides})


def party(incident, role: str) -> int:  # type: ignore[no-untyped-def]
    return incident.parties.get(role=role).pk


def test_a_truka_violation_bans_at_its_threshold_with_a_timeline_row(rm_user):
    incident = file()
    outcome = incident_record_violation(
        incident=incident,
        actor=rm_user,
        party=party(incident, "truka_member"),
        code="smoking_reported",
        reason="블랙박스로 확인",
    )
    assert outcome.created
    assert outcome.violation.source == f"incident:{incident.pk}"
    assert outcome.violation.occurred_at == incident.occurred_at
    [ban] = outcome.restrictions
    assert (ban.kind, ban.code) == ("ban", "smoking_reported")
    event = incident.events.get(kind=IncidentEvent.Kind.VIOLATION)
    assert event.actor == rm_user
    assert event.reason == "블랙박스로 확인"
    assert event.detail.startswith("트루카 회원 홍*동: ")


def test_recording_the_same_again_from_the_case_changes_nothing(rm_user):
    incident = file()
    for _ in range(2):
        outcome = incident_record_violation(
            incident=incident,
            actor=rm_user,
            party=party(incident, "truka_member"),
            code="dirt",
            reason="오염",
        )
    assert not outcome.created
    assert Violation.objects.count() == 1
    assert incident.events.filter(kind=IncidentEvent.Kind.VIOLATION).count() == 1


def test_the_count_threshold_acts_across_incidents(rm_user):
    # dirt: a permanent ban at the third (seed 003).
    for n in range(3):
        incident = file()
        outcome = incident_record_violation(
            incident=incident,
            actor=rm_user,
            party=party(incident, "truka_member"),
            code="dirt",
            reason=f"{n + 1}번째 오염",
        )
        assert bool(outcome.restrictions) is (n == 2)
    assert Restriction.objects.filter(kind="ban", account__external_id="T-1").count() == 1


def test_a_daeri_driver_rule_applies_to_the_driver_party(rm_user):
    incident = file(service="daeri", parties=[PartyInput(role="driver", external_id="D-7")])
    outcome = incident_record_violation(
        incident=incident,
        actor=rm_user,
        party=party(incident, "driver"),
        code="driver_penalty",
        reason="운행 중 분쟁",
    )
    assert outcome.restrictions == []
    [review] = outcome.reviews
    assert review.code == "driver_penalty"
    assert Review.objects.filter(account__external_id="D-7").count() == 1


@pytest.mark.parametrize(
    ("role", "code", "field"),
    [
        ("truka_member", "driver_penalty", "code"),  # a driver's code, on a 트루카 member
        ("driver", "smoking_reported", "code"),  # a 트루카 code, on a driver
        ("truka_member", "no_such_code", "code"),
        ("truka_member", "accident_loss_2m", "amount"),  # adds amounts up: one is needed
    ],
)
def test_refusals_name_the_field_and_leave_nothing(rm_user, role, code, field):
    incident = file()
    with pytest.raises(ValidationError) as exc:
        incident_record_violation(
            incident=incident, actor=rm_user, party=party(incident, role), code=code, reason="x"
        )
    assert field in exc.value.message_dict
    assert not Violation.objects.exists()
    assert not incident.events.filter(kind=IncidentEvent.Kind.VIOLATION).exists()


def test_a_party_of_another_incident_is_refused(rm_user):
    one, other = file(), file()
    with pytest.raises(ValidationError) as exc:
        incident_record_violation(
            incident=one,
            actor=rm_user,
            party=party(other, "driver"),
            code="driver_penalty",
            reason="x",
        )
    assert "party" in exc.value.message_dict


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def rm(api_as, rm_user):  # type: ignore[no-untyped-def]
    return api_as(rm_user)


def test_the_api_answers_201_with_the_violation_and_the_restriction(rm):
    incident = file()
    detail = rm.get(f"{URL}{incident.pk}/").json()
    member = next(p for p in detail["parties"] if p["role"] == "truka_member")
    body = {"party": member["id"], "code": "smoking_reported", "reason": "블랙박스로 확인"}
    answer = rm.post(f"{URL}{incident.pk}/violations/", body, format="json")
    assert answer.status_code == 201
    got = answer.json()
    assert got["party"]["name"] == "홍*동"
    assert got["violation"]["source"] == f"incident:{incident.pk}"
    assert [r["code"] for r in got["restrictions"]] == ["smoking_reported"]
    assert got["reviews"] == []
    again = rm.post(f"{URL}{incident.pk}/violations/", body, format="json")
    assert again.status_code == 200
    assert again.json()["violation"] == got["violation"]
    timeline = rm.get(f"{URL}{incident.pk}/").json()["timeline"]
    assert [e["kind"] for e in timeline].count("violation") == 1


def test_the_api_answers_400_for_a_code_outside_the_kinds_rules(rm):
    incident = file()
    body = {"party": party(incident, "truka_member"), "code": "driver_penalty", "reason": "x"}
    answer = rm.post(f"{URL}{incident.pk}/violations/", body, format="json")
    assert answer.status_code == 400
    assert "code" in answer.json()
    missing = rm.post(f"{URL}{incident.pk}/violations/", {"code": "dirt"}, format="json")
    assert missing.status_code == 400
    assert {"party", "reason"} <= set(missing.json())


def test_agents_may_not_and_a_sensitive_case_is_404_for_plain_rm(api_as, rm, agent):
    incident = file()
    body = {"party": party(incident, "truka_member"), "code": "dirt", "reason": "오염"}
    assert api_as(agent).post(f"{URL}{incident.pk}/violations/", body).status_code == 403
    secret = file(category="sexual", subtype="harassment")
    body["party"] = party(secret, "truka_member")
    assert rm.post(f"{URL}{secret.pk}/violations/", body, format="json").status_code == 404
    rms = api_as(make_user("rms1", RM_SENSITIVE))
    assert rms.post(f"{URL}{secret.pk}/violations/", body, format="json").status_code == 201


# --- a 성민감 source stays unnamed on the account -------------------------------------------------


def _from_a_sensitive_case(holder):  # type: ignore[no-untyped-def]
    secret = file(category="sexual", subtype="harassment")
    incident_record_violation(
        incident=secret,
        actor=holder,
        party=party(secret, "truka_member"),
        code="smoking_reported",  # a ban at once: a restriction from the case too
        reason="피해자 진술로 확인",
    )
    driver = file(
        category="sexual",
        subtype="harassment",
        service="daeri",
        parties=[PartyInput(role="driver", external_id="D-9", name="박기사")],
    )
    incident_record_violation(
        incident=driver,
        actor=holder,
        party=party(driver, "driver"),
        code="driver_penalty",  # opens a review
        reason="피해자 진술로 확인",
    )
    return secret, driver


def test_the_accounts_api_names_a_sensitive_source_only_to_holders(api_as, rm_user):
    holder = make_user("rms1", RM_SENSITIVE)
    secret, _driver = _from_a_sensitive_case(holder)
    plain = api_as(rm_user).get("/api/v1/accounts/truka_member/T-1/").json()
    assert [r["source"] for r in plain["restrictions"]] == ["incident"]
    assert [v["source"] for v in plain["violations"]] == ["incident"]
    assert f"{secret.pk}" not in str(plain["restrictions"]) + str(plain["violations"])
    full = api_as(holder).get("/api/v1/accounts/truka_member/T-1/")
    assert full.status_code == 200, full.json()
    assert [v["source"] for v in full.json()["violations"]] == [f"incident:{secret.pk}"]


def test_the_account_console_shows_a_sensitive_source_as_rm_incident_with_no_note(client, rm_user):
    from django.contrib.auth.models import Group, Permission

    holder = make_user("rms1", RM_SENSITIVE)
    secret, driver = _from_a_sensitive_case(holder)
    plain_case = file(parties=[PartyInput(role="truka_member", external_id="T-1")])
    incident_record_violation(
        incident=plain_case,
        actor=rm_user,
        party=party(plain_case, "truka_member"),
        code="dirt",
        reason="오염 확인",
    )
    member = Violation.objects.get(code="smoking_reported").account
    review = Review.objects.get(account__external_id="D-9")
    restriction = Restriction.objects.get(account=member)
    client.force_login(rm_user)
    pages = [
        client.get(f"/admin/incidents/account/{member.pk}/change/"),
        client.get(f"/admin/incidents/account/{review.account_id}/change/"),
        client.get(f"/admin/incidents/restriction/{restriction.pk}/change/"),
        client.get(f"/admin/incidents/review/{review.pk}/change/"),
        client.get("/admin/incidents/review/"),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert "피해자" not in text
        assert f"RM 사고 {secret.pk}" not in text and f"RM 사고 #{secret.pk}" not in text
        assert f"RM 사고 {driver.pk}" not in text and f"RM 사고 #{driver.pk}" not in text
    # The plain case is still named, with its note.
    assert f"RM 사고 {plain_case.pk}" in pages[0].content.decode()
    assert "오염 확인" in pages[0].content.decode()
    # A holder of the permission sees the source and the note.
    Group.objects.get(name="rm").permissions.add(
        Permission.objects.get(codename="view_sensitive_incident")
    )
    client.force_login(rm_user)
    text = client.get(f"/admin/incidents/account/{member.pk}/change/").content.decode()
    assert f"RM 사고 {secret.pk}" in text and "피해자 진술로 확인" in text
