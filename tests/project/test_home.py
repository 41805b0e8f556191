"""The home page: each role sees its own work, with what waits for it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from incidents.models import Incident
from incidents.services.rm import incident_create

pytestmark = pytest.mark.django_db
KST = ZoneInfo("Asia/Seoul")


def page_for(user) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_an_agent_sees_claims_and_relief_intake_but_not_rm_or_the_committee(agent):
    page = page_for(agent)
    assert "클레임 접수" in page and "피해 지원 접수" in page
    assert "RM 대기열" not in page and "협의체 심의 대기" not in page
    assert "상위 결정 대기" not in page


def test_rm_sees_its_own_open_and_late_cases(rm_user):
    late = incident_create(
        service="daeri",
        category="other",
        subtype="general_dispute",
        severity="low",
        description="요금 분쟁",
        occurred_at=datetime(2026, 1, 5, 10, tzinfo=KST),
    )
    Incident.objects.filter(pk=late.pk).update(
        assignee=rm_user, sla_due_at=timezone.now() - timedelta(hours=1)
    )
    page = page_for(rm_user)
    assert "RM 대기열" in page
    assert "내 담당</a> 1건" in page
    assert "기한 초과 1건" in page
    assert "클레임 접수" not in page


def test_a_sensitive_case_is_not_counted_for_plain_rm(rm_user):
    incident_create(
        service="daeri",
        category="sexual",
        subtype="harassment",
        severity="high",
        description="성희롱 신고",
        occurred_at=datetime(2026, 1, 5, 10, tzinfo=KST),
    )
    assert "미배정 0건" in page_for(rm_user)
