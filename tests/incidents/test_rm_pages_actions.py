"""The incident page's actions built on the RM services: SLA pause and resume, a violation on a
party, evidence files, the insurer's limit and excess, and the user's notices (알림)."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from config.roles import RM_SENSITIVE
from incidents.models import (
    AccountFlag,
    Incident,
    IncidentEvidence,
    IncidentNotification,
    Violation,
)
from incidents.services.rm import PartyInput, incident_create
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.INCIDENTS_EVIDENCE_ROOT = tmp_path / "incidents"


def file(**overrides):  # type: ignore[no-untyped-def]
    now = timezone.now()
    fields = {
        "service": "truka",
        "category": "other",
        "subtype": "general_dispute",
        "severity": "medium",
        "description": "차량 내 흡연 신고",
        "occurred_at": now - timedelta(hours=3),
        "reported_at": now - timedelta(hours=2),
        "parties": [PartyInput(role="truka_member", external_id="T-ACT-1", name="홍길동")],
    }
    return incident_create(**{**fields, **overrides})


@pytest.fixture
def rm(rm_user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(rm_user)
    return client


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def test_pause_and_resume_through_the_page(rm):
    incident = file()
    response = rm.post(f"/incidents/{incident.pk}/pause/", {"reason": ""})
    assert response.status_code == 200 and "일시정지 사유" in text(response)
    assert (
        rm.post(f"/incidents/{incident.pk}/pause/", {"reason": "경찰 회신 대기"}).status_code == 302
    )
    incident.refresh_from_db()
    assert incident.sla_paused_at is not None
    html = text(rm.get(f"/incidents/{incident.pk}/"))
    assert "SLA 재개" in html and "일시정지 ·" in html
    assert f'value="{incident.pk}"' in text(rm.get("/incidents/?sla=paused"))
    assert rm.post(f"/incidents/{incident.pk}/resume/", {"reason": "회신 받음"}).status_code == 302
    incident.refresh_from_db()
    assert incident.sla_paused_at is None
    assert set(incident.events.values_list("kind", flat=True)) >= {"sla_paused", "sla_resumed"}


def test_pausing_a_closed_case_is_a_form_error(rm):
    incident = file()
    Incident.objects.filter(pk=incident.pk).update(status="closed")
    response = rm.post(f"/incidents/{incident.pk}/pause/", {"reason": "대기"})
    assert response.status_code == 200 and "종결된 사고는" in text(response)


def test_a_violation_on_a_party_applies_the_rule_and_refusals_are_form_errors(rm):
    incident = file()
    party = incident.parties.get()
    html = text(rm.get(f"/incidents/{incident.pk}/"))
    assert 'value="smoking_reported"' in html  # the 트루카 rules for a 트루카 member
    response = rm.post(
        f"/incidents/{incident.pk}/violations/",
        {"party": party.pk, "code": "smoking_reported", "reason": "블랙박스 확인"},
        follow=True,
    )
    assert "위반을 기록했습니다" in text(response)
    assert Violation.objects.filter(account=party.account, code="smoking_reported").count() == 1
    for data in (
        {"party": party.pk, "code": "smoking_reported", "reason": ""},
        {"party": 999999, "code": "smoking_reported", "reason": "x"},
        {"party": party.pk, "code": "no_such_code", "reason": "x"},
        {"party": "x", "code": "dirt", "reason": "x"},
    ):
        response = rm.post(f"/incidents/{incident.pk}/violations/", data)
        assert response.status_code == 200 and 'class="errorlist' in text(response), data
    assert Violation.objects.count() == 1


def test_evidence_upload_list_and_download_and_a_refused_type(rm):
    incident = file()
    upload = SimpleUploadedFile("사진.png", PNG, content_type="image/png")
    assert rm.post(f"/incidents/{incident.pk}/evidence/", {"file": upload}).status_code == 302
    evidence = IncidentEvidence.objects.get(incident=incident)
    assert evidence.sha256 == hashlib.sha256(PNG).hexdigest()
    html = text(rm.get(f"/incidents/{incident.pk}/"))
    assert "사진.png" in html
    got = rm.get(f"/incidents/{incident.pk}/evidence/{evidence.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    assert got["X-Content-SHA256"] == evidence.sha256
    bad = SimpleUploadedFile("a.exe", b"MZ" + b"\x00" * 20, content_type="image/png")
    response = rm.post(f"/incidents/{incident.pk}/evidence/", {"file": bad})
    assert response.status_code == 200 and 'class="errorlist' in text(response)
    assert rm.post(f"/incidents/{incident.pk}/evidence/", {}).status_code == 200
    assert IncidentEvidence.objects.count() == 1


def test_a_sensitive_cases_evidence_and_actions_are_404_for_plain_rm(rm):
    secret = file(category="sexual", subtype="harassment")
    for action in ("pause", "resume", "violations", "evidence"):
        assert rm.post(f"/incidents/{secret.pk}/{action}/", {"reason": "x"}).status_code == 404
    assert rm.get(f"/incidents/{secret.pk}/evidence/1/").status_code == 404


def test_the_insurers_limit_and_the_excess_show_in_won(rm):
    incident = file(category="insurance", subtype="over_limit")
    Incident.objects.filter(pk=incident.pk).update(insurer_limit=10_000_000, loss_amount=13_500_000)
    html = text(rm.get(f"/incidents/{incident.pk}/"))
    assert "10,000,000원" in html and "13,500,000원" in html and "3,500,000원" in html


def test_notifications_list_mark_read_and_hide_sensitive_cases(rm, rm_user):
    plain, secret = file(), file(category="sexual", subtype="harassment")
    now = timezone.now()
    for incident in (plain, secret):
        IncidentNotification.objects.create(
            user=rm_user, incident=incident, kind="sla_breached", message=f"#{incident.pk} 초과",
            created_at=now, breach_at=now,
        )  # fmt: skip
    queue = text(rm.get("/incidents/"))
    assert 'class="unread">1<' in queue
    html = text(rm.get("/incidents/notifications/"))
    assert f"#{plain.pk} 초과" in html and f"#{secret.pk} 초과" not in html
    rm.post("/incidents/notifications/", {"id": "abc"})
    assert rm.post("/incidents/notifications/", {}).status_code == 302
    assert IncidentNotification.objects.get(incident=plain).read_at is not None
    assert IncidentNotification.objects.get(incident=secret).read_at is None
    rms = Client()
    rms.force_login(make_user("rms-n", RM_SENSITIVE))
    assert f"#{secret.pk}" not in text(rms.get("/incidents/notifications/"))  # not theirs


def test_the_insurance_form_records_the_amounts_and_refuses_bad_ones(rm):
    incident = file(category="insurance", subtype="over_limit")
    url = f"/incidents/{incident.pk}/insurance/"
    for data in (
        {"insurer_limit": "10000000", "loss_amount": "12000000", "reason": ""},
        {"insurer_limit": "-1", "loss_amount": "1", "reason": "x"},
        {"insurer_limit": "많이", "loss_amount": "1", "reason": "x"},
    ):
        response = rm.post(url, data)
        assert response.status_code == 200 and 'class="errorlist' in text(response), data
    response = rm.post(
        url,
        {"insurer_limit": "10000000", "loss_amount": "12000000", "reason": "손해사정"},
        follow=True,
    )
    assert "한도 초과액 2,000,000원" in text(response)
    incident.refresh_from_db()
    assert (incident.insurer_limit, incident.loss_amount, incident.excess) == (
        10_000_000,
        12_000_000,
        2_000_000,
    )


def daeri_accident(subtype: str, external_id: str = "D-FLAG-1"):  # type: ignore[no-untyped-def]
    category = "criminal" if subtype == "hit_and_run" else "insurance"
    return file(
        service="daeri",
        category=category,
        subtype=subtype,
        parties=[PartyInput(role="driver", external_id=external_id, name="최도윤")],
    )


def test_a_flagged_driver_has_a_badge_and_is_listed_and_rm_clears_it(rm, rm_user, manager):
    incident = daeri_accident("dui_accident")  # gross negligence: flagged at once
    html = text(rm.get(f"/incidents/{incident.pk}/"))
    assert 'class="badge flag"' in html and "사고다발" in html
    listing = text(rm.get("/incidents/flags/"))
    assert "D-FLAG-1" in listing and f"#{incident.pk}" in listing and "해제" in listing
    flag = AccountFlag.objects.get()
    # Managers see the list but the decision is RM's.
    as_manager = Client()
    as_manager.force_login(manager)
    assert "D-FLAG-1" in text(as_manager.get("/incidents/flags/"))
    assert as_manager.post("/incidents/flags/", {"flag": flag.pk, "reason": "x"}).status_code == 403
    response = rm.post("/incidents/flags/", {"flag": flag.pk, "reason": ""}, follow=True)
    assert "해제 사유가 필요합니다" in text(response)
    assert rm.post("/incidents/flags/", {"flag": flag.pk, "reason": "오판정"}).status_code == 302
    flag.refresh_from_db()
    assert flag.cleared_at is not None and flag.cleared_by == rm_user
    assert "D-FLAG-1" not in text(rm.get("/incidents/flags/"))


def test_a_flag_caused_only_by_a_sensitive_case_is_absent_for_plain_rm(rm):
    secret = file(
        service="daeri",
        category="sexual",
        subtype="harassment",
        parties=[PartyInput(role="driver", external_id="D-FLAG-2", name="김비밀")],
    )
    account = secret.parties.get().account
    flag = AccountFlag.objects.create(
        account=account, kind="repeat_accidents", reason="시험", raised_at=timezone.now()
    )
    flag.incidents.add(secret)
    assert "D-FLAG-2" not in text(rm.get("/incidents/flags/"))
    assert rm.post("/incidents/flags/", {"flag": flag.pk, "reason": "x"}).status_code == 404


def test_linking_an_insurance_line_gives_the_limit_when_none_is_recorded(rm):
    from datetime import date

    from policies.models import InsuranceLine

    incident = file(category="insurance", subtype="over_limit")
    day = timezone.localtime(incident.occurred_at).date()
    cgl = InsuranceLine.objects.create(
        kind="cgl", insurer="한빛손해보험", policy_number="PCGL", limit=30_000_000,
        deductible=1_000_000, period_start=date(day.year, 1, 1), period_end=date(day.year, 12, 31),
    )  # fmt: skip
    html = text(rm.get(f"/incidents/{incident.pk}/"))
    assert f'<option value="{cgl.pk}">' in html
    response = rm.post(
        f"/incidents/{incident.pk}/insurance/",
        {"insurance_line": str(cgl.pk), "loss_amount": "32000000", "reason": "계약 연결"},
        follow=True,
    )
    assert "한도 초과액 2,000,000원" in text(response) and "(계약 한도)" in text(response)
    incident.refresh_from_db()
    assert incident.insurance_line == cgl
    # "그대로" keeps the line; "연결 안 함" unlinks it.
    rm.post(f"/incidents/{incident.pk}/insurance/", {"loss_amount": "1", "reason": "정정"})
    incident.refresh_from_db()
    assert incident.insurance_line == cgl
    rm.post(
        f"/incidents/{incident.pk}/insurance/",
        {"insurance_line": "none", "loss_amount": "1", "reason": "해제"},
    )
    incident.refresh_from_db()
    assert incident.insurance_line is None
    bad = rm.post(
        f"/incidents/{incident.pk}/insurance/", {"insurance_line": "999999", "reason": "x"}
    )
    assert bad.status_code == 200 and 'class="errorlist' in text(bad)
