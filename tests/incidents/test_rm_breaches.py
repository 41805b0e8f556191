"""The SLA breach sweep: each late case marked once with a timeline row, its assignee notified
(and e-mailed) once, whatever how many sweeps run; the Celery task and its beat entry; a run
through the real Redis broker and a real worker."""

import os
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from kombu import Connection

from config.celery_app import app
from config.roles import RM_SENSITIVE
from incidents import tasks
from incidents.models import Incident, IncidentEvent, IncidentNotification
from incidents.selectors import notifications_of, unread_notification_count
from incidents.services.notifications import incident_notification_mark_read
from incidents.services.rm import incident_assign, incident_create, incident_transition
from incidents.services.rm_sla import incident_pause_sla, incident_sla_sweep_breaches
from tests.conftest import make_user

KST = ZoneInfo("Asia/Seoul")
ROOT = Path(__file__).resolve().parents[2]


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


def file(**overrides):  # type: ignore[no-untyped-def]
    fields = {
        "service": "daeri",
        "category": "criminal",
        "subtype": "theft",
        "severity": "critical",  # criminal/critical: 2 business hours
        "description": "차량 내 지갑 분실",
        "occurred_at": kst(2026, 10, 6, 8),
        "reported_at": kst(2026, 10, 6, 9),  # due Tuesday 11:00
    }
    return incident_create(**{**fields, **overrides})


# --- the task and its schedule -------------------------------------------------------------


def test_the_task_name_is_pinned_and_beat_runs_it_every_five_minutes():
    app.loader.import_default_modules()
    assert tasks.sweep_sla_breaches.name == "incidents.sweep_sla_breaches"
    assert app.tasks["incidents.sweep_sla_breaches"].run is tasks.sweep_sla_breaches.run
    entry = settings.CELERY_BEAT_SCHEDULE["incidents-sweep-sla-breaches"]
    assert entry["task"] == "incidents.sweep_sla_breaches"
    assert entry["schedule"].minute == set(range(0, 60, 5))
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > tasks.sweep_sla_breaches.time_limit


# --- the sweep ----------------------------------------------------------------------------------


@pytest.fixture
def mail_on(settings):  # type: ignore[no-untyped-def]
    settings.INCIDENTS_MAIL_NOTIFICATIONS = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.django_db
def test_two_sweeps_mark_once_notify_once_and_mail_once(clock, rm_user, mail_on, mailoutbox):
    rm_user.email = "rm1@example.com"
    rm_user.save()
    clock.set(2026, 10, 6, 9)
    late = file()
    incident_assign(incident_id=late.pk, assignee="rm1", actor=None)
    clock.set(2026, 10, 6, 11, 5)
    assert incident_sla_sweep_breaches() == 1
    clock.set(2026, 10, 6, 11, 10)
    assert tasks.sweep_sla_breaches.apply().get() == 0
    marked = Incident.objects.get(pk=late.pk)
    assert marked.sla_breached_at == kst(2026, 10, 6, 11, 5)
    [event] = marked.events.filter(kind=IncidentEvent.Kind.SLA_BREACHED)
    assert event.detail == "SLA 기한 초과 (기한 2026-10-06 11:00)"
    assert event.actor is None
    [notice] = IncidentNotification.objects.all()
    assert (notice.user, notice.incident_id, notice.kind) == (rm_user, late.pk, "sla_breached")
    assert notice.message == f"RM 사고 #{late.pk}의 SLA 기한(2026-10-06 11:00)이 지났습니다."
    assert notice.mailed_at == kst(2026, 10, 6, 11, 5)
    [mail] = mailoutbox
    assert mail.to == ["rm1@example.com"]
    assert mail.subject == f"[보상 RM] SLA 기한 초과: RM 사고 #{late.pk}"


