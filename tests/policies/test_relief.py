"""Relief programs as policy data: the presets, versioning (drafts copy, published versions
never change, on PostgreSQL not even by raw SQL), publishing checks and the evaluator."""

import datetime
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from policies import seed_relief
from policies.models import (
    PublishedVersionIsImmutable,
    ReliefLossTier,
    ReliefProgram,
    ReliefProgramVersion,
)
from policies.relief import (
    Facts,
    evaluate,
    normalize_business_number,
    transport_support,
)
from policies.selectors_relief import current_rules, program_rules
from policies.services_relief import relief_version_create_draft, relief_version_publish

FROZEN = Path(__file__).resolve().parents[2] / "policies/migrations/relief_presets_v1.json"


def test_the_frozen_presets_equal_the_seed_module():
    assert json.loads(FROZEN.read_text(encoding="utf-8")) == json.loads(
        json.dumps(seed_relief.PRESETS)
    )


@pytest.mark.django_db
def test_both_presets_are_published_with_the_issue_dates():
    rules = current_rules(code="outage-1015")
    assert rules.version_number == 1
    windows = {(w.kind, w.start_date.isoformat(), w.end_date.isoformat()) for w in rules.windows}
    assert ("reports", "2022-10-19", "2022-11-06") in windows
    assert ("documents", "2023-01-30", "2023-02-27") in windows
    assert rules.transport_nights == ("2022-12-08", "2022-12-09")
    assert rules.saturday_weeks == 15
    assert [(t.min_loss, t.max_loss, t.outcome, t.amount) for t in rules.loss_tiers] == [
        (0, 300_000, "support", 30_000),
        (300_001, 500_000, "support", 50_000),
        (500_001, None, "committee", None),
    ]
    kt = ReliefProgramVersion.objects.get(program__code="kt-ahyeon-2018")
    assert (kt.committee_award_min, kt.committee_award_max) == (400_000, 1_200_000)
    assert current_rules(code="kt-ahyeon-2018").segments["small_business"] == "committee"


