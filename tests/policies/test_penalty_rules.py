"""Account penalty rules are part of the policy book: loaded with v1, copied into drafts,
immutable once published (raw SQL included on PostgreSQL)."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from policies import seed_penalties
from policies.models import PenaltyRule, PolicyVersion, PublishedVersionIsImmutable
from policies.selectors import PenaltyNotForKind, UnknownPenaltyCode, penalty_rule
from policies.services import policy_version_create_draft, policy_version_publish

pytestmark = pytest.mark.django_db

TRUKA_CODES = {
    # DOMAIN.md §4, code -> (threshold count or amount, action)
    "smoking_reported": (1, "permanent_ban"),
    "smoking_traces": (2, "permanent_ban"),
    "pet_without_carrier": (1, "permanent_ban"),
    "dirt": (3, "permanent_ban"),
    "amenity_abuse": (1, "warning_and_review"),
    "info_mismatch": (1, "suspend_until"),
    "unpaid_fees": (1, "suspend_until"),
    "accident_open": (1, "suspend_until"),
    "accident_loss_2m": (2_000_000, "review_or_ban"),
    "accident_count": (2, "review_or_ban"),
    "major_accident": (1, "permanent_ban"),
    "unreported_accident": (1, "permanent_ban"),
    "ineligible": (1, "permanent_ban"),
    "third_party_driver": (1, "permanent_ban"),
    "criminal_investigation": (1, "review_or_ban"),
    "penalty_clause": (1, "review"),
    "equipment_theft": (1, "permanent_ban"),
    "late_return_6h": (1, "permanent_ban"),
    "unauthorized_use": (1, "permanent_ban"),
    "illegal_use": (1, "review_or_ban"),
}


def v1() -> PolicyVersion:
    return PolicyVersion.objects.get(number=1)


def test_the_migration_loads_the_penalty_rules_as_seed_penalties_says():
    frozen = Path(__file__).parents[2] / "policies" / "migrations" / "penalties_v1.json"
    # Regenerate with `python -m policies.seed_penalties > policies/migrations/penalties_v1.json`.
    assert frozen.read_text(encoding="utf-8") == seed_penalties.as_json()


def test_v1_holds_all_twenty_truka_rows_as_domain_lists_them():
    rules = {r.code: r for r in v1().penalty_rules.filter(kind="truka_member")}
    assert set(rules) == set(TRUKA_CODES)
    for code, (threshold, action) in TRUKA_CODES.items():
        rule = rules[code]
        assert (rule.threshold_amount or rule.threshold_count, rule.action) == (threshold, action)
        assert rule.window_days is None  # "누적": the account's whole history
    assert {
        c: rules[c].lift_condition for c in ("info_mismatch", "unpaid_fees", "accident_open")
    } == {
        "info_mismatch": "info_corrected",
        "unpaid_fees": "fees_paid",
        "accident_open": "accident_closed",
    }


def test_v1_holds_the_matrix_penalties_for_drivers_and_customers():
    ban = penalty_rule(code="driver_reservation_ban_7d", kind="driver")
    assert (ban.action, ban.scope, ban.duration_days) == ("suspend_for", "reservation_calls", 7)
    third = penalty_rule(code="driver_permanent_suspension_on_3rd", kind="driver")
    assert (third.threshold_count, third.action) == (3, "permanent_ban")
    app = penalty_rule(code="customer_app_suspension", kind="customer")
    assert (app.action, app.scope, app.lift_condition) == ("suspend_until", "app", "")
    assert penalty_rule(code="premium_driver_penalty_request", kind="driver").action == "review"


def test_an_unknown_code_and_a_code_of_another_kind_are_told_apart():
    with pytest.raises(UnknownPenaltyCode):
        penalty_rule(code="no_such_code", kind="driver")
    with pytest.raises(PenaltyNotForKind, match="트루카 회원"):
        penalty_rule(code="smoking_reported", kind="driver")


def test_a_draft_copies_the_penalty_rules_and_publishing_puts_its_own_in_force(django_user_model):
    manager = django_user_model.objects.create_user("m")
    draft = policy_version_create_draft(source=v1(), actor=manager)
    assert draft.penalty_rules.count() == v1().penalty_rules.count()
    draft.penalty_rules.filter(code="dirt").update(threshold_count=4)
    policy_version_publish(version_id=draft.pk, actor=manager)
    assert penalty_rule(code="dirt", kind="truka_member").threshold_count == 4
    assert v1().penalty_rules.get(code="dirt").threshold_count == 3


def test_publishing_refuses_a_draft_that_lost_a_penalty_rule(django_user_model):
    manager = django_user_model.objects.create_user("m")
    draft = policy_version_create_draft(source=v1(), actor=manager)
    draft.penalty_rules.filter(code="smoking_traces").delete()
    with pytest.raises(ValidationError, match="smoking_traces"):
        policy_version_publish(version_id=draft.pk, actor=manager)


def test_a_published_penalty_rule_cannot_change_through_the_models():
    rule = v1().penalty_rules.get(code="dirt")
    rule.threshold_count = 10
    with pytest.raises(PublishedVersionIsImmutable):
        rule.save()
    with pytest.raises(PublishedVersionIsImmutable):
        rule.delete()


def test_a_rule_needs_exactly_one_threshold_and_a_duration_for_timed_suspensions(
    django_user_model,
):
    draft = policy_version_create_draft(
        source=v1(), actor=django_user_model.objects.create_user("m")
    )
    base = dict(version=draft, kind="driver", name="x", scope="app")
    with pytest.raises(IntegrityError), transaction.atomic():
        PenaltyRule.objects.create(code="a", action="suspend_for", threshold_count=1, **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        PenaltyRule.objects.create(
            code="b",
            action="suspend_for",
            duration_days=7,
            threshold_count=1,
            threshold_amount=10,
            **base,
        )


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE policies_penaltyrule SET threshold_count = 9 WHERE code = 'dirt'",
        "DELETE FROM policies_penaltyrule WHERE code = 'smoking_reported'",
        'INSERT INTO policies_penaltyrule (version_id, code, kind, name, "order", '
        "threshold_count, action, scope, lift_condition, notes) SELECT id, 'x', 'driver', 'x', 0, "
        "1, 'permanent_ban', '', '', '' FROM policies_policyversion WHERE number = 1",
    ],
)
def test_postgres_refuses_raw_changes_to_a_published_versions_penalty_rules(statement):
    from django.db import DatabaseError, connection

    with pytest.raises(DatabaseError, match="바꿀 수 없습니다"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    assert v1().penalty_rules.get(code="dirt").threshold_count == 3


def test_managers_edit_a_drafts_penalty_rule_in_the_console_but_not_a_published_one(
    client, django_user_model
):
    from django.contrib.auth.models import Group
    from django.urls import reverse

    manager = django_user_model.objects.create_user("m", is_staff=True)
    manager.groups.add(Group.objects.get(name="manager"))
    client.force_login(manager)
    published = v1().penalty_rules.get(code="dirt")
    url = reverse("admin:policies_penaltyrule_change", args=[published.pk])
    assert 'name="_save"' not in client.get(url).content.decode()
    assert client.post(url, {"threshold_count": 9}).status_code == 403
    draft = policy_version_create_draft(source=v1(), actor=manager)
    rule = draft.penalty_rules.get(code="dirt")
    fields = {
        f: getattr(rule, f) or ""
        for f in ("kind", "code", "name", "order", "action", "scope", "lift_condition", "notes")
    }
    response = client.post(
        reverse("admin:policies_penaltyrule_change", args=[rule.pk]),
        {**fields, "version": draft.pk, "threshold_count": 4, "order": rule.order},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    rule.refresh_from_db()
    assert rule.threshold_count == 4
    bad = client.post(
        reverse("admin:policies_penaltyrule_change", args=[rule.pk]),
        {**fields, "version": draft.pk, "action": "suspend_for", "order": rule.order,
         "threshold_count": 1},
    )  # fmt: skip
    assert bad.status_code == 200 and "반드시 정지 범위를 정하세요" in bad.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # A matrix penalty on a subject its account rule is not for.
        (lambda d: d.rules.get(code="dispatch.reservation_late").rows.get(code="late_over_30")
         .penalties.update(subject="customer"), "계정 제재 기준이 없습니다"),
        # The no-show count stated in the matrix and the rule's threshold disagree.
        (lambda d: d.penalty_rules.filter(code="driver_permanent_suspension_on_3rd")
         .update(threshold_count=4), "누적 횟수"),
    ],
)  # fmt: skip
def test_publishing_refuses_matrix_penalties_the_account_rules_cannot_record(
    django_user_model, change, message
):
    manager = django_user_model.objects.create_user("m")
    draft = policy_version_create_draft(source=v1(), actor=manager)
    change(draft)
    with pytest.raises(ValidationError, match=message):
        policy_version_publish(version_id=draft.pk, actor=manager)