@pytest.mark.django_db
def test_only_open_running_late_cases_are_marked(clock, mailoutbox):
    clock.set(2026, 10, 6, 9)
    unassigned = file()
    paused = file()
    incident_pause_sla(incident=paused, actor=None, reason="경찰 회신 대기")
    closed = file()
    for to in ("triaged", "investigating", "action_taken", "closed"):
        incident_transition(incident_id=closed.pk, to=to, actor=None)
    not_yet = file(severity="low")
    clock.set(2026, 10, 6, 12)
    assert incident_sla_sweep_breaches() == 1
    breached = set(
        Incident.objects.filter(sla_breached_at__isnull=False).values_list("pk", flat=True)
    )
    assert breached == {unassigned.pk}
    assert not IncidentNotification.objects.exists()  # nobody to tell
    assert not_yet.pk not in breached and paused.pk not in breached and closed.pk not in breached
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_backlog_is_marked_in_chunks_each_once(clock, rm_user, settings):
    settings.INCIDENTS_SWEEP_CHUNK = 2
    clock.set(2026, 10, 6, 9)
    late = [file() for _ in range(5)]
    for incident in late[:3]:
        incident_assign(incident_id=incident.pk, assignee="rm1", actor=None)
    clock.set(2026, 10, 6, 12)
    assert incident_sla_sweep_breaches() == 5
    assert incident_sla_sweep_breaches() == 0
    assert Incident.objects.filter(sla_breached_at=kst(2026, 10, 6, 12)).count() == 5
    assert IncidentEvent.objects.filter(kind=IncidentEvent.Kind.SLA_BREACHED).count() == 5
    assert IncidentNotification.objects.filter(user=rm_user).count() == 3


@pytest.mark.django_db
def test_no_mail_without_an_address_or_with_mail_off(clock, rm_user, settings, mailoutbox):
    settings.INCIDENTS_MAIL_NOTIFICATIONS = False
    clock.set(2026, 10, 6, 9)
    late = file()
    incident_assign(incident_id=late.pk, assignee="rm1", actor=None)
    clock.set(2026, 10, 6, 12)
    incident_sla_sweep_breaches()
    assert IncidentNotification.objects.get().mailed_at is None
    assert mailoutbox == []


# --- the notifications a user reads (알림) --------------------------------------------------


@pytest.mark.django_db
def test_notifications_are_listed_and_marked_read_by_their_user_only(clock, rm_user):
    other = make_user("rm2", "rm")
    clock.set(2026, 10, 6, 9)
    mine, theirs = file(), file()
    incident_assign(incident_id=mine.pk, assignee="rm1", actor=None)
    incident_assign(incident_id=theirs.pk, assignee="rm2", actor=None)
    clock.set(2026, 10, 6, 12)
    incident_sla_sweep_breaches()
    assert [n.incident_id for n in notifications_of(rm_user)] == [mine.pk]
    assert unread_notification_count(rm_user) == 1
    theirs_notice = IncidentNotification.objects.get(user=other)
    assert incident_notification_mark_read(user=rm_user, notification_id=theirs_notice.pk) == 0
    assert incident_notification_mark_read(user=rm_user) == 1
    assert unread_notification_count(rm_user) == 0
    assert unread_notification_count(other) == 1


@pytest.mark.django_db
def test_a_notice_of_a_sensitive_case_is_gone_for_a_user_who_lost_the_permission(clock):
    holder = make_user("rms1", RM_SENSITIVE)
    clock.set(2026, 10, 6, 9)
    secret = file(category="sexual", subtype="harassment")
    incident_assign(incident_id=secret.pk, assignee="rms1", actor=None)
    clock.set(2026, 10, 6, 12)
    incident_sla_sweep_breaches()
    assert [n.incident_id for n in notifications_of(holder)] == [secret.pk]
    holder.groups.clear()
    holder = type(holder).objects.get(pk=holder.pk)  # permissions are cached per object
    assert list(notifications_of(holder)) == []
    assert unread_notification_count(holder) == 0
    assert incident_notification_mark_read(user=holder) == 0