@pytest.mark.django_db
def test_a_published_version_and_its_parts_refuse_changes():
    version = ReliefProgramVersion.objects.get(program__code="outage-1015")
    version.budget = 1
    with pytest.raises(PublishedVersionIsImmutable):
        version.save()
    tier = ReliefLossTier.objects.filter(version=version).first()
    tier.amount = 1
    with pytest.raises(PublishedVersionIsImmutable):
        tier.save()
    with pytest.raises(PublishedVersionIsImmutable):
        tier.delete()


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_refuses_raw_changes_to_a_published_program():
    version = ReliefProgramVersion.objects.get(program__code="outage-1015")
    for sql in (
        "UPDATE policies_reliefprogramversion SET budget = 1 WHERE id = %s",
        "UPDATE policies_relieflosstier SET amount = 1 WHERE version_id = %s",
        "DELETE FROM policies_reliefgrant WHERE version_id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [version.pk])


@pytest.mark.django_db
def test_a_draft_copies_everything_and_publishing_retires_the_old_version(manager):
    program = ReliefProgram.objects.get(code="outage-1015")
    old = ReliefProgramVersion.objects.get(program=program, number=1)
    draft = relief_version_create_draft(program_id=program.pk, actor=manager, note="예산 증액")
    assert (draft.number, draft.status, draft.based_on_id) == (2, "draft", old.pk)
    for relation in ("segments", "loss_tiers", "grants", "driver_bands", "windows"):
        assert getattr(draft, relation).count() == getattr(old, relation).count()
    ReliefProgramVersion.objects.filter(pk=draft.pk).update(budget=6_000_000_000)
    tier = draft.loss_tiers.get(min_loss=0)
    tier.amount = 35_000
    tier.save()  # a draft's part may change
    relief_version_publish(version_id=draft.pk, actor=manager)
    old.refresh_from_db()
    assert old.status == "retired"
    rules = current_rules(code="outage-1015")
    assert rules.version_number == 2
    assert evaluate(rules, Facts("small_business", 1)).grants[0].amount == 35_000
    # The old version's rules stay as they were (applications decided under it name it).
    assert evaluate(program_rules(version=old), Facts("small_business", 1)).grants[0].amount == (
        30_000
    )
    assert [e.to_status for e in draft.events.order_by("id")] == ["draft", "published"]
    # Publishing twice is harmless.
    relief_version_publish(version_id=draft.pk, actor=manager)


@pytest.mark.django_db
def test_publishing_refuses_overlapping_tiers(manager):
    program = ReliefProgram.objects.get(code="outage-1015")
    draft = relief_version_create_draft(program_id=program.pk, actor=manager)
    ReliefLossTier.objects.create(
        version=draft, min_loss=400_000, max_loss=450_000, outcome="support", amount=1
    )
    with pytest.raises(ValidationError, match="손실 구간이 겹칩니다"):
        relief_version_publish(version_id=draft.pk, actor=manager)


@pytest.mark.django_db
def test_evaluator_boundaries_and_bands():
    rules = current_rules(code="outage-1015")

    def support(loss: int) -> tuple[str, int | None]:
        outcome = evaluate(rules, Facts("small_business", loss))
        money = [g.amount for g in outcome.grants if g.instrument == "business_support"]
        return outcome.status, (money[0] if money else None)

    assert support(300_000) == ("approved", 30_000)
    assert support(300_001) == ("approved", 50_000)
    assert support(500_000) == ("approved", 50_000)
    assert support(500_001) == ("committee_review", None)

    def points(saturdays: int) -> int | None:
        grants = evaluate(rules, Facts("driver", 0, saturdays, 0)).grants
        return next((g.amount for g in grants if g.instrument == "points"), None)

    assert [points(s) for s in (7, 8, 12, 13)] == [None, 25_000, 25_000, 50_000]
    assert [transport_support(rules, n) for n in (0, 1, 2, 3, 10)] == [
        0,
        5_000,
        10_000,
        10_000,
        10_000,
    ]
    assert evaluate(rules, Facts("company")).status == "not_eligible"


@pytest.mark.django_db
def test_evaluator_properties():
    rules = current_rules(code="outage-1015")

    @given(st.integers(min_value=0, max_value=10**13))
    def monotone(loss: int) -> None:
        status, grants = evaluate(rules, Facts("small_business", loss)).status, None
        assert status in ("approved", "committee_review")
        assert (status == "committee_review") == (loss > 500_000)
        grants = evaluate(rules, Facts("small_business", loss)).grants
        assert grants[-1].instrument == "channel_cash" and grants[-1].amount == 50_000

    @given(st.integers(min_value=0, max_value=15), st.integers(min_value=0, max_value=2))
    def driver(saturdays: int, nights: int) -> None:
        outcome = evaluate(rules, Facts("driver", 0, saturdays, nights))
        total = sum(g.amount or 0 for g in outcome.grants)
        assert total <= 50_000 + 10_000
        assert (outcome.status == "not_eligible") == (saturdays < 8 and nights == 0)

    monotone()
    driver()


@pytest.mark.django_db
def test_window_messages_name_every_intake_window_in_korean():
    rules = current_rules(code="outage-1015")
    day = datetime.datetime(2022, 11, 7, 1, tzinfo=datetime.UTC)  # 10:00 KST on 11-07
    assert rules.window_for(segment="small_business", channel="web", submitted_at=day) is None
    assert rules.window_for(segment="small_business", channel="partner", submitted_at=day)
    assert rules.window_for(segment="user", channel="partner", submitted_at=day) is None
    message = rules.windows_message(segment="small_business")
    assert message.startswith("접수 기간이 아닙니다.")
    assert "소상공인 서류 접수" not in message  # the document stage takes no applications


@pytest.mark.parametrize(
    ("given_", "expected"),
    [("123-45-67890", "1234567890"), ("123 45 67890", "1234567890"), ("12345", None),
     ("１２３４５６７８９０", None), ("12345678901", None)],
)  # fmt: skip
def test_business_numbers_are_normalized(given_, expected):
    assert normalize_business_number(given_) == expected


@pytest.mark.django_db
def test_a_manager_drafts_edits_and_publishes_in_the_console(client, manager):
    client.force_login(manager)
    version = ReliefProgramVersion.objects.get(program__code="outage-1015")
    url = "/admin/policies/reliefprogramversion/"
    listing = client.get(url)
    assert "5,000,000,000원" in listing.content.decode()
    client.post(url, {"action": "create_draft", "_selected_action": [version.pk]})
    draft = ReliefProgramVersion.objects.get(program=version.program, number=2)
    assert draft.status == "draft"
    # Published versions open read-only; the draft is editable.
    assert client.get(f"{url}{version.pk}/change/").context["has_change_permission"] is False
    assert client.get(f"{url}{draft.pk}/change/").context["has_change_permission"] is True
    client.post(url, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    version.refresh_from_db()
    assert (draft.status, version.status) == ("published", "retired")


@pytest.mark.django_db
def test_drivers_file_in_the_main_window_and_in_december():
    """Issue 13's windows: the main one (every segment) and the partner extension; the
    December driver window stays as an extra."""
    import datetime as dt

    rules = current_rules(code="outage-1015")
    for day in ("2022-10-20T10:00:00+09:00", "2022-12-12T10:00:00+09:00"):
        at = dt.datetime.fromisoformat(day)
        assert rules.window_for(segment="driver", channel="web", submitted_at=at) is not None
    main = next(w for w in rules.windows if w.start_date.isoformat() == "2022-10-19")
    assert main.segments == ()
