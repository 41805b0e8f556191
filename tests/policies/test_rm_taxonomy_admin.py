"""Managers edit the RM taxonomy (SLA targets, subtypes and their definitions) in a draft
version of the policy console; a published version's taxonomy is read-only."""

import pytest
from django.test import Client

from policies.models import PolicyVersion, RmCategory, RmSubtype
from policies.services import policy_version_create_draft
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_changes_sla_targets_and_adds_a_subtype_in_a_draft(manager):
    v1 = PolicyVersion.objects.get(number=1)
    draft = policy_version_create_draft(source=v1, actor=manager)
    category = RmCategory.objects.get(version=draft, code="other")
    client = client_for(manager)
    listing = client.get(f"/admin/policies/rmcategory/?version__id__exact={draft.pk}")
    assert "기타" in listing.content.decode() and "8시간 / 16시간" in listing.content.decode()
    url = f"/admin/policies/rmcategory/{category.pk}/change/"
    data = form_data(client.get(url).content.decode())
    data["sla_critical_hours"] = "6"
    total = int(data["subtypes-TOTAL_FORMS"])
    data.update(
        {
            "subtypes-TOTAL_FORMS": str(total + 1),
            f"subtypes-{total}-code": "drone_delivery",
            f"subtypes-{total}-label": "드론 배송",
            f"subtypes-{total}-order": "99",
            f"subtypes-{total}-definition": "드론 배송 중 발생한 사고·민원",
        }
    )
    answer = client.post(url, data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    category.refresh_from_db()
    assert category.sla_critical_hours == 6
    added = RmSubtype.objects.get(version=draft, code="drone_delivery")
    assert (added.category, added.version) == (category, draft)
    # v1 is untouched: the draft holds its own copy.
    assert RmCategory.objects.get(version=v1, code="other").sla_critical_hours == 8
    assert not RmSubtype.objects.filter(version=v1, code="drone_delivery").exists()


def test_a_published_taxonomy_is_read_only_in_the_console(manager):
    category = RmCategory.objects.get(version__number=1, code="sexual")
    client = client_for(manager)
    url = f"/admin/policies/rmcategory/{category.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="sla_critical_hours"' not in page.content.decode()
    assert client.post(url, {"sla_critical_hours": "1"}).status_code == 403
    category.refresh_from_db()
    assert category.sla_critical_hours == 2


def test_rm_reads_the_taxonomy_but_cannot_change_it(rm_user):
    client = client_for(rm_user)
    assert client.get("/admin/policies/rmcategory/").status_code == 200
    category = RmCategory.objects.get(version__number=1, code="other")
    assert client.get(f"/admin/policies/rmcategory/{category.pk}/change/").status_code == 200
    assert client.get("/admin/policies/rmcategory/add/").status_code == 403