@pytest.mark.django_db
def test_reclassifying_into_a_sensitive_category_takes_the_case_off_a_plain_assignee(
    clock, rm_user, mail_on, mailoutbox
):
    from incidents.services.rm_changes import incident_change_subtype

    rm_user.email = "rm1@example.com"
    rm_user.save()
    clock.set(2026, 10, 6, 9)
    case = file()
    incident_assign(incident_id=case.pk, assignee="rm1", actor=None)
    incident_change_subtype(
        incident_id=case.pk, actor=None, category="sexual", subtype="harassment", reason="재분류"
    )
    case.refresh_from_db()
    assert case.assignee is None
    row = case.events.filter(kind=IncidentEvent.Kind.ASSIGNED).latest("id")
    assert row.detail.startswith("담당자 해제: rm1") and row.reason == "재분류"
    clock.set(2026, 10, 6, 12)
    assert incident_sla_sweep_breaches() == 1
    assert not IncidentNotification.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_holder_keeps_the_case_and_is_notified(clock, mail_on, mailoutbox):
    from incidents.services.rm_changes import incident_change_subtype

    holder = make_user("rms1", RM_SENSITIVE)
    holder.email = "rms1@example.com"
    holder.save()
    clock.set(2026, 10, 6, 9)
    case = file()
    incident_assign(incident_id=case.pk, assignee="rms1", actor=None)
    incident_change_subtype(
        incident_id=case.pk, actor=None, category="sexual", subtype="harassment", reason="재분류"
    )
    case.refresh_from_db()
    assert case.assignee == holder
    clock.set(2026, 10, 6, 12)
    incident_sla_sweep_breaches()
    assert [n.user for n in IncidentNotification.objects.all()] == [holder]
    assert [m.to for m in mailoutbox] == [["rms1@example.com"]]


