"""The SLA clock of RM incidents: business hours between two times, pausing while the case
waits on an outside party, resuming (the due time moves on), closing a paused case, the SLA
state of the queue and the API around them."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from config.roles import RM_SENSITIVE
from incidents.models import Incident, IncidentEvent
from incidents.selectors import SlaState, incidents_in_sla_state, sla_clock_of
from incidents.services.rm import incident_create, incident_transition
from incidents.services.rm_sla import SlaNotApplicable, incident_pause_sla, incident_resume_sla
from incidents.sla import business_hours_between
from tests.conftest import make_user

KST = ZoneInfo("Asia/Seoul")
K = IncidentEvent.Kind
URL = "/api/v1/incidents/"
DAY = {"day_start": 9, "day_end": 18}


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# --- business hours between two times --------------------------------------------------------
# The week of 2026-10-05: Monday is the alternative holiday of 개천절, Friday 10-09 is 한글날,
# then the weekend.


def test_business_hours_between_within_one_day_and_across_the_evening():
    assert business_hours_between(kst(2026, 10, 6, 10), kst(2026, 10, 6, 12, 30), **DAY) == hours(
        2.5
    )
    # Tuesday 17:00 to Wednesday 10:00: one hour each side of the night.
    assert business_hours_between(kst(2026, 10, 6, 17), kst(2026, 10, 7, 10), **DAY) == hours(2)


def test_business_hours_between_skip_the_holidays_and_the_weekend():
    # Thursday 17:00 → Tuesday 10:00: Thu 1 h, 한글날 0, weekend 0, Mon 9 h, Tue 1 h.
    assert business_hours_between(kst(2026, 10, 8, 17), kst(2026, 10, 13, 10), **DAY) == hours(11)
    # The alternative holiday Monday alone counts nothing.
    assert business_hours_between(kst(2026, 10, 5, 0), kst(2026, 10, 6, 0), **DAY) == hours(0)


def test_business_hours_between_is_zero_backwards_and_uses_the_given_day():
    assert business_hours_between(kst(2026, 10, 7, 12), kst(2026, 10, 7, 10), **DAY) == hours(0)
    assert business_hours_between(
        kst(2026, 10, 7, 0), kst(2026, 10, 8, 0), day_start=0, day_end=24
    ) == hours(24)


def _day_by_day(start: datetime, end: datetime, day_start: int, day_end: int) -> timedelta:
    """The plain reading of the definition, one day at a time."""
    from datetime import time

    from incidents.sla import is_business_day

    total, now = timedelta(0), start.astimezone(KST)
    end = end.astimezone(KST)
    while now < end:
        day = now.date()
        opens = datetime.combine(day, time(0), tzinfo=KST) + timedelta(hours=day_start)
        closes = datetime.combine(day, time(0), tzinfo=KST) + timedelta(hours=day_end)
        if is_business_day(day):
            lo, hi = max(now, opens), min(end, closes)
            total += max(hi - lo, timedelta(0))
        now = datetime.combine(day + timedelta(days=1), time(0), tzinfo=KST)
    return total


@hsettings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
    day=st.sampled_from([(9, 18), (0, 24), (8, 20), (10, 11)]),
)
def test_business_hours_between_equals_the_day_by_day_count(start, span, day):
    # Counted by weeks and bisected holidays; it must agree with walking every day.
    begin = start.replace(tzinfo=KST)
    assert business_hours_between(begin, begin + span, *day) == _day_by_day(
        begin, begin + span, *day
    )


def test_business_hours_between_refuses_naive_times():
    with pytest.raises(ValueError):
        business_hours_between(datetime(2026, 10, 7), kst(2026, 10, 8), **DAY)


# --- pause and resume -------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def file(**overrides):  # type: ignore[no-untyped-def]
    fields = {
        "service": "daeri",
        "category": "criminal",
        "subtype": "theft",
        "severity": "medium",  # criminal/medium: 8 business hours
        "description": "차량 내 지갑 분실",
        "occurred_at": kst(2026, 10, 5, 15),
        "reported_at": kst(2026, 10, 6, 16),
    }
    return incident_create(**{**fields, **overrides})


def fresh(incident: Incident) -> Incident:
    return Incident.objects.select_related("rm_subtype__version").get(pk=incident.pk)


def close(incident: Incident) -> None:
    for to in ("triaged", "investigating", "action_taken", "closed"):
        incident_transition(incident_id=incident.pk, to=to, actor=None)


def test_the_clock_over_a_week_with_a_holiday_a_weekend_and_a_pause(clock, rm_user):
    # Reported Tuesday 10-06 16:00 with 8 business hours: 2 on Tuesday, 6 on Wednesday.
    clock.set(2026, 10, 6, 16)
    incident = file()
    assert incident.sla_due_at == kst(2026, 10, 7, 15)
    # Wednesday 10:00, three hours spent, five left: waiting for the police.
    clock.set(2026, 10, 7, 10)
    incident_pause_sla(incident=incident, actor=rm_user, reason="경찰 회신 대기")
    paused = fresh(incident)
    assert paused.sla_paused_at == kst(2026, 10, 7, 10)
    assert sla_clock_of(paused, now=kst(2026, 10, 9, 12)).business_hours_left == 5.0
    # Monday 10-12 11:00 the answer comes. Paused: Wed 8 h, Thu 9 h, 한글날 and the weekend
    # 0, Mon 2 h = 19 business hours; the due time moves from Wed 15:00 by 19 hours: Wed 3 h,
    # Thu 9 h, then Mon 09:00 + 7 h.
    clock.set(2026, 10, 12, 11)
    incident_resume_sla(incident=incident, actor=rm_user, reason="경찰 회신 받음")
    resumed = fresh(incident)
    assert resumed.sla_paused_at is None
    assert resumed.sla_due_at == kst(2026, 10, 12, 16)  # the 5 hours left, from Monday 11:00
    kinds = [e.kind for e in resumed.events.all()]
    assert kinds == [K.CREATED, K.SLA_PAUSED, K.SLA_RESUMED]
    resume = resumed.events.get(kind=K.SLA_RESUMED)
    assert resume.detail == "SLA 재개: 정지 영업시간 19시간, 새 기한 2026-10-12 16:00"
    assert resume.actor == rm_user
    assert resumed.events.get(kind=K.SLA_PAUSED).reason == "경찰 회신 대기"


def test_a_pause_outside_business_hours_moves_nothing(clock):
    clock.set(2026, 10, 6, 16)
    incident = file()
    clock.set(2026, 10, 10, 10)  # Saturday
    incident_pause_sla(incident=incident, actor=None, reason="보험사 회신 대기")
    clock.set(2026, 10, 11, 20)  # Sunday
    incident_resume_sla(incident=incident, actor=None)
    assert fresh(incident).sla_due_at == kst(2026, 10, 7, 15)
    assert "정지 영업시간 0시간" in fresh(incident).events.get(kind=K.SLA_RESUMED).detail


def test_repeat_pauses_and_resumes_are_harmless(clock):
    clock.set(2026, 10, 6, 16)
    incident = file()
    incident_resume_sla(incident=incident, actor=None)  # not paused: nothing to do
    clock.set(2026, 10, 7, 10)
    incident_pause_sla(incident=incident, actor=None, reason="병원 회신 대기")
    clock.set(2026, 10, 7, 11)
    incident_pause_sla(incident=incident, actor=None, reason="다시 누름")
    assert fresh(incident).sla_paused_at == kst(2026, 10, 7, 10)
    clock.set(2026, 10, 7, 12)
    incident_resume_sla(incident=incident, actor=None)
    incident_resume_sla(incident=incident, actor=None)
    kinds = [e.kind for e in fresh(incident).events.all()]
    assert kinds == [K.CREATED, K.SLA_PAUSED, K.SLA_RESUMED]
    assert fresh(incident).sla_due_at == kst(2026, 10, 7, 17)  # two hours later


def test_a_pause_needs_a_reason(clock):
    from django.core.exceptions import ValidationError

    incident = file()
    with pytest.raises(ValidationError) as exc:
        incident_pause_sla(incident=incident, actor=None, reason="  ")
    assert "reason" in exc.value.message_dict
    assert fresh(incident).sla_paused_at is None


def test_closing_a_paused_case_resumes_it_and_a_closed_case_has_no_clock(clock):
    clock.set(2026, 10, 6, 16)
    incident = file()
    clock.set(2026, 10, 7, 10)
    incident_pause_sla(incident=incident, actor=None, reason="경찰 회신 대기")
    clock.set(2026, 10, 7, 13)
    close(incident)
    closed = fresh(incident)
    assert closed.status == "closed"
    assert closed.sla_paused_at is None
    assert closed.sla_due_at == kst(2026, 10, 7, 18)  # moved on by the 3 paused hours
    kinds = [e.kind for e in closed.events.all()]
    assert kinds.index(K.SLA_RESUMED) < len(kinds) - 1  # resumed, then closed
    assert kinds[-1] == K.TRANSITION
    for service in (incident_pause_sla, incident_resume_sla):
        with pytest.raises(SlaNotApplicable):
            service(incident=incident, actor=None, reason="종결 후")


# --- the SLA state ----------------------------------------------------------------------------


def test_every_sla_state_as_the_clock_and_as_the_filter(clock, settings):
    settings.INCIDENTS_SLA_DUE_SOON_HOURS = 4
    clock.set(2026, 10, 6, 9)
    on_track = file(severity="low", reported_at=kst(2026, 10, 6, 9))  # 40 h: far
    due_soon = file(severity="high", reported_at=kst(2026, 10, 6, 9))  # due 13:00
    breached = file(severity="critical", reported_at=kst(2026, 10, 6, 9))  # due 11:00
    paused = file(severity="critical", reported_at=kst(2026, 10, 6, 9))
    closed = file(severity="low", reported_at=kst(2026, 10, 6, 9))
    incident_pause_sla(incident=paused, actor=None, reason="외부 기관 회신 대기")
    close(closed)
    clock.set(2026, 10, 6, 12)
    expected = {
        on_track.pk: SlaState.ON_TRACK,
        due_soon.pk: SlaState.DUE_SOON,
        breached.pk: SlaState.BREACHED,
        paused.pk: SlaState.PAUSED,
        closed.pk: SlaState.CLOSED,
    }
    for pk, state in expected.items():
        incident = fresh(Incident(pk=pk))
        assert sla_clock_of(incident).state == state
        assert list(
            incidents_in_sla_state(Incident.objects.all(), state).values_list("pk", flat=True)
        ) == [pk]
    late = sla_clock_of(fresh(breached))
    assert (late.time_left_seconds, late.business_hours_left) == (-3600, -1.0)
    soon = sla_clock_of(fresh(due_soon))
    assert (soon.time_left_seconds, soon.business_hours_left) == (3600, 1.0)
    held = sla_clock_of(fresh(paused))  # what was left when it paused at 09:00
    assert (held.time_left_seconds, held.business_hours_left) == (7200, 2.0)
    assert sla_clock_of(fresh(closed)).time_left_seconds is None


def test_due_soon_counts_business_hours_over_the_night(clock, settings):
    settings.INCIDENTS_SLA_DUE_SOON_HOURS = 4
    clock.set(2026, 10, 6, 9)
    incident = file(severity="medium", reported_at=kst(2026, 10, 6, 9))  # due 17:00
    clock.set(2026, 10, 6, 12)  # 5 business hours left: on track
    assert sla_clock_of(fresh(incident)).state == SlaState.ON_TRACK
    settings.INCIDENTS_SLA_DUE_SOON_HOURS = 5
    assert sla_clock_of(fresh(incident)).state == SlaState.DUE_SOON


def test_a_marked_breach_stays_breached(clock):
    clock.set(2026, 10, 6, 9)
    incident = file(severity="critical", reported_at=kst(2026, 10, 6, 9))
    Incident.objects.filter(pk=incident.pk).update(
        sla_breached_at=kst(2026, 10, 6, 11), sla_due_at=kst(2026, 10, 8, 9)
    )
    assert sla_clock_of(fresh(incident)).state == SlaState.BREACHED


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def rm(api_as, rm_user):  # type: ignore[no-untyped-def]
    return api_as(rm_user)


def test_pause_and_resume_through_the_api(rm, clock):
    clock.set(2026, 10, 6, 16)
    incident = file()
    clock.set(2026, 10, 7, 10)
    answer = rm.post(f"{URL}{incident.pk}/pause/", {"reason": "경찰 회신 대기"}, format="json")
    assert answer.status_code == 200
    body = answer.json()
    assert body["sla_state"] == "paused"
    assert body["sla_paused_at"] is not None
    assert (body["time_left_seconds"], body["business_hours_left"]) == (5 * 3600, 5.0)
    assert [e["kind"] for e in body["timeline"]][-1] == "sla_paused"
    again = rm.post(f"{URL}{incident.pk}/pause/", {"reason": "다시"}, format="json")
    assert again.status_code == 200
    clock.set(2026, 10, 7, 11)
    answer = rm.post(f"{URL}{incident.pk}/resume/", {}, format="json")
    assert answer.status_code == 200
    assert answer.json()["sla_state"] == "on_track"
    assert answer.json()["sla_due_at"] == "2026-10-07T16:00:00+09:00"


def test_pause_without_a_reason_is_400_and_a_closed_case_is_409(rm, clock):
    incident = file()
    answer = rm.post(f"{URL}{incident.pk}/pause/", {}, format="json")
    assert answer.status_code == 400
    assert "reason" in answer.json()
    close(incident)
    for action in ("pause", "resume"):
        refused = rm.post(f"{URL}{incident.pk}/{action}/", {"reason": "회신 대기"}, format="json")
        assert refused.status_code == 409
        assert "종결" in refused.json()["status"][0]


def test_the_queue_filters_by_sla_state_and_shows_time_left(rm, clock):
    clock.set(2026, 10, 6, 9)
    late = file(severity="critical", reported_at=kst(2026, 10, 6, 9))
    far = file(severity="low", reported_at=kst(2026, 10, 6, 9))
    clock.set(2026, 10, 6, 12)
    rows = rm.get(f"{URL}?sla_state=breached").json()["results"]
    assert [r["id"] for r in rows] == [late.pk]
    assert rows[0]["time_left_seconds"] == -3600
    assert [r["id"] for r in rm.get(f"{URL}?sla_state=on_track").json()["results"]] == [far.pk]
    assert rm.get(f"{URL}?sla_state=soon").status_code == 400


def test_pause_and_resume_of_a_sensitive_case_are_404_for_plain_rm(api_as, rm, clock):
    secret = file(category="sexual", subtype="harassment")
    for action in ("pause", "resume"):
        answer = rm.post(f"{URL}{secret.pk}/{action}/", {"reason": "회신 대기"}, format="json")
        assert answer.status_code == 404
    assert fresh(secret).sla_paused_at is None
    rms = api_as(make_user("rms1", RM_SENSITIVE))
    assert (
        rms.post(f"{URL}{secret.pk}/pause/", {"reason": "회신 대기"}, format="json").status_code
        == 200
    )
    assert rm.get(f"{URL}?sla_state=paused").json()["results"] == []
