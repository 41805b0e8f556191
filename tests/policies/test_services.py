import pytest
from django.core.exceptions import ValidationError

from policies.models import (
    Effect,
    FareBand,
    PolicyVersion,
    PolicyVersionEvent,
    PublishedVersionIsImmutable,
    RowCondition,
    RowPenalty,
    Rule,
    RuleRow,
    TierOutcome,
)
from policies.selectors import current_version, instrument_params, quote
from policies.services import check_book, policy_version_create_draft, policy_version_publish

pytestmark = pytest.mark.django_db


def v1() -> PolicyVersion:
    return PolicyVersion.objects.get(number=1)


def test_fresh_database_holds_the_seed_book_as_version_one_published():
    version = current_version()
    assert version.number == 1
    assert version.status == PolicyVersion.Status.PUBLISHED
    assert version.published_at is not None
    params = instrument_params()
    assert (params.coupon_unit, params.coupon_validity_days) == (5000, 60)
    assert params.driver_commission_percent == 20
    assert params.points_memo == "기사님 힘내세요"
    bands = [(b.upper_bound, b.percent) for b in version.fare_bands.order_by("percent").reverse()]
    assert bands == [(50_000, 50), (100_000, 30), (200_000, 20), (None, 10)]
    assert check_book(version) == []


