"""The agent's relief page and the admin lists."""

import pytest

from claims.relief.models import ReliefApplication

pytestmark = pytest.mark.django_db

FORM = {
    "program": "outage-1015",
    "segment": "small_business",
    "kind": "business",
    "external_id": "B-1",
    "name": "홍길동",
    "business_number": "123-45-67890",
    "reported_loss": "400000",
    "damage": "paid_service",
    "channel": "web",
    "submitted_at": "2022-10-20T10:00",
}


def test_an_agent_files_through_the_page_and_sees_the_result(client, agent):
    client.force_login(agent)
    page = client.get("/relief/apply/")
    assert page.status_code == 200 and "피해 지원 접수" in page.content.decode()
    response = client.post("/relief/apply/", FORM)
    body = response.content.decode()
    assert response.status_code == 200
    assert "승인" in body and "50,000원" in body and "소상공인 지원금" in body
    stored = ReliefApplication.objects.get()
    assert stored.submitted_at.isoformat() == "2022-10-20T01:00:00+00:00"  # typed in KST


def test_the_page_shows_the_window_refusal_as_a_form_error(client, agent):
    client.force_login(agent)
    response = client.post("/relief/apply/", {**FORM, "submitted_at": "2023-03-01T10:00"})
    assert response.status_code == 400
    assert "접수 기간이 아닙니다" in response.content.decode()
    response = client.post("/relief/apply/", {**FORM, "business_number": "12"})
    assert response.status_code == 400 and "숫자 10자리" in response.content.decode()
    assert not ReliefApplication.objects.exists()


def test_rm_may_not_file(client, rm_user):
    client.force_login(rm_user)
    assert client.get("/relief/apply/").status_code == 403


def test_a_manager_sees_the_admin_lists(client, manager, agent):
    client.force_login(agent)
    client.post("/relief/apply/", FORM)
    client.force_login(manager)
    listing = client.get("/admin/claims/reliefapplication/")
    assert listing.status_code == 200 and "홍*동" in listing.content.decode()
    assert "123-45-*****" in listing.content.decode()
    assert "1234567890" not in listing.content.decode()
    assert client.get("/admin/claims/reliefimport/").status_code == 200
    versions = client.get("/admin/policies/reliefprogramversion/")
    assert versions.status_code == 200 and "outage-1015" in versions.content.decode()


def test_the_page_refuses_a_missing_loss_and_a_wrong_account_kind(client, agent):
    client.force_login(agent)
    response = client.post("/relief/apply/", {**FORM, "reported_loss": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["reported_loss"][0].startswith("소상공인은(는)")
    response = client.post("/relief/apply/", {**FORM, "kind": "driver"})
    assert response.status_code == 400
    assert "계정 종류는" in response.context["form"].errors["kind"][0]
    assert not ReliefApplication.objects.exists()
