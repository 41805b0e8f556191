"""The RM incident queue in the console: read-only, Korean, and 성민감 cases absent for users
without the permission."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from config.roles import RM_SENSITIVE
from incidents.services.rm import PartyInput, incident_create, incident_transition
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")


def file(category: str, subtype: str, description: str):  # type: ignore[no-untyped-def]
    return incident_create(
        service="taxi",
        category=category,
        subtype=subtype,
        severity="medium",
        description=description,
        occurred_at=datetime(2026, 10, 8, 10, tzinfo=KST),
        parties=[PartyInput(role="driver", external_id="D-7", name="김철수", phone="01098765432")],
    )


def test_the_queue_lists_in_korean_and_leaves_out_sensitive_cases_for_plain_rm(client, rm_user):
    file("criminal", "violence", "폭행 사건")
    file("sexual", "molestation", "비밀 사건")
    client.force_login(rm_user)
    page = client.get(reverse("admin:incidents_incident_changelist"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "형사 신고" in text and "폭행" in text
    assert "성추행" not in text and "성민감" not in text


def test_a_sensitive_case_page_does_not_exist_for_plain_rm_but_does_for_rm_sensitive(
    client, rm_user
):
    secret = file("sexual", "molestation", "비밀 사건")
    url = reverse("admin:incidents_incident_change", args=[secret.pk])
    client.force_login(rm_user)
    assert "비밀 사건" not in client.get(url, follow=True).content.decode()
    client.force_login(make_user("rms1", RM_SENSITIVE))
    page = client.get(url)
    assert page.status_code == 200
    assert "비밀 사건" in page.content.decode()


def test_the_incident_page_shows_masked_parties_and_the_timeline(client, rm_user):
    incident = file("insurance", "misfuel", "혼유 사고")
    incident_transition(incident_id=incident.pk, to="triaged", actor=rm_user, reason="분류 완료")
    client.force_login(rm_user)
    text = client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content
    page = text.decode()
    assert "김*수" in page and "010-****-5432" in page
    assert "김철수" not in page and "01098765432" not in page
    assert "분류 완료" in page
    assert "잘못된 유종" in page  # the subtype's definition as help


def test_the_incident_page_shows_evidence_and_insurance(client, rm_user, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from incidents.services.rm_actions import incident_set_insurance
    from incidents.services.rm_evidence import incident_evidence_add

    settings.INCIDENTS_EVIDENCE_ROOT = tmp_path
    incident = file("insurance", "over_limit", "외제차 추돌")
    evidence = incident_evidence_add(
        incident=incident,
        actor=rm_user,
        upload=SimpleUploadedFile("견적서.pdf", b"%PDF-1.7\n" + b"x" * 64),
    )
    incident_set_insurance(
        incident=incident,
        actor=rm_user,
        insurer_limit=20_000_000,
        loss_amount=35_500_000,
        reason="보험사 회신",
    )
    client.force_login(rm_user)
    page = client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content
    text = page.decode()
    assert "견적서.pdf" in text and evidence.sha256 in text
    assert "15,500,000" in text
