"""The RM taxonomy of seed 003 is policy data: all of it in v1, copied into drafts, immutable
once published (raw SQL included on PostgreSQL)."""

from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from policies import seed_rm
from policies.models import PolicyVersion, PublishedVersionIsImmutable, RmCategory, RmSubtype
from policies.selectors import rm_subtype, rm_taxonomy
from policies.services import policy_version_create_draft

pytestmark = pytest.mark.django_db

# DOMAIN.md §3, category -> subtypes in the seed's order.
DOMAIN = {
    "sexual": "harassment indecency private_contact filming_exposure molestation assault",
    "criminal": "violence theft dui_abetting hit_and_run threat_road_rage identity_theft "
    "drugs_quarantine pii_collection driver_dui other_felony safe_driving_breach "
    "provider_injury embezzlement",
    "insurance": "over_limit autonomous dui_accident unlicensed unregistered_driver "
    "not_started_or_ended_early misfuel delivery_without_customer bike_defect bike_not_riding "
    "major other_exempt accident_denied",
    "other": "abnormal_calls policy_threat payment_policy service_outage general_dispute "
    "new_service industrial_injury repeat_accidents",
}
EXEMPT = {
    "dui_accident",
    "unlicensed",
    "unregistered_driver",
    "not_started_or_ended_early",
    "misfuel",
    "delivery_without_customer",
}


def test_the_migration_loads_the_taxonomy_as_seed_rm_says():
    frozen = Path(__file__).parents[2] / "policies" / "migrations" / "rm_taxonomy_v1.json"
    # Regenerate with `python -m policies.seed_rm > policies/migrations/rm_taxonomy_v1.json`.
    assert frozen.read_text(encoding="utf-8") == seed_rm.as_json()


def test_v1_holds_all_four_categories_and_forty_subtypes_in_the_seeds_order():
    taxonomy = rm_taxonomy()
    assert {c.code: " ".join(s.code for s in c.subtypes.all()) for c in taxonomy} == DOMAIN
    assert [c.code for c in taxonomy] == list(DOMAIN)
    assert sum(c.subtypes.count() for c in taxonomy) == 40
    assert [c.label for c in taxonomy] == ["성민감", "형사 신고", "보험 사고", "기타 이슈"]


def test_every_subtype_has_its_korean_label_and_definition():
    harassment = rm_subtype(category="sexual", subtype="harassment")
    assert harassment.label == "성희롱"
    assert harassment.definition.startswith("상대방에게 사적만남")
    assert all(s.label and s.definition for s in RmSubtype.objects.filter(version__number=1))


def test_exactly_the_six_exemption_subtypes_are_marked_insurance_exempt():
    marked = set(
        RmSubtype.objects.filter(version__number=1, insurance_exempt=True).values_list(
            "code", flat=True
        )
    )
    assert marked == EXEMPT


def test_a_subtype_of_another_category_is_not_found():
    with pytest.raises(RmSubtype.DoesNotExist):
        rm_subtype(category="other", subtype="harassment")


def test_sla_targets_are_per_category_and_severity():
    sexual = RmCategory.objects.get(version__number=1, code="sexual")
    other = RmCategory.objects.get(version__number=1, code="other")
    assert sexual.sla_hours("critical") < sexual.sla_hours("low")
    assert other.sla_hours("medium") == seed_rm.OTHER_SLA[2]


def test_a_draft_copies_the_taxonomy_and_may_change_it(django_user_model):
    v1 = PolicyVersion.objects.get(number=1)
    draft = policy_version_create_draft(source=v1, actor=None)
    assert rm_taxonomy(version=draft)[0].subtypes.count() == 6
    sub = RmSubtype.objects.get(version=draft, code="misfuel")
    assert sub.category.version == draft
    sub.definition = "바뀐 정의"
    sub.save()
    assert RmSubtype.objects.get(version=v1, code="misfuel").definition != "바뀐 정의"


def test_a_published_taxonomy_cannot_change_through_the_models():
    sub = RmSubtype.objects.get(version__number=1, code="misfuel")
    sub.insurance_exempt = False
    with pytest.raises(PublishedVersionIsImmutable):
        sub.save()
    with pytest.raises(PublishedVersionIsImmutable):
        RmCategory.objects.get(version__number=1, code="other").delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE policies_rmsubtype SET insurance_exempt = false "
        "WHERE version_id = (SELECT id FROM policies_policyversion WHERE number = 1)",
        "UPDATE policies_rmcategory SET sla_low_hours = 999 "
        "WHERE version_id = (SELECT id FROM policies_policyversion WHERE number = 1)",
        "DELETE FROM policies_rmsubtype "
        "WHERE version_id = (SELECT id FROM policies_policyversion WHERE number = 1)",
    ],
)
def test_postgres_refuses_raw_changes_to_a_published_taxonomy(statement):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    with pytest.raises(DatabaseError, match="바꿀 수 없습니다"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(statement)


def test_only_the_sexual_category_is_sensitive():
    sensitive = RmCategory.objects.filter(version__number=1, sensitive=True)
    assert list(sensitive.values_list("code", flat=True)) == ["sexual"]


def test_sexual_and_insurance_cases_are_shared_when_media_is_involved():
    sharing = RmCategory.objects.filter(version__number=1, share_when_media=True)
    assert set(sharing.values_list("code", flat=True)) == {"sexual", "insurance"}