def test_a_published_version_never_changes():
    rule = Rule.objects.filter(version__number=1).first()
    rule.name = "바뀐 이름"
    with pytest.raises(PublishedVersionIsImmutable):
        rule.save()
    effect = Effect.objects.filter(outcome__row__rule__version__number=1, amount=10_000).first()
    effect.amount = 20_000
    with pytest.raises(PublishedVersionIsImmutable):
        effect.save()
    condition = RowCondition.objects.filter(row__rule__version__number=1).first()
    with pytest.raises(PublishedVersionIsImmutable):
        condition.delete()
    with pytest.raises(PublishedVersionIsImmutable):
        RowPenalty.objects.filter(row__rule__version__number=1).first().save()
    with pytest.raises(PublishedVersionIsImmutable):
        FareBand.objects.filter(version__number=1).first().delete()
    # Its own parameters too.
    version = v1()
    version.coupon_validity_days = 90
    with pytest.raises(PublishedVersionIsImmutable):
        version.save()
    assert v1().coupon_validity_days == 60


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE policies_policyversion SET coupon_unit = 1000 WHERE number = 1",
        "UPDATE policies_policyversion SET status = 'draft' WHERE number = 1",
        "DELETE FROM policies_policyversion WHERE number = 1",
        "UPDATE policies_effect SET amount = 99 WHERE outcome_id IN (SELECT o.id FROM "
        "policies_tieroutcome o JOIN policies_rulerow r ON r.id = o.row_id JOIN policies_rule ru "
        "ON ru.id = r.rule_id JOIN policies_policyversion v ON v.id = ru.version_id "
        "WHERE v.number = 1)",
        "DELETE FROM policies_rowcondition",
        "UPDATE policies_fareband SET percent = 1",
        "INSERT INTO policies_rowpenalty (row_id, code, subject, trigger) SELECT id, "
        "'driver_penalty', 'driver', 'on_grant' FROM policies_rulerow LIMIT 1",
    ],
)
def test_postgres_refuses_raw_changes_to_a_published_book(statement):
    from django.db import DatabaseError, connection, transaction

    with pytest.raises(DatabaseError, match="바꿀 수 없습니다"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    assert v1().coupon_unit == 5000


@pytest.mark.postgres
def test_postgres_still_lets_drafts_change_and_versions_retire(manager):
    from django.db import connection

    draft = policy_version_create_draft(source=v1(), actor=manager)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE policies_effect SET amount = 99 WHERE outcome_id IN (SELECT o.id "
                       "FROM policies_tieroutcome o JOIN policies_rulerow r ON r.id = o.row_id "
                       "JOIN policies_rule ru ON ru.id = r.rule_id WHERE ru.version_id = %s "
                       "AND o.kind = 'fixed')", [draft.pk])  # fmt: skip
    policy_version_publish(version_id=draft.pk, actor=manager)
    assert v1().status == PolicyVersion.Status.RETIRED


def test_publishing_and_retiring_write_events_with_who_and_when(manager):
    draft = policy_version_create_draft(source=v1(), actor=manager)
    policy_version_publish(version_id=draft.pk, actor=manager)
    events = [
        (e.version.number, e.from_status, e.to_status, e.actor)
        for e in PolicyVersionEvent.objects.order_by("id").select_related("version")
    ]
    assert events == [
        (1, "", "draft", None),
        (1, "draft", "published", None),
        (2, "", "draft", manager),
        (1, "published", "retired", manager),
        (2, "draft", "published", manager),
    ]
    assert all(e.at is not None for e in PolicyVersionEvent.objects.all())


def test_a_draft_copies_the_whole_book(manager):
    draft = policy_version_create_draft(source=v1(), actor=manager)
    assert draft.number == 2
    assert draft.status == PolicyVersion.Status.DRAFT
    assert draft.based_on == v1()
    assert draft.created_by == manager
    assert draft.rules.count() == v1().rules.count() == 26
    assert RuleRow.objects.filter(rule__version=draft).count() == 42
    for model, path in [
        (TierOutcome, "row__rule__version"),
        (Effect, "outcome__row__rule__version"),
        (RowCondition, "row__rule__version"),
        (RowPenalty, "row__rule__version"),
    ]:
        copied = model.objects.filter(**{path: draft}).count()
        assert copied == model.objects.filter(**{path: v1()}).count() > 0
    assert draft.fare_bands.count() == 4
    assert (draft.tier1_role, draft.tier2_role) == ("agent", "manager")
    # The copy quotes exactly as its source, row codes included.
    facts = {"premium_fare": 80_000, "economy_fare": 50_000}
    args = {"rule_code": "dispute.premium_driver_complaint", "target": "customer", "facts": facts}
    old, new = quote(**args, version_number=1), quote(**args, version_number=draft.number)
    assert (old.row, [t.explain for t in old.tiers]) == (new.row, [t.explain for t in new.tiers])


def test_publishing_a_draft_changes_the_offer_and_retires_the_old_version(manager):
    draft = policy_version_create_draft(source=v1(), actor=manager)
    effect = Effect.objects.get(
        outcome__row__rule__version=draft,
        outcome__row__rule__code="dispatch.reservation_no_show",
        outcome__tier=2,
    )
    effect.amount = 12_000
    effect.save()
    draft.coupon_validity_days = 90
    draft.save()

    facts = {"minutes_past_reservation": 40}
    before = quote(rule_code="dispatch.reservation_no_show", target="customer", facts=facts)
    assert before.tiers[1].amount == 10_000

    published = policy_version_publish(version_id=draft.pk, actor=manager)
    assert published.status == PolicyVersion.Status.PUBLISHED
    assert published.published_by == manager
    assert v1().status == PolicyVersion.Status.RETIRED

    after = quote(rule_code="dispatch.reservation_no_show", target="customer", facts=facts)
    assert (after.policy_version, after.tiers[1].amount) == (2, 12_000)
    assert instrument_params().coupon_validity_days == 90
    # The old version still answers for decisions that named it.
    old = quote(
        rule_code="dispatch.reservation_no_show", target="customer", facts=facts, version_number=1
    )
    assert old.tiers[1].amount == 10_000
    # Publishing again is harmless.
    assert policy_version_publish(version_id=draft.pk, actor=manager).status == "published"


def test_fare_bands_are_version_data(manager):
    draft = policy_version_create_draft(source=v1(), actor=manager)
    band = draft.fare_bands.get(upper_bound=50_000)
    band.percent = 40
    band.save()
    policy_version_publish(version_id=draft.pk, actor=manager)
    q = quote(
        rule_code="fare.wrong_amount_entered",
        target="customer",
        facts={"call_amount": 70_000, "actual_fare": 30_000, "expected_fare": 40_000},
    )
    assert q.tiers[1].charge == 30_000 + 40_000 * 40 // 100


def test_an_unsound_draft_is_not_published(manager):
    draft = policy_version_create_draft(source=v1(), actor=manager)
    draft.fare_bands.get(upper_bound=None).delete()
    RowCondition.objects.filter(row__rule__version=draft).update(fact="nope")
    Effect.objects.filter(outcome__row__rule__version=draft, method="range").update(step=None)
    outcome = TierOutcome.objects.filter(row__rule__version=draft, kind="care_only").first()
    TierOutcome.objects.filter(pk=outcome.pk).update(kind="fixed")
    with pytest.raises(ValidationError) as info:
        policy_version_publish(version_id=draft.pk, actor=manager)
    text = " ".join(info.value.messages)
    assert "상한 없는 구간" in text
    assert "nope" in text
    assert "선택하는 금액의 단위" in text or "고르는 금액의 단위" in text
    assert "효과가 하나 이상 필요합니다" in text
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT
    assert current_version().number == 1


def test_a_retired_version_cannot_be_published_again(manager):
    draft = policy_version_create_draft(source=v1(), actor=manager)
    policy_version_publish(version_id=draft.pk, actor=manager)
    with pytest.raises(ValidationError):
        policy_version_publish(version_id=v1().pk, actor=manager)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_publishing_at_once_leave_one_published_version(manager):
    import threading

    from django.db import connection

    drafts = [policy_version_create_draft(source=v1(), actor=manager) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def publish(version_id: int) -> None:
        try:
            barrier.wait()
            policy_version_publish(version_id=version_id, actor=manager)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(d.pk,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    published = list(PolicyVersion.objects.filter(status="published").values_list("number"))
    assert len(published) == 1
    assert PolicyVersion.objects.filter(status="retired").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_drafts_made_at_once_get_distinct_numbers(manager):
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    numbers: list[int] = []

    def draft() -> None:
        try:
            barrier.wait()
            numbers.append(policy_version_create_draft(source=v1(), actor=manager).number)
        finally:
            connection.close()

    threads = [threading.Thread(target=draft) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == [2, 3]


def _draft(manager) -> PolicyVersion:
    return policy_version_create_draft(source=v1(), actor=manager)


def test_a_book_edit_that_would_make_a_negative_grant_is_a_400_not_a_crash(manager, api_as, agent):
    draft = _draft(manager)
    RowCondition.objects.filter(
        row__rule__version=draft, row__rule__code="fare.route_change_increase", row__target="driver"
    ).delete()
    policy_version_publish(version_id=draft.pk, actor=manager)
    response = api_as(agent).post(
        "/api/v1/quotes/",
        {
            "rule": "fare.route_change_increase",
            "target": "driver",
            "facts": {"call_amount": 30_000, "actual_fare": 20_000},
        },
        format="json",
    )
    assert response.status_code == 400
    assert "음수" in str(response.json()["facts"])


def test_a_draft_without_fare_bands_quotes_a_400(manager, api_as):
    draft = _draft(manager)
    draft.fare_bands.all().delete()
    response = api_as(manager).post(
        "/api/v1/quotes/",
        {
            "rule": "fare.wrong_amount_entered",
            "target": "customer",
            "facts": {"call_amount": 30_000, "actual_fare": 20_000, "expected_fare": 20_000},
            "policy_version": draft.number,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "구간" in str(response.json()["policy_version"])


def test_an_empty_or_shrunk_book_is_not_published(manager):
    draft = _draft(manager)
    draft.rules.filter(code="dispute.driver_attitude").delete()
    with pytest.raises(ValidationError, match=r"dispute\.driver_attitude"):
        policy_version_publish(version_id=draft.pk, actor=manager)
    draft.rules.all().delete()
    with pytest.raises(ValidationError, match="하나도 없습니다"):
        policy_version_publish(version_id=draft.pk, actor=manager)


def test_effect_fields_are_checked_by_name():
    effect = Effect.objects.filter(percent=10).first()
    effect.percent = None
    effect.basis = "evidenced"
    with pytest.raises(ValidationError) as info:
        effect.clean()
    assert set(info.value.message_dict) >= {"percent", "basis"}
    refusal = Effect(type="grant", method="fixed", instrument="coupon", amount=1, payer="platform",
                     recipient="customer", trigger="on_refusal")  # fmt: skip
    with pytest.raises(ValidationError) as info:
        refusal.clean()
    assert "trigger_tier" in info.value.message_dict


def test_penalty_triggers_need_their_tier_or_count():
    penalty = RowPenalty.objects.filter(code="customer_app_suspension").first()
    penalty.tier = None
    with pytest.raises(ValidationError) as info:
        penalty.clean()
    assert "tier" in info.value.message_dict
    penalty = RowPenalty(code="driver_permanent_suspension", subject="driver", trigger="on_repeat")
    with pytest.raises(ValidationError) as info:
        penalty.clean()
    assert "count" in info.value.message_dict


def test_a_coupon_goes_to_customers_and_points_to_drivers():
    effect = Effect.objects.filter(instrument="coupon", method="fixed").first()
    effect.recipient = "driver"
    with pytest.raises(ValidationError) as info:
        effect.clean()
    assert "recipient" in info.value.message_dict
    effect = Effect.objects.filter(instrument="points").first()
    effect.recipient = "customer"
    with pytest.raises(ValidationError) as info:
        effect.clean()
    assert "recipient" in info.value.message_dict


def test_a_published_version_cannot_be_deleted():
    with pytest.raises(PublishedVersionIsImmutable):
        v1().delete()
    assert Rule.objects.filter(version__number=1).count() == 26


def test_a_part_loaded_while_its_version_was_a_draft_cannot_change_once_published(manager):
    draft = policy_version_create_draft(source=v1(), actor=manager)
    effect = Effect.objects.select_related("outcome__row__rule__version").get(
        outcome__row__rule__version=draft,
        outcome__row__rule__code="dispatch.reservation_no_show",
        outcome__tier=2,
    )
    policy_version_publish(version_id=draft.pk, actor=manager)
    effect.amount = 99_000  # its cached version object still says draft
    with pytest.raises(PublishedVersionIsImmutable):
        effect.save()


def test_the_migrations_load_the_book_as_seed_book_says():
    from pathlib import Path

    from policies import seed_book

    frozen = Path(__file__).parents[2] / "policies" / "migrations" / "book_v1.json"
    # Regenerate with `python -m policies.seed_book > policies/migrations/book_v1.json`.
    assert frozen.read_text(encoding="utf-8") == seed_book.as_json()
