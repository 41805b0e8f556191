"""Claims linked to RM incidents: the link is the claims app's (claims know incidents); a claim
event and a `claim_linked` row on the incident's timeline; the incident's detail lists the
linked claims through INCIDENTS_LINKED_CLAIMS; 성민감 incidents stay hidden on both sides."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from claims.models import ClaimEvent, ClaimIncidentLink
from claims.selectors import claims_linked_to_incident, incidents_linked_to_claim
from claims.services import ClaimInputError, claim_link_incident
from config.roles import RM_SENSITIVE
from incidents.models import IncidentEvent
from incidents.selectors import linked_claims_of
from incidents.services.rm import incident_create
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")
URL = "/api/v1/incidents/"


def file_incident(**overrides):  # type: ignore[no-untyped-def]
    fields = {
        "service": "daeri",
        "category": "criminal",
        "subtype": "theft",
        "severity": "high",
        "description": "차량 내 지갑 분실",
        "occurred_at": datetime(2026, 10, 6, 9, tzinfo=KST),
    }
    return incident_create(**{**fields, **overrides})


@pytest.fixture
def claim(file_claim):  # type: ignore[no-untyped-def]
    return file_claim()["id"]


def test_linking_writes_a_claim_event_and_an_incident_timeline_row(claim, rm_user):
    incident = file_incident()
    link, created = claim_link_incident(
        claim_id=claim, incident_id=incident.pk, actor=rm_user, reason="같은 운행"
    )
    assert created and link.linked_by == rm_user
    # The claim event names neither the incident nor the reason (claim readers may not know
    # of a 성민감 case).
    [event] = ClaimEvent.objects.filter(claim_id=claim, reason__startswith="RM 사고")
    assert event.reason == "RM 사고 연결"
    row = incident.events.get(kind=IncidentEvent.Kind.CLAIM_LINKED)
    assert row.detail.startswith(f"클레임 #{claim} (")
    assert (row.actor, row.reason) == (rm_user, "같은 운행")
    [shown] = linked_claims_of(incident.pk)
    assert shown["number"] == claim
    assert shown["status"] == "open"
    assert shown["url"] == f"/claims/{claim}/"
    assert shown["type"] == "dispatch.reservation_late"


def test_linking_again_changes_nothing(claim, rm_user):
    incident = file_incident()
    claim_link_incident(claim_id=claim, incident_id=incident.pk, actor=rm_user)
    _link, created = claim_link_incident(claim_id=claim, incident_id=incident.pk, actor=rm_user)
    assert not created
    assert ClaimIncidentLink.objects.count() == 1
    assert incident.events.filter(kind=IncidentEvent.Kind.CLAIM_LINKED).count() == 1


def test_an_unknown_incident_is_refused(claim, rm_user):
    with pytest.raises(ClaimInputError) as exc:
        claim_link_incident(claim_id=claim, incident_id=999999, actor=rm_user)
    assert "incident" in exc.value.errors


def test_the_setting_names_the_selector(settings, claim, rm_user):
    incident = file_incident()
    claim_link_incident(claim_id=claim, incident_id=incident.pk, actor=rm_user)
    assert linked_claims_of(incident.pk) == claims_linked_to_incident(incident.pk)
    settings.INCIDENTS_LINKED_CLAIMS = ""
    assert linked_claims_of(incident.pk) == []


def test_a_sensitive_incident_is_absent_from_a_claims_links_without_the_permission(
    claim, rm_user, manager
):
    holder = make_user("rms1", RM_SENSITIVE)
    plain, secret = file_incident(), file_incident(category="sexual", subtype="harassment")
    for incident in (plain, secret):
        claim_link_incident(claim_id=claim, incident_id=incident.pk, actor=holder)
    from claims.models import Claim

    the_claim = Claim.objects.get(pk=claim)
    assert list(incidents_linked_to_claim(the_claim, manager)) == [plain]
    assert list(incidents_linked_to_claim(the_claim, holder)) == [plain, secret]


# --- API --------------------------------------------------------------------------------------


def test_the_api_links_and_the_detail_lists_the_claim(api_as, rm_user, claim):
    incident = file_incident()
    rm = api_as(rm_user)
    answer = rm.post(f"{URL}{incident.pk}/claims/", {"claim": claim}, format="json")
    assert answer.status_code == 201, answer.json()
    assert [c["number"] for c in answer.json()["claims"]] == [claim]
    again = rm.post(f"{URL}{incident.pk}/claims/", {"claim": claim}, format="json")
    assert again.status_code == 200
    detail = rm.get(f"{URL}{incident.pk}/").json()
    assert [c["number"] for c in detail["claims"]] == [claim]
    assert detail["claims"][0]["status_label"] == "진행 중"
    assert [e["kind"] for e in detail["timeline"]].count("claim_linked") == 1


def test_the_api_refuses_an_unknown_claim_agents_and_hidden_incidents(
    api_as, rm_user, agent, claim
):
    rm = api_as(rm_user)
    incident = file_incident()
    unknown = rm.post(f"{URL}{incident.pk}/claims/", {"claim": 999999}, format="json")
    assert unknown.status_code == 400
    assert "claim" in unknown.json()
    assert api_as(agent).post(f"{URL}{incident.pk}/claims/", {"claim": claim}).status_code == 403
    secret = file_incident(category="sexual", subtype="harassment")
    hidden = rm.post(f"{URL}{secret.pk}/claims/", {"claim": claim}, format="json")
    assert hidden.status_code == 404
    assert not ClaimIncidentLink.objects.exists()


def test_the_claim_page_and_api_show_only_the_incidents_the_reader_may_know_of(
    client, api_as, claim, manager
):
    holder = make_user("rms1", RM_SENSITIVE)
    plain = file_incident()
    secret = file_incident(category="sexual", subtype="harassment", description="비밀 사건")
    for incident in (plain, secret):
        claim_link_incident(
            claim_id=claim, incident_id=incident.pk, actor=holder, reason="피해자 진술 관련"
        )
    answer = api_as(manager).get(f"/api/v1/claims/{claim}/").json()
    assert [i["id"] for i in answer["incidents"]] == [plain.pk]
    assert answer["incidents"][0]["url"] == f"/incidents/{plain.pk}/"
    reasons = " ".join(e["reason"] for e in answer["events"])
    assert f"#{secret.pk}" not in reasons and "피해자" not in reasons
    from django.contrib.auth.models import Group

    holder.groups.add(Group.objects.get(name="manager"))  # a manager who may see 성민감 cases
    shown = api_as(holder).get(f"/api/v1/claims/{claim}/").json()["incidents"]
    assert [i["id"] for i in shown] == [plain.pk, secret.pk]
    client.force_login(manager)
    page = client.get(f"/claims/{claim}/").content.decode()
    assert f"/incidents/{plain.pk}/" in page
    assert f"/incidents/{secret.pk}/" not in page and f"#{secret.pk}" not in page
    assert "피해자" not in page
