"""Over-limit insurance on an incident: the insurer's limit and the loss in 원, the excess
above the limit, a timeline row; the detail shows them with the exemption flag."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Incident, IncidentEvent
from incidents.services.rm import incident_create
from incidents.services.rm_actions import incident_set_insurance
from policies.models import InsuranceLine

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")
URL = "/api/v1/incidents/"


def file(**overrides):  # type: ignore[no-untyped-def]
    fields = {
        "service": "daeri",
        "category": "insurance",
        "subtype": "over_limit",
        "severity": "high",
        "description": "외제차 추돌, 보상한도 초과",
        "occurred_at": datetime(2026, 10, 6, 9, tzinfo=KST),
    }
    return incident_create(**{**fields, **overrides})


def test_the_excess_is_the_loss_above_the_limit_with_a_timeline_row(rm_user):
    incident = file()
    incident_set_insurance(
        incident=incident,
        actor=rm_user,
        insurer_limit=20_000_000,
        loss_amount=35_500_000,
        reason="보험사 회신",
    )
    incident.refresh_from_db()
    assert incident.excess == 15_500_000
    event = incident.events.get(kind=IncidentEvent.Kind.UPDATED)
    assert event.detail == (
        "보험 한도 미정 → 20,000,000원, 손해액 미정 → 35,500,000원, 초과액 15,500,000원"
    )
    assert (event.actor, event.reason) == (rm_user, "보험사 회신")


def test_within_the_limit_the_excess_is_zero_and_unknown_amounts_give_none(rm_user):
    incident = file()
    incident_set_insurance(
        incident=incident, actor=rm_user, insurer_limit=10_000, loss_amount=9_000, reason="x"
    )
    assert Incident.objects.get(pk=incident.pk).excess == 0
    incident_set_insurance(
        incident=incident, actor=rm_user, insurer_limit=10_000, loss_amount=None, reason="재산정"
    )
    assert Incident.objects.get(pk=incident.pk).excess is None


def test_the_same_amounts_again_change_nothing(rm_user):
    incident = file()
    for _ in range(2):
        incident_set_insurance(
            incident=incident, actor=rm_user, insurer_limit=1, loss_amount=2, reason="x"
        )
    assert incident.events.filter(kind=IncidentEvent.Kind.UPDATED).count() == 1


def test_negative_amounts_and_a_missing_reason_are_refused(rm_user):
    incident = file()
    with pytest.raises(ValidationError) as exc:
        incident_set_insurance(
            incident=incident, actor=rm_user, insurer_limit=-1, loss_amount=-5, reason=" "
        )
    assert set(exc.value.message_dict) == {"insurer_limit", "loss_amount", "reason"}
    assert Incident.objects.get(pk=incident.pk).insurer_limit is None


def test_the_api_records_and_shows_the_amounts(api_as, rm_user):
    rm = api_as(rm_user)
    incident = file()
    body = {"insurer_limit": 20_000_000, "loss_amount": 35_500_000, "reason": "보험사 회신"}
    answer = rm.post(f"{URL}{incident.pk}/insurance/", body, format="json")
    assert answer.status_code == 200
    got = answer.json()
    assert (got["insurer_limit"], got["loss_amount"], got["excess"]) == (
        20_000_000,
        35_500_000,
        15_500_000,
    )
    assert got["insurance_exempt"] is False
    exempt = file(subtype="dui_accident")
    assert rm.get(f"{URL}{exempt.pk}/").json()["insurance_exempt"] is True
    assert rm.get(f"{URL}{exempt.pk}/").json()["excess"] is None


@pytest.mark.parametrize(
    "change",
    [{"insurer_limit": -1}, {"loss_amount": "많음"}, {"reason": ""}, {"loss_amount": 1.5}],
)
def test_bad_amounts_are_a_400(api_as, rm_user, change):
    incident = file()
    body = {"insurer_limit": 1000, "loss_amount": 2000, "reason": "x", **change}
    answer = api_as(rm_user).post(f"{URL}{incident.pk}/insurance/", body, format="json")
    assert answer.status_code == 400
    assert set(change) <= set(answer.json())


def test_a_sensitive_case_is_404_for_plain_rm(api_as, rm_user):
    secret = file(category="sexual", subtype="harassment")
    body = {"insurer_limit": 1000, "loss_amount": 2000, "reason": "x"}
    answer = api_as(rm_user).post(f"{URL}{secret.pk}/insurance/", body, format="json")
    assert answer.status_code == 404


def line(kind="cgl", *, limit=30_000_000, start=date(2026, 1, 1), end=date(2026, 12, 31)):  # type: ignore[no-untyped-def]
    return InsuranceLine.objects.create(
        kind=kind,
        insurer="한빛손해보험",
        policy_number=f"P{kind}{start:%Y}",
        limit=limit,
        deductible=1_000_000,
        period_start=start,
        period_end=end,
    )


def test_without_an_own_limit_the_excess_is_over_the_linked_lines_limit(rm_user):
    incident = file()
    incident_set_insurance(
        incident=incident,
        actor=rm_user,
        insurer_limit=None,
        loss_amount=35_500_000,
        insurance_line=line(),
        reason="보험 계약 연결",
    )
    incident.refresh_from_db()
    assert (incident.limit_in_effect, incident.excess) == (30_000_000, 5_500_000)
    # A limit recorded for the case itself wins over the line's.
    incident_set_insurance(
        incident=incident,
        actor=rm_user,
        insurer_limit=40_000_000,
        loss_amount=35_500_000,
        reason="보험사 회신",
    )
    incident.refresh_from_db()
    assert incident.insurance_line is not None  # left out: the line stays
    assert (incident.limit_in_effect, incident.excess) == (40_000_000, 0)


def test_a_line_not_in_force_on_the_day_of_the_accident_is_refused(rm_user):
    incident = file()  # occurred 2026-10-06 KST
    expired = line(start=date(2025, 1, 1), end=date(2026, 10, 5))
    with pytest.raises(ValidationError) as exc:
        incident_set_insurance(
            incident=incident,
            actor=rm_user,
            insurer_limit=None,
            loss_amount=1,
            insurance_line=expired,
            reason="x",
        )
    assert "2026-10-06" in exc.value.message_dict["insurance_line"][0]
    assert Incident.objects.get(pk=incident.pk).insurance_line_id is None


def test_the_api_links_a_line_shows_it_and_unlinks_it(api_as, rm_user):
    rm = api_as(rm_user)
    incident = file()
    cover = line(limit=20_000_000)
    body = {"insurer_limit": None, "loss_amount": 35_500_000, "reason": "연결"}
    got = rm.post(
        f"{URL}{incident.pk}/insurance/", {**body, "insurance_line": cover.pk}, format="json"
    ).json()
    assert got["insurance_line"]["id"] == cover.pk
    assert got["insurance_line"]["limit"] == 20_000_000
    assert (got["limit_in_effect"], got["excess"]) == (20_000_000, 15_500_000)
    missing = rm.post(
        f"{URL}{incident.pk}/insurance/", {**body, "insurance_line": 999_999}, format="json"
    )
    assert missing.status_code == 400
    assert "999999" in missing.json()["insurance_line"][0]
    got = rm.post(
        f"{URL}{incident.pk}/insurance/", {**body, "insurance_line": None}, format="json"
    ).json()
    assert (got["insurance_line"], got["excess"]) == (None, None)
