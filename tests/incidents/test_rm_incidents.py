"""RM incidents: filing under the taxonomy, the status pipeline with its timeline, assignment,
and the SLA clock in Korean business hours."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from config.roles import RM_SENSITIVE
from incidents.models import Incident, IncidentEvent
from incidents.selectors import incidents_visible_to
from incidents.services.rm import (
    PartyInput,
    TransitionRefused,
    incident_assign,
    incident_create,
    incident_sla_due,
    incident_transition,
)
from incidents.sla import business_hours_add
from tests.conftest import make_user

KST = ZoneInfo("Asia/Seoul")
S = Incident.Status


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


def file(**overrides):  # type: ignore[no-untyped-def]
    fields = {
        "service": "daeri",
        "category": "criminal",
        "subtype": "theft",
        "severity": "high",
        "description": "차량 내 지갑 분실",
        "occurred_at": kst(2026, 10, 8, 10),
        "reported_at": kst(2026, 10, 8, 16),
    }
    return incident_create(**{**fields, **overrides})


# --- the SLA clock --------------------------------------------------------------------------
# Week of 2026-10-05: Monday is an alternative holiday (개천절), Friday 10-09 is 한글날,
# then a weekend.


def test_business_hours_skip_the_evening_a_public_holiday_and_the_weekend():
    # Thursday 16:00 + 4 h: two hours on Thursday, none on 한글날 (Fri) or the weekend,
    # two on Monday 10-12.
    due = business_hours_add(kst(2026, 10, 8, 16), 4, day_start=9, day_end=18)
    assert due == kst(2026, 10, 12, 11)


def test_business_hours_over_the_whole_week():
    # Tuesday 09:00 + 40 h: Tue, Wed, Thu (27 h), not Fri (holiday), Sat, Sun; Mon 10-12 (36 h)
    # and four hours of Tuesday 10-13.
    due = business_hours_add(kst(2026, 10, 6, 9), 40, day_start=9, day_end=18)
    assert due == kst(2026, 10, 13, 13)


def test_a_report_before_opening_or_on_a_holiday_starts_at_the_next_opening():
    assert business_hours_add(kst(2026, 10, 5, 8), 1, day_start=9, day_end=18) == kst(
        2026, 10, 6, 10
    )
    assert business_hours_add(kst(2026, 10, 7, 7, 30), 2, day_start=9, day_end=18) == kst(
        2026, 10, 7, 11
    )


def test_a_target_ending_exactly_at_closing_is_due_at_closing():
    assert business_hours_add(kst(2026, 10, 7, 9), 9, day_start=9, day_end=18) == kst(
        2026, 10, 7, 18
    )


def test_the_policys_business_day_is_used(db):
    from policies.models import PolicyVersion, RmSubtype
    from policies.services import policy_version_create_draft

    draft = policy_version_create_draft(source=PolicyVersion.objects.get(number=1), actor=None)
    # A 24-hour RM desk: the clock runs every hour of business days.
    draft.rm_day_start_hour, draft.rm_day_end_hour = 0, 24
    draft.save()
    theft = RmSubtype.objects.select_related("category", "version").get(version=draft, code="theft")
    due = incident_sla_due(subtype=theft, severity="high", reported_at=kst(2026, 10, 8, 16))
    assert due == kst(2026, 10, 8, 20)  # criminal/high: 4 business hours


# --- filing ------------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def test_an_incident_is_filed_new_with_its_sla_due_and_a_timeline_row():
    incident = file()  # criminal/high: 4 business hours from Thursday 16:00
    assert incident.status == S.NEW
    assert incident.sla_due_at == kst(2026, 10, 12, 11)
    assert incident.sensitive is False
    [event] = incident.events.all()
    assert (event.kind, event.to_status, event.detail) == (
        "created",
        "new",
        "형사 신고 · 도난 접수",
    )


def test_a_subtype_of_another_category_is_refused():
    with pytest.raises(ValidationError) as exc:
        file(category="other", subtype="theft")
    assert "subtype" in exc.value.message_dict
    assert not Incident.objects.exists()


def test_an_unknown_service_or_severity_is_refused():
    for change in ({"service": "plane"}, {"severity": "huge"}):
        with pytest.raises(ValidationError):
            file(**change)
    assert not Incident.objects.exists()


def test_parties_become_accounts_through_the_account_service():
    incident = file(
        parties=[
            PartyInput(role="driver", external_id="D-1", name="홍길동", phone="010-1234-5678"),
            PartyInput(role="customer", external_id="C-9"),
            PartyInput(role="truka_member", external_id="T-3"),
        ]
    )
    parties = {(p.role, p.account.kind, p.account.external_id) for p in incident.parties.all()}
    assert parties == {
        ("driver", "driver", "D-1"),
        ("customer", "customer", "C-9"),
        ("truka_member", "truka_member", "T-3"),
    }
    driver = incident.parties.get(role="driver").account
    assert driver.phone == "01012345678"
    assert driver.events.get().source_ref == str(incident.pk)


def test_a_sexual_case_is_sensitive_from_the_policy():
    assert file(category="sexual", subtype="harassment").sensitive is True


# --- the pipeline -------------------------------------------------------------------------------

PIPELINE = [S.TRIAGED, S.INVESTIGATING, S.ACTION_TAKEN, S.CLOSED, S.REOPENED, S.INVESTIGATING]


def test_the_whole_pipeline_and_a_reopen_write_one_timeline_row_each(rm_user):
    incident = file()
    for to in PIPELINE:
        incident_transition(incident_id=incident.pk, to=to, actor=rm_user, reason="확인")
    incident.refresh_from_db()
    assert incident.status == S.INVESTIGATING
    moves = list(incident.events.filter(kind="transition").values_list("from_status", "to_status"))
    assert moves == list(zip([S.NEW, *PIPELINE[:-1]], PIPELINE, strict=True))
    assert all(e.actor == rm_user for e in incident.events.filter(kind="transition"))


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ([], S.CLOSED),
        ([], S.INVESTIGATING),
        ([S.TRIAGED], S.ACTION_TAKEN),
        ([S.TRIAGED, S.INVESTIGATING], S.NEW),
        ([S.TRIAGED, S.INVESTIGATING, S.ACTION_TAKEN, S.CLOSED], S.TRIAGED),
        ([], S.REOPENED),
    ],
)
def test_a_move_the_table_does_not_allow_is_refused_naming_the_state(start, to):
    incident = file()
    for step in start:
        incident_transition(incident_id=incident.pk, to=step, actor=None)
    current = Incident.objects.get(pk=incident.pk).status
    with pytest.raises(TransitionRefused, match=f"'{S(current).label}' 상태에서"):
        incident_transition(incident_id=incident.pk, to=to, actor=None)
    assert Incident.objects.get(pk=incident.pk).status == current


def test_every_pair_of_states_follows_the_table():
    for before in S.values:
        for after in S.values:
            allowed = after in Incident.TRANSITIONS.get(before, ())
            assert Incident(status=before).may_move_to(after) is allowed
    assert Incident(status=S.CLOSED).may_move_to(S.REOPENED)
    assert not Incident(status=S.CLOSED).may_move_to(S.TRIAGED)


def test_reopening_needs_a_reason():
    incident = file()
    for step in PIPELINE[:4]:
        incident_transition(incident_id=incident.pk, to=step, actor=None)
    with pytest.raises(ValidationError):
        incident_transition(incident_id=incident.pk, to=S.REOPENED, actor=None, reason="  ")
    incident_transition(incident_id=incident.pk, to=S.REOPENED, actor=None, reason="추가 제보")
    assert incident.events.last().reason == "추가 제보"


def test_moving_to_the_state_it_is_in_does_nothing():
    incident = file()
    incident_transition(incident_id=incident.pk, to=S.TRIAGED, actor=None)
    incident_transition(incident_id=incident.pk, to=S.TRIAGED, actor=None)
    assert incident.events.filter(kind="transition").count() == 1


# --- assignment ---------------------------------------------------------------------------------


def test_assigning_to_an_rm_user_records_who_and_once(rm_user, manager):
    incident = file()
    incident_assign(incident_id=incident.pk, assignee="rm1", actor=manager)
    incident_assign(incident_id=incident.pk, assignee="rm1", actor=manager)
    incident.refresh_from_db()
    assert incident.assignee == rm_user
    [event] = incident.events.filter(kind=IncidentEvent.Kind.ASSIGNED)
    assert (event.actor, event.detail) == (manager, "담당자: rm1")


def test_a_case_cannot_go_to_someone_outside_rm_or_unknown(agent, rm_user):
    incident = file()
    for name in ("agent1", "nobody"):
        with pytest.raises(ValidationError):
            incident_assign(incident_id=incident.pk, assignee=name, actor=rm_user)


def test_a_sensitive_case_goes_only_to_someone_who_may_see_it(rm_user):
    make_user("rms1", RM_SENSITIVE)
    incident = file(category="sexual", subtype="molestation")
    with pytest.raises(ValidationError):
        incident_assign(incident_id=incident.pk, assignee="rm1", actor=None)
    assert incident_assign(incident_id=incident.pk, assignee="rms1", actor=None).assignee


def test_sensitive_cases_are_absent_for_plain_rm_and_present_for_rm_sensitive(rm_user):
    open_case = file()
    secret = file(category="sexual", subtype="assault")
    watcher = make_user("rms1", RM_SENSITIVE)
    assert list(incidents_visible_to(rm_user)) == [open_case]
    assert incidents_visible_to(rm_user).count() == 1
    assert set(incidents_visible_to(watcher)) == {open_case, secret}
