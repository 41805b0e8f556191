"""Brand-risk sharing: the masked summary, who and when, and the share required before closing
a 성민감 or 보험 case with media or a public agency involved."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from incidents.masking import mask_text
from incidents.models import Incident
from incidents.services.rm import (
    PartyInput,
    TransitionRefused,
    incident_create,
    incident_share,
    incident_transition,
)

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")
URL = "/api/v1/incidents/"
TO_ACTION = ("triaged", "investigating", "action_taken")


@pytest.mark.parametrize(
    ("text", "masked", "hidden"),
    [
        ("기사 010-1234-5678 연락", "010-****-5678", "1234"),
        ("고객 02-555-1234", "02-***-1234", "555"),
        ("주민번호 900101-1234567", "900101-*******", "1234567"),
        ("차량 12가3456 파손", "12가****", "3456"),
        ("차량 123나 4567", "123나****", "4567"),
        ("테헤란로 123에서 하차", "테헤란로 ***", "123"),
        ("역삼동 823-1 앞", "역삼동 ***", "823"),
        ("래미안 101동 1203호", "***호", "1203"),
        ("홍길동 기사가 욕설", "홍*동 기사가", "홍길동"),
        # A Korean particle right after the number (no word boundary between digit and Hangul).
        ("주민번호 900101-1234567이고", "900101-*******이고", "1234567"),
        ("주민번호는 9001011234567입니다", "900101-*******입", "1234567"),
        ("기사 010-1234-5678로 연락", "010-****-5678로", "1234"),
        ("기사 01012345678에게", "010-****-5678에게", "1234"),
        ("차량 12가3456을 확인", "12가****을", "3456"),
        # +82 (the country code).
        ("연락처 +82-10-1234-5678 입니다", "+82-10-****-5678", "1234"),
        ("연락처 +821012345678로", "+82-10-****-5678로", "1234"),
        ("연락처 +82 10 1234 5678", "+82-10-****-5678", "1234"),
        ("사무실 +82-2-555-1234", "+82-2-***-1234", "555"),
    ],
)
def test_each_kind_of_personal_data_is_masked_in_free_text(text, masked, hidden):
    out = mask_text(text, names=("홍길동",))
    assert masked in out
    assert hidden not in out


def file(category: str, subtype: str, *, media: bool) -> Incident:
    return incident_create(
        service="daeri",
        category=category,
        subtype=subtype,
        severity="high",
        description="홍길동 기사(010-1234-5678)가 12가3456 차량에서 고객을 폭행",
        occurred_at=datetime(2026, 10, 8, 22, tzinfo=KST),
        media_or_agency=media,
        parties=[PartyInput(role="driver", external_id="D-1", name="홍길동", phone="01012345678")],
    )


def walk(incident: Incident) -> None:
    for to in TO_ACTION:
        incident_transition(incident_id=incident.pk, to=to, actor=None)


@pytest.mark.parametrize(("category", "subtype"), [("sexual", "assault"), ("insurance", "major")])
def test_a_media_case_of_a_sharing_category_cannot_close_before_it_is_shared(
    category, subtype, rm_user
):
    incident = file(category, subtype, media=True)
    walk(incident)
    with pytest.raises(TransitionRefused, match="공유한 뒤에"):
        incident_transition(incident_id=incident.pk, to="closed", actor=rm_user)
    share = incident_share(incident_id=incident.pk, actor=rm_user)
    assert (share.recipient, share.actor) == ("jack", rm_user)
    incident_transition(incident_id=incident.pk, to="closed", actor=rm_user)
    assert Incident.objects.get(pk=incident.pk).status == "closed"


@pytest.mark.parametrize(
    ("category", "subtype", "media"),
    [("sexual", "assault", False), ("criminal", "violence", True), ("insurance", "major", False)],
)
def test_other_cases_close_without_a_share(category, subtype, media):
    incident = file(category, subtype, media=media)
    walk(incident)
    incident_transition(incident_id=incident.pk, to="closed", actor=None)
    assert Incident.objects.get(pk=incident.pk).status == "closed"


def test_the_summary_is_masked_and_the_share_is_on_the_timeline(api_as, rm_user, settings):
    settings.BRAND_RISK_CONTACT = "brand-risk@example.com"
    incident = file("criminal", "violence", media=False)
    answer = api_as(rm_user).post(f"{URL}{incident.pk}/share/")
    assert answer.status_code == 201
    summary = answer.json()["summary"]
    assert answer.json()["recipient"] == "brand-risk@example.com"
    assert "형사 신고 · 폭행" in summary
    assert "홍*동" in summary and "010-****-5678" in summary and "12가****" in summary
    for secret in ("홍길동", "1234-5678", "3456"):
        assert secret not in summary
    timeline = api_as(rm_user).get(f"{URL}{incident.pk}/").json()["timeline"]
    assert timeline[-1]["kind"] == "shared"
    assert timeline[-1]["actor"] == "rm1"


def test_closing_an_unshared_media_case_through_the_api_is_409(api_as, rm_user):
    incident = file("insurance", "over_limit", media=True)
    walk(incident)
    answer = api_as(rm_user).post(
        f"{URL}{incident.pk}/transition/", {"to": "closed"}, format="json"
    )
    assert answer.status_code == 409
    assert "공유" in answer.json()["status"][0]


def test_a_sensitive_case_cannot_be_shared_by_someone_who_may_not_see_it(api_as, rm_user):
    incident = file("sexual", "harassment", media=True)
    assert api_as(rm_user).post(f"{URL}{incident.pk}/share/").status_code == 404
    assert not incident.shares.exists()
