"""The RM team's pages: the queue (filters, SLA state and time left, keyset pages, bulk and
self assignment, CSV), the incident page (transition, assign, share, errors in Korean), the
dashboard; 성민감 cases absent for users without the permission everywhere on them."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from config.roles import RM_SENSITIVE
from incidents import queue
from incidents.models import Incident, IncidentEvent, IncidentShare
from incidents.services.rm import PartyInput, incident_create, incident_transition
from incidents.sla import business_hours_between, is_business_day
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
KST = ZoneInfo("Asia/Seoul")


def file(**overrides):  # type: ignore[no-untyped-def]
    reported = overrides.pop("reported_at", timezone.now() - timedelta(hours=1))
    fields = {
        "service": "daeri",
        "category": "criminal",
        "subtype": "theft",
        "severity": "high",
        "description": "차량 내 지갑 분실, 홍길동 010-1234-5678",
        "occurred_at": reported - timedelta(hours=1),
        "reported_at": reported,
        "parties": [PartyInput(role="driver", external_id="D-PAGE-1", name="홍길동")],
    }
    return incident_create(**{**fields, **overrides})


@pytest.fixture
def client_of():
    def login(user):  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def rm(client_of, rm_user):  # type: ignore[no-untyped-def]
    return client_of(rm_user)


@pytest.fixture
def rms_user(db):  # type: ignore[no-untyped-def]
    return make_user("rms1", RM_SENSITIVE)


@pytest.fixture
def secret(db):  # type: ignore[no-untyped-def]
    return file(
        category="sexual",
        subtype="harassment",
        description="비밀 사건 성희롱",
        parties=[PartyInput(role="customer", external_id="C-SECRET", name="김비밀")],
    )


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# --- access --------------------------------------------------------------------------------


def test_agents_get_the_403_page_and_anonymous_users_the_login(client_of, agent):
    for url in ("/incidents/", "/incidents/dashboard/", "/incidents/export.csv"):
        response = client_of(agent).get(url)
        assert response.status_code == 403
        assert "권한이 없습니다" in page_text(response)
        assert Client().get(url).status_code == 302


def test_the_nav_shows_the_queue_only_to_those_who_work_incidents(client_of, rm_user, agent):
    assert "RM 대기열" in page_text(client_of(rm_user).get("/"))
    assert "RM 현황" in page_text(client_of(rm_user).get("/"))
    assert "RM 대기열" not in page_text(client_of(agent).get("/"))


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_lists_open_cases_most_urgent_first_with_masked_names(rm):
    late = file(severity="critical", reported_at=timezone.now() - timedelta(days=10))
    soon = file(severity="low")
    done = file()
    Incident.objects.filter(pk=done.pk).update(status="closed")
    html = page_text(rm.get("/incidents/"))
    assert html.index(f"#{late.pk}<") < html.index(f"#{soon.pk}<")
    assert f"#{done.pk}<" not in html
    assert "홍*동" in html and "홍길동" not in html
    assert "초과" in html  # the late one's time left, in business hours
    newest = page_text(rm.get("/incidents/?sort=new"))
    assert newest.index(f"#{done.pk - 1}<") < newest.index(f"#{late.pk}<")


@pytest.mark.parametrize(
    ("query", "expect"),
    [
        ("category=insurance", {"ins"}),
        ("category=criminal&subtype=violence", {"violence"}),
        ("severity=critical", {"ins"}),
        ("service=taxi", {"violence"}),
        ("status=all", {"theft", "ins", "violence", "closed"}),
        ("status=closed", {"closed"}),
        ("sla=closed", {"closed"}),
        ("assignee=none", {"ins", "violence"}),
        ("assignee=none&status=all", {"ins", "violence", "closed"}),
        ("mine=on", {"theft"}),
    ],
)
def test_each_filter(rm, rm_user, query, expect):  # type: ignore[no-untyped-def]
    from incidents.services.rm import incident_assign

    made = {
        "theft": file(),
        "ins": file(category="insurance", subtype="misfuel", severity="critical"),
        "violence": file(subtype="violence", service="taxi"),
        "closed": file(),
    }
    incident_assign(incident_id=made["theft"].pk, assignee=rm_user.username, actor=rm_user)
    Incident.objects.filter(pk=made["closed"].pk).update(status="closed")
    html = page_text(rm.get(f"/incidents/?{query}"))
    shown = {name for name, i in made.items() if f'value="{i.pk}"' in html}
    assert shown == expect


def test_sla_states_from_due_pause_breach_and_status(rm):
    now = timezone.now()
    late = file(reported_at=now - timedelta(days=20))
    paused = file(reported_at=now - timedelta(days=20))
    Incident.objects.filter(pk=paused.pk).update(sla_paused_at=now - timedelta(days=19))
    fine = file(severity="low")
    Incident.objects.filter(pk=fine.pk).update(sla_due_at=now + timedelta(days=30))
    soon = file()
    Incident.objects.filter(pk=soon.pk).update(sla_due_at=now + timedelta(minutes=1))
    # A breach once marked keeps the case 기한 초과 (the selectors' rule), even if due later.
    marked = file()
    Incident.objects.filter(pk=marked.pk).update(
        sla_due_at=now + timedelta(days=30), sla_breached_at=now - timedelta(hours=1)
    )
    expect = {
        "breached": {late, marked},
        "paused": {paused},
        "on_track": {fine},
        "due_soon": {soon},
    }
    every = {late, paused, fine, soon, marked}
    for state, incidents in expect.items():
        html = page_text(rm.get(f"/incidents/?sla={state}"))
        assert {i for i in every if f'value="{i.pk}"' in html} == incidents, state
    chips = page_text(rm.get("/incidents/"))
    assert "기한 초과 <b>2</b>" in chips and "일시정지 <b>1</b>" in chips


def test_business_hours_between_counts_whole_days_like_a_walk():
    # Friday 17:00 → Monday 10:00 KST (2026-12-04 → 12-07): one hour Friday, one Monday.
    start = datetime(2026, 12, 4, 17, tzinfo=KST)
    end = datetime(2026, 12, 7, 10, tzinfo=KST)
    assert business_hours_between(start, end, 9, 18) == timedelta(hours=2)
    assert business_hours_between(end, start, 9, 18) == timedelta(0)
    # A week with the 개천절 alternative holiday (Mon 10-05) and 한글날 (Fri 10-09): 3 days.
    week = business_hours_between(
        datetime(2026, 10, 5, 0, tzinfo=KST), datetime(2026, 10, 12, 0, tzinfo=KST), 9, 18
    )
    assert week == timedelta(hours=27)
    # Years apart, and a day ending at midnight: the same as walking day by day.
    for day_end in (18, 24):
        far = business_hours_between(
            datetime(2024, 1, 1, 12, tzinfo=KST),
            datetime(2026, 3, 4, 15, 30, tzinfo=KST),
            9,
            day_end,
        )
        walked = timedelta(0)
        d = date(2024, 1, 1)
        while d <= date(2026, 3, 4):
            if is_business_day(d):
                lo = 12 if d == date(2024, 1, 1) else 9
                hi = 15.5 if d == date(2026, 3, 4) else day_end
                walked += timedelta(hours=max(0, hi - lo))
            d += timedelta(days=1)
        assert far == walked


def test_time_left_text():
    incident = file()
    now = datetime(2026, 12, 7, 10, tzinfo=KST)  # a Monday
    incident.sla_due_at = datetime(2026, 12, 7, 13, 20, tzinfo=KST)
    left = queue.time_left(incident, now=now, soon=now)
    assert left.text == "남은 3시간 20분" and not left.over
    incident.sla_due_at = datetime(2026, 12, 4, 17, tzinfo=KST)  # Friday: 1 h + 1 h
    left = queue.time_left(incident, now=now, soon=now)
    assert left.over and left.text == "2시간 초과"
    incident.sla_paused_at = datetime(2026, 12, 4, 16, tzinfo=KST)
    assert queue.time_left(incident, now=now, soon=now).text == "일시정지 · 남은 1시간"


def test_keyset_pages_keep_the_filters_and_walk_every_case_once(rm, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 3)
    made = [file(category="insurance", subtype="misfuel") for _ in range(7)]
    file()  # another category: never on these pages
    seen: list[int] = []
    url = "/incidents/?category=insurance"
    for _ in range(5):
        response = rm.get(url)
        html = page_text(response)
        seen += [i.pk for i in made if f'value="{i.pk}"' in html]
        if 'id="next-page"' not in html:
            break
        query = html.split('id="next-page"')[0].rsplit('href="?', 1)[1].split('"')[0]
        url = "/incidents/?" + query.replace("&amp;", "&")
        assert "category=insurance" in url and "after=" in url
    assert sorted(seen) == sorted(i.pk for i in made) and len(seen) == 7


@pytest.mark.parametrize(
    "query",
    [
        "after=nonsense",
        "after=99999999999999999999999_1",
        "sort=new&after=x",
        "category=nope",
        "status=weird",
        "sla=bad",
        "category=criminal&subtype=misfuel",
        "assignee=ghost",
    ],
)
def test_bad_filters_are_korean_form_errors_not_500s(rm, query):
    file()
    response = rm.get(f"/incidents/?{query}")
    assert response.status_code == 200
    assert 'class="errorlist' in page_text(response)


def test_a_nul_in_the_query_is_a_400(rm):
    assert rm.get("/incidents/?subtype=%00").status_code == 400


def test_bulk_assign_and_assign_to_me_write_the_timeline(client_of, rm_user, manager):
    a, b = file(), file()
    rm = client_of(rm_user)
    response = rm.post(
        "/incidents/assign/",
        {"ids": [a.pk, b.pk], "assignee": "manager1", "query": "category=criminal"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?category=criminal")
    assert set(Incident.objects.values_list("assignee__username", flat=True)) == {"manager1"}
    assert IncidentEvent.objects.filter(kind="assigned", actor=rm_user).count() == 2
    rm.post(f"/incidents/{a.pk}/assign-me/", {"query": ""})
    assert Incident.objects.get(pk=a.pk).assignee == rm_user


def test_bulk_assign_refusals_are_messages_and_change_nothing(client_of, rm_user, agent, secret):
    rms = client_of(make_user("rms2", RM_SENSITIVE))
    plain = file()
    # Plain RM cannot hold a 성민감 case: all or nothing.
    response = rms.post(
        "/incidents/assign/", {"ids": [plain.pk, secret.pk], "assignee": "rm1"}, follow=True
    )
    assert "배정할 수 없습니다" in page_text(response)
    assert not Incident.objects.filter(assignee__isnull=False).exists()
    for data in ({"ids": [], "assignee": "rm1"}, {"ids": ["x"], "assignee": "rm1"},
                 {"ids": [plain.pk], "assignee": "agent1"}):  # fmt: skip
        response = client_of(rm_user).post("/incidents/assign/", data, follow=True)
        assert response.status_code == 200
        assert 'class="error"' in page_text(response)
    assert not Incident.objects.filter(assignee__isnull=False).exists()


def test_the_csv_export_is_filtered_masked_and_has_no_sensitive_case(rm, client_of, secret):
    file(category="insurance", subtype="misfuel")
    theft = file()
    body = b"".join(rm.get("/incidents/export.csv?category=criminal").streaming_content)
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("번호,접수 시각")
    assert len(text.strip().splitlines()) == 2 and text.splitlines()[1].startswith(f"{theft.pk},")
    assert "홍*동" in text and "홍길동" not in text
    everything = b"".join(rm.get("/incidents/export.csv?status=all").streaming_content)
    assert "김" not in everything.decode() and "성희롱" not in everything.decode()
    rms = client_of(make_user("rms3", RM_SENSITIVE))
    assert "성희롱" in b"".join(rms.get("/incidents/export.csv").streaming_content).decode()


def test_the_csv_export_quotes_cells_a_spreadsheet_would_run_as_formulas(rm):
    import csv
    import io

    from incidents.services.rm import incident_assign

    make_user("=HYPERLINK(1)", "rm")
    case = file()
    incident_assign(incident_id=case.pk, assignee="=HYPERLINK(1)", actor=None)
    body = b"".join(rm.get("/incidents/export.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    [row] = [r for r in rows[1:] if r[0] == str(case.pk)]
    assert "'=HYPERLINK(1)" in row
    assert not any(cell[:1] in "=+-@" for cell in row if cell)


# --- sensitive isolation -------------------------------------------------------------------


def test_a_sensitive_case_is_absent_from_rows_counts_options_and_detail(
    rm, client_of, rms_user, secret
):
    file()
    html = page_text(rm.get("/incidents/"))
    assert f'value="{secret.pk}"' not in html and "성민감" not in html
    assert "1건" in html  # the total counts only the visible case
    # Asking for the 성민감 category by its code is an unknown choice, not a way in.
    html = page_text(rm.get("/incidents/?category=sexual"))
    assert f'value="{secret.pk}"' not in html and 'class="errorlist' in html
    assert rm.get(f"/incidents/{secret.pk}/").status_code == 404
    for action in ("assign-me", "share", "transition", "assign"):
        assert rm.post(f"/incidents/{secret.pk}/{action}/", {"to": "triaged"}).status_code == 404
    rms = client_of(rms_user)
    html = page_text(rms.get("/incidents/"))
    assert f'value="{secret.pk}"' in html and "성민감 (1)" in html and "2건" in html
    assert rms.get(f"/incidents/{secret.pk}/").status_code == 200


def test_the_dashboard_counts_exclude_sensitive_cases(rm, client_of, rms_user, secret):
    file()
    now = timezone.now()
    Incident.objects.update(sla_breached_at=now)
    plain = rm.get("/incidents/dashboard/").context
    assert plain["open_total"] == 1 and plain["week_total"] == 1
    assert [r["code"] for r in plain["by_category"]] == ["criminal", "insurance", "other"]
    html = page_text(rm.get("/incidents/dashboard/"))
    assert 'id="rm-dashboard-data"' in html and "<script>" not in html
    full = client_of(rms_user).get("/incidents/dashboard/").context
    assert full["open_total"] == 2 and full["week_total"] == 2


# --- the incident page -----------------------------------------------------------------------


def test_the_page_shows_labels_definition_masked_parties_and_timeline(rm):
    incident = file()
    html = page_text(rm.get(f"/incidents/{incident.pk}/"))
    assert "형사 신고" in html and "도난" in html
    assert incident.rm_subtype.definition in html
    # The parties' names are masked in the description too; phone numbers as well.
    assert "홍*동" in html and "홍길동" not in html and "010-1234-5678" not in html
    assert "접수" in html and "분류됨" in html  # the timeline, and the next state offered


def test_transition_through_the_page_and_refusals_in_korean(rm, rm_user):
    incident = file()
    response = rm.post(f"/incidents/{incident.pk}/transition/", {"to": "triaged", "reason": ""})
    assert response.status_code == 302
    assert Incident.objects.get(pk=incident.pk).status == "triaged"
    # A state not offered from here, and nothing chosen: form errors, not 500s.
    for data in ({"to": "closed"}, {}):
        response = rm.post(f"/incidents/{incident.pk}/transition/", data)
        assert response.status_code == 200 and 'class="errorlist' in page_text(response)
    # Reopening needs a reason.
    for step in ("investigating", "action_taken", "closed"):
        incident_transition(incident_id=incident.pk, to=step, actor=rm_user)
    response = rm.post(f"/incidents/{incident.pk}/transition/", {"to": "reopened"})
    assert "사유가 필요합니다" in page_text(response)


def test_sharing_is_required_before_closing_a_media_case_and_shares_are_listed(rm, rm_user):
    incident = file(category="insurance", subtype="major", media_or_agency=True)
    html = page_text(rm.get(f"/incidents/{incident.pk}/"))
    assert "종결하기 전에 브랜드 리스크 담당자에게 공유해야" in html
    for step in ("triaged", "investigating", "action_taken"):
        incident_transition(incident_id=incident.pk, to=step, actor=rm_user)
    response = rm.post(f"/incidents/{incident.pk}/transition/", {"to": "closed"})
    assert "공유한 뒤에" in page_text(response)
    rm.post(f"/incidents/{incident.pk}/share/")
    share = IncidentShare.objects.get(incident=incident)
    assert share.actor == rm_user and "홍*동" in share.summary
    html = page_text(rm.get(f"/incidents/{incident.pk}/"))
    assert "가림 요약" in html and "홍*동" in html
    assert "종결하기 전에 브랜드 리스크 담당자에게 공유해야" not in html
    assert rm.post(f"/incidents/{incident.pk}/transition/", {"to": "closed"}).status_code == 302


def test_assign_through_the_page_and_a_user_outside_rm_is_a_form_error(rm, agent, manager):
    incident = file()
    assert rm.post(f"/incidents/{incident.pk}/assign/", {"assignee": "manager1"}).status_code == 302
    assert Incident.objects.get(pk=incident.pk).assignee == manager
    response = rm.post(f"/incidents/{incident.pk}/assign/", {"assignee": "agent1"})
    assert response.status_code == 200 and 'class="errorlist' in page_text(response)


def test_get_on_an_action_is_405_and_an_unknown_case_404(rm):
    incident = file()
    assert rm.get(f"/incidents/{incident.pk}/share/").status_code == 405
    assert rm.get("/incidents/999999/").status_code == 404


@pytest.mark.parametrize("sort", ["sla", "new"])
def test_all_statuses_page_open_cases_first_then_closed_across_the_boundary(rm, monkeypatch, sort):
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    made = [file(reported_at=timezone.now() - timedelta(hours=h)) for h in range(1, 6)]
    closed = {made[0].pk, made[3].pk}
    Incident.objects.filter(pk__in=closed).update(status="closed")
    order: list[int] = []
    url = f"/incidents/?status=all&sort={sort}"
    for _ in range(6):
        html = page_text(rm.get(url))
        shown = sorted(
            (html.index(f'value="{i.pk}"'), i.pk) for i in made if f'value="{i.pk}"' in html
        )
        order += [pk for _, pk in shown]
        if 'id="next-page"' not in html:
            break
        query = html.split('id="next-page"')[0].rsplit('href="?', 1)[1].split('"')[0]
        url = "/incidents/?" + query.replace("&amp;", "&")
    assert sorted(order) == sorted(i.pk for i in made) and len(order) == 5
    if sort == "sla":
        # Open cases by due time, then the closed ones.
        assert set(order[3:]) == closed
        open_dues = [Incident.objects.get(pk=pk).sla_due_at for pk in order[:3]]
        assert open_dues == sorted(open_dues)
    else:
        assert order == sorted(order, reverse=True)


def test_the_queue_page_makes_the_same_few_queries_however_many_rows(
    rm, django_assert_max_num_queries
):
    for n in range(12):
        file(subtype="violence" if n % 2 else "theft")
    with django_assert_max_num_queries(16):
        assert rm.get("/incidents/").status_code == 200


def test_the_dashboard_buckets_ages_and_breaches_by_day_of_this_week(rm):
    from incidents import dashboard

    now = datetime(2026, 12, 10, 15, tzinfo=KST)  # a Thursday
    old = file(reported_at=now - timedelta(days=40))
    recent = file(reported_at=now - timedelta(hours=5))
    Incident.objects.filter(pk=old.pk).update(sla_breached_at=datetime(2026, 12, 8, 9, tzinfo=KST))
    # Last week's breach and a closed case do not count.
    Incident.objects.filter(pk=recent.pk).update(
        sla_breached_at=datetime(2026, 12, 6, 9, tzinfo=KST)
    )
    done = file(reported_at=now - timedelta(days=2))
    Incident.objects.filter(pk=done.pk).update(status="closed")
    visible = Incident.objects.all()
    ages = {r["label"]: r["count"] for r in dashboard.open_by_age(visible, now=now)}
    assert ages == {"1일 미만": 1, "1~3일": 0, "3~7일": 0, "7~30일": 0, "30일 이상": 1}
    week = dashboard.breaches_this_week(visible, now=now)
    assert [d["label"] for d in week["days"]][:2] == ["12/7 (월)", "12/8 (화)"]
    assert [d["count"] for d in week["days"]] == [0, 1, 0, 0, 0, 0, 0]