@pytest.mark.django_db
def test_the_sweep_neither_notifies_nor_mails_an_assignee_who_lost_the_permission(
    clock, mail_on, mailoutbox
):
    holder = make_user("rms1", RM_SENSITIVE)
    holder.email = "rms1@example.com"
    holder.save()
    clock.set(2026, 10, 6, 9)
    secret = file(category="sexual", subtype="harassment")
    incident_assign(incident_id=secret.pk, assignee="rms1", actor=None)
    holder.groups.set([make_user("tmp", "rm").groups.get()])  # now plain rm
    clock.set(2026, 10, 6, 12)
    assert incident_sla_sweep_breaches() == 1
    assert not IncidentNotification.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_pending_notice_is_not_mailed_once_the_user_lost_the_permission(
    clock, settings, mailoutbox
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.INCIDENTS_MAIL_NOTIFICATIONS = False  # the notice is made, not mailed yet
    holder = make_user("rms1", RM_SENSITIVE)
    holder.email = "rms1@example.com"
    holder.save()
    clock.set(2026, 10, 6, 9)
    secret = file(category="sexual", subtype="harassment")
    incident_assign(incident_id=secret.pk, assignee="rms1", actor=None)
    clock.set(2026, 10, 6, 12)
    incident_sla_sweep_breaches()
    assert IncidentNotification.objects.count() == 1
    holder.groups.clear()
    settings.INCIDENTS_MAIL_NOTIFICATIONS = True
    clock.set(2026, 10, 6, 12, 5)
    incident_sla_sweep_breaches()
    assert mailoutbox == []


@pytest.mark.django_db
def test_reopening_restarts_the_clock_so_the_case_can_breach_and_notify_again(clock, rm_user):
    from incidents.selectors import SlaState, sla_clock_of

    clock.set(2026, 10, 6, 9)
    case = file()  # criminal/critical: 2 business hours
    incident_assign(incident_id=case.pk, assignee="rm1", actor=None)
    clock.set(2026, 10, 6, 12)
    assert incident_sla_sweep_breaches() == 1
    for to in ("triaged", "investigating", "action_taken", "closed"):
        incident_transition(incident_id=case.pk, to=to, actor=None)
    clock.set(2026, 10, 8, 10)  # Thursday 10:00
    incident_transition(incident_id=case.pk, to="reopened", actor=rm_user, reason="재발")
    case.refresh_from_db()
    assert case.sla_due_at == kst(2026, 10, 8, 12)  # two business hours from the reopening
    assert case.sla_breached_at is None
    assert sla_clock_of(case).state != SlaState.BREACHED
    row = case.events.filter(kind=IncidentEvent.Kind.TRANSITION).latest("id")
    assert row.detail == "종결 → 재개 (새 SLA 기한 2026-10-08 12:00)"
    clock.set(2026, 10, 8, 11)
    assert incident_sla_sweep_breaches() == 0
    clock.set(2026, 10, 8, 12, 5)
    assert incident_sla_sweep_breaches() == 1
    assert incident_sla_sweep_breaches() == 0
    notices = IncidentNotification.objects.filter(user=rm_user, incident=case)
    assert sorted(n.breach_at for n in notices) == [kst(2026, 10, 6, 12), kst(2026, 10, 8, 12, 5)]


@pytest.mark.django_db
def test_a_case_reassigned_after_its_breach_notifies_the_new_owner_once(
    clock, rm_user, mail_on, mailoutbox
):
    other = make_user("rm2", "rm")
    other.email = "rm2@example.com"
    other.save()
    clock.set(2026, 10, 6, 9)
    case = file()
    incident_assign(incident_id=case.pk, assignee="rm1", actor=None)
    clock.set(2026, 10, 6, 12)
    incident_sla_sweep_breaches()
    clock.set(2026, 10, 6, 13)
    incident_assign(incident_id=case.pk, assignee="rm2", actor=None)
    incident_assign(incident_id=case.pk, assignee="rm1", actor=None)
    incident_assign(incident_id=case.pk, assignee="rm2", actor=None)
    [notice] = IncidentNotification.objects.filter(user=other)
    assert notice.message == f"RM 사고 #{case.pk}의 SLA 기한(2026-10-06 11:00)이 지났습니다."
    assert (notice.breach_at, notice.created_at) == (kst(2026, 10, 6, 12), kst(2026, 10, 6, 13))
    assert IncidentNotification.objects.filter(user=rm_user).count() == 1
    clock.set(2026, 10, 6, 13, 5)
    incident_sla_sweep_breaches()  # mails the pending notice
    assert [m.to for m in mailoutbox if m.to == ["rm2@example.com"]] == [["rm2@example.com"]]


# --- through the real broker and a real worker -------------------------------------------------


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += ":" + db["PASSWORD"]
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _runs(log: Path) -> list[str]:
    """The worker's "succeeded" lines of the sweep, in order."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return [
        line.strip()
        for line in text.splitlines()
        if "incidents.sweep_sla_breaches[" in line and " succeeded in " in line
    ]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_sweep_runs_on_a_real_worker_through_redis(tmp_path, rm_user):
    """The worker reads this test's committed rows; its queue is one of its own on the
    suite's broker, so it takes no one else's messages and leaves none behind."""
    incident = file(reported_at=kst(2026, 10, 6, 9))  # due long ago
    incident_assign(incident_id=incident.pk, assignee="rm1", actor=None)
    queue = f"incidents-sweep-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue,
         f"--hostname={queue}@%h", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        producer = Celery("incidents-sweep-test", set_as_current=False)
        with Connection(settings.CELERY_BROKER_URL) as conn:
            for _ in range(2):  # twice: the second run finds nothing left to do
                producer.send_task(
                    "incidents.sweep_sla_breaches", connection=conn, queue=queue,
                    serializer="json",
                )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(_runs(log)) < 2:
            if time.monotonic() > deadline:
                pytest.fail("the worker did not run the sweep twice:\n" + log.read_text()[-3000:])
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert [r.rsplit(": ", 1)[-1] for r in _runs(log)] == ["1", "0"]  # marked, then nothing
    marked = Incident.objects.get(pk=incident.pk)
    assert marked.sla_breached_at is not None
    assert marked.events.filter(kind=IncidentEvent.Kind.SLA_BREACHED).count() == 1
    assert IncidentNotification.objects.filter(incident=incident, user=rm_user).count() == 1
